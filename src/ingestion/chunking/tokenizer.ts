import { countTokens, decode, encode } from 'gpt-tokenizer/encoding/cl100k_base';

/**
 * Token counts with cl100k_base — the tokenizer of OpenAI's text-embedding-3 models — so chunk
 * budgets match what an embedding model actually sees.
 */
export const tokenizer = {
  count: (text: string): number => countTokens(text),
  encode: (text: string): number[] => encode(text),
  decode: (tokens: readonly number[]): string => decode(tokens),
};
