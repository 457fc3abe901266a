/**
 * Strings Postgres cannot store as they are: `text` refuses U+0000, and an unpaired UTF-16
 * surrogate is not Unicode at all (`jsonb` refuses it; UTF-8 encoders silently replace it).
 */
export const NUL_MESSAGE = 'must not contain NUL characters (U+0000)';
export const SURROGATE_MESSAGE = 'must be valid Unicode (it contains an unpaired UTF-16 surrogate)';

/** Why a string cannot be stored, or undefined if it can. */
export function stringProblem(value: string): string | undefined {
  if (value.includes('\u0000')) return NUL_MESSAGE;
  if (!value.isWellFormed()) return SURROGATE_MESSAGE;
  return undefined;
}

/** A text that came from a document: NUL characters removed, unpaired surrogates replaced by U+FFFD. */
export function cleanText(value: string): string {
  const wellFormed = value.isWellFormed() ? value : value.toWellFormed();
  return wellFormed.includes('\u0000') ? wellFormed.replaceAll('\u0000', '') : wellFormed;
}
