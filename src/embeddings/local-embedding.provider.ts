import { EmbeddingProvider } from './embedding-provider';

const WORD = /[\p{L}\p{N}]+/gu;

/** Very frequent English words: kept (phrases matter) but weighted down. */
const COMMON = new Set(
  'a an the and or of to in on at by for with from as is are was were be been it its this that these those not no do does did has have had will would can could should may might than then there their they them he she we you your our i'.split(
    ' ',
  ),
);

/**
 * The offline default: feature hashing of words, word bigrams and character trigrams into a
 * fixed-size vector, L2-normalised. Deterministic, dependency-free and fast (tens of microseconds
 * per chunk). What it is not: a semantic model. It matches shared words and word pieces
 * (morphology, typos, code identifiers) but not synonyms or paraphrases — "car" does not find
 * "automobile". Use an OpenAI-compatible embedding model for meaning; this keeps Folio useful
 * with no network and no model download.
 */
export class LocalEmbeddingProvider extends EmbeddingProvider {
  readonly id: string;

  constructor(readonly dimensions: number) {
    super();
    this.id = `local-hash-v1:${dimensions}`;
  }

  embed(texts: readonly string[]): Promise<Float32Array[]> {
    return Promise.resolve(texts.map((t) => this.embedOne(t)));
  }

  embedOne(text: string): Float32Array {
    const vector = new Float32Array(this.dimensions);
    const words = text.toLowerCase().match(WORD) ?? [];
    let previous: string | undefined;
    for (const word of words) {
      const weight = COMMON.has(word) ? 0.25 : 1;
      this.add(vector, fnv1a(word, 0x811c9dc5), weight);
      if (previous !== undefined) this.add(vector, fnv1a(word, fnv1a(previous, 0x9e3779b9)), 0.5 * weight);
      if (word.length > 3 && !COMMON.has(word)) {
        const padded = `^${word}$`;
        for (let i = 0; i + 3 <= padded.length; i++) this.add(vector, fnv1a(padded.slice(i, i + 3), 0x01000193), 0.2);
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

function fnv1a(text: string, seed: number): number {
  let hash = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}
