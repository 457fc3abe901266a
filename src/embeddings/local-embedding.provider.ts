import { EmbeddingProvider } from './embedding-provider';

const WORD = /[\p{L}\p{N}]+/gu;

/** Very frequent English words: kept (phrases matter) but weighted down. */
const COMMON = new Set(
  'a an the and or of to in on at by for with from as is are was were be been it its this that these those not no do does did has have had will would can could should may might than then there their they them he she we you your our i'.split(
    ' ',
  ),
);

/**
 * Where an identifier splits into words: camelCase humps and letter/digit boundaries
 * ("IntervalStyle" → Interval, Style; "utf8" → utf, 8). Dots and underscores already separate words.
 */
const IDENTIFIER_PARTS = /(?<=\p{Ll})(?=\p{Lu})|(?<=\p{L})(?=\p{N})|(?<=\p{N})(?=\p{L})/u;
const HAS_PARTS = /\p{Ll}\p{Lu}|\p{L}\p{N}|\p{N}\p{L}/u;

/** The provider's version: part of the id stored with every vector; chunks of an older one are re-embedded in place. */
export const LOCAL_EMBEDDING_VERSION = 'local-hash-v2';

/**
 * The offline default: feature hashing of words, word bigrams and character trigrams into a
 * fixed-size vector, L2-normalised. An identifier counts as itself and as its parts, in that
 * order ("IntervalStyle" → intervalstyle interval style), so a question naming one part finds it
 * and one naming all of it matches more (v2; bench:quality, hybrid recall@5 / MRR@10 over v1:
 * Python manual 0.691 / 0.518 → 0.707 / 0.564, R manuals 0.729 / 0.553 → 0.732 / 0.578). Deterministic, dependency-free and fast (tens of microseconds
 * per chunk). What it is not: a semantic model. It matches shared words and word pieces
 * (morphology, typos, code identifiers) but not synonyms or paraphrases — "car" does not find
 * "automobile". Use an OpenAI-compatible embedding model for meaning; this keeps Folio useful
 * with no network and no model download.
 */
export class LocalEmbeddingProvider extends EmbeddingProvider {
  readonly id: string;

  constructor(readonly dimensions: number) {
    super();
    this.id = `${LOCAL_EMBEDDING_VERSION}:${dimensions}`;
  }

  embed(texts: readonly string[]): Promise<Float32Array[]> {
    return Promise.resolve(texts.map((t) => this.embedOne(t)));
  }

  embedOne(text: string): Float32Array {
    return this.embedWords(embeddingWords(text));
  }

  /**
   * The vector of a word sequence, each word's features (itself, its bigram with the word before,
   * its trigrams) scaled by `weightOf(word)`: 1 in Folio; bench:embedder tries other weights.
   */
  embedWords(words: readonly string[], weightOf: (word: string) => number = () => 1): Float32Array {
    const vector = new Float32Array(this.dimensions);
    let previous: string | undefined;
    for (const word of words) {
      const scale = weightOf(word);
      const weight = (COMMON.has(word) ? 0.25 : 1) * scale;
      this.add(vector, fnv1a(word, 0x811c9dc5), weight);
      if (previous !== undefined) this.add(vector, fnv1a(word, fnv1a(previous, 0x9e3779b9)), 0.5 * weight);
      if (word.length > 3 && !COMMON.has(word)) {
        const padded = `^${word}$`;
        for (let i = 0; i + 3 <= padded.length; i++) {
          this.add(vector, fnv1a(padded.slice(i, i + 3), 0x01000193), 0.2 * scale);
        }
      }
      previous = word;
    }
    let norm = 0;
    for (let i = 0; i < vector.length; i++) {
      // Sub-linear term frequency: repetition counts, but less and less.
      const v = vector[i];
      const damped = Math.sign(v) * Math.log1p(Math.abs(v));
      vector[i] = damped;
      norm += damped * damped;
    }
    norm = Math.sqrt(norm);
    if (norm > 0) for (let i = 0; i < vector.length; i++) vector[i] /= norm;
    return vector;
  }

  /** Signed feature hashing: the sign bit keeps colliding features from only ever adding up. */
  private add(vector: Float32Array, hash: number, weight: number): void {
    const index = (hash >>> 1) % this.dimensions;
    vector[index] += hash & 1 ? weight : -weight;
  }
}

/** The words v2 embeds: lower case, each identifier followed by its parts. */
export function embeddingWords(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.match(WORD) ?? []) {
    out.push(raw.toLowerCase());
    if (HAS_PARTS.test(raw)) for (const part of raw.split(IDENTIFIER_PARTS)) out.push(part.toLowerCase());
  }
  return out;
}

/** The models among `models` that an older version of the local provider made at `current`'s dimension. */
export function olderLocalModels(models: readonly string[], current: LocalEmbeddingProvider): string[] {
  return models.filter((m) => m.startsWith('local-hash-v') && m.endsWith(`:${current.dimensions}`) && m !== current.id);
}

function fnv1a(text: string, seed: number): number {
  let hash = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}
