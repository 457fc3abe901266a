import { countTokens, decode, encode } from 'gpt-tokenizer/encoding/cl100k_base';

/**
 * Longest run of non-space (or of space) characters handed to the tokenizer in one piece. BPE
 * merges within one pre-token cost time quadratic in its length, and a run without spaces is one
 * pre-token: measured with gpt-tokenizer, 40,000 × "A" took 0.8 s (10,000: 37 ms), 40,000 × "日"
 * 4.7 s, 40,000 spaces 0.6 s, so a pasted 1,000,000-character line took minutes. Runs longer
 * than this are cut into pieces of this length; text without such runs (all ordinary prose and
 * code) is tokenized exactly as before.
 */
const MAX_RUN = 256;
const LONG_RUN = new RegExp(`\\S{${MAX_RUN + 1},}|\\s{${MAX_RUN + 1},}`, 'g');

/** The text in pieces the tokenizer handles in linear time (see MAX_RUN); usually the text itself. */
function* pieces(text: string): Generator<string> {
  if (text.length <= MAX_RUN) {
    yield text;
    return;
  }
  let last = 0;
  for (const match of text.matchAll(LONG_RUN)) {
    const start = match.index;
    const end = start + match[0].length;
    if (start > last) yield text.slice(last, start);
    for (let at = start; at < end;) {
      let next = Math.min(end, at + MAX_RUN);
      // Never split a surrogate pair.
      if (next < end && isHighSurrogate(text.charCodeAt(next - 1))) next -= 1;
      yield text.slice(at, next);
      at = next;
    }
    last = end;
  }
  if (last < text.length) yield text.slice(last);
}

const isHighSurrogate = (code: number): boolean => code >= 0xd800 && code <= 0xdbff;

/**
 * Token counts with cl100k_base — the tokenizer of OpenAI's text-embedding-3 models — so chunk
 * budgets match what an embedding model actually sees; in time linear in the text (see MAX_RUN).
 */
export const tokenizer = {
  count: (text: string): number => {
    let n = 0;
    for (const piece of pieces(text)) n += countTokens(piece);
    return n;
  },
  encode: (text: string): number[] => {
    const ids: number[] = [];
    for (const piece of pieces(text)) for (const id of encode(piece)) ids.push(id);
    return ids;
  },
  decode: (tokens: readonly number[]): string => decode(tokens),

  /**
   * `text` in pieces of at most `max` tokens, cut at token boundaries that fall between characters:
   * a character of several UTF-8 bytes (CJK, emoji) can span tokens, and a cut between them would
   * decode to U+FFFD on both sides.
   */
  split(text: string, max: number): string[] {
    const ids = tokenizer.encode(text);
    const out: string[] = [];
    let offset = 0;
    for (let i = 0; i < ids.length;) {
      let j = Math.min(ids.length, i + max);
      let piece = decode(ids.slice(i, j));
      while (j < ids.length && j - i > 1 && !text.startsWith(piece, offset)) piece = decode(ids.slice(i, --j));
      out.push(piece);
      offset += piece.length;
      i = j;
    }
    return out;
  },

  /** The first `max` tokens of `text`, not cutting a character (see {@link tokenizer.split}). */
  head(text: string, max: number): string {
    const ids = tokenizer.encode(text);
    if (ids.length <= max) return text;
    let j = max;
    let piece = decode(ids.slice(0, j));
    while (j > 1 && !text.startsWith(piece)) piece = decode(ids.slice(0, --j));
    return piece;
  },

  /** The last `max` tokens of `text`, not cutting a character. */
  tail(text: string, max: number): string {
    const ids = tokenizer.encode(text);
    if (ids.length <= max) return text;
    let i = ids.length - max;
    let piece = decode(ids.slice(i));
    while (i < ids.length - 1 && !text.endsWith(piece)) piece = decode(ids.slice(++i));
    return piece;
  },
};
