/** Personal API keys look like `fol_` + 43 base64url characters (256 random bits). */
export const API_KEY_PREFIX = 'fol_';

/** What a key list shows to recognise a key: the prefix and its first 8 random characters. */
export const displayPrefix = (key: string): string => key.slice(0, API_KEY_PREFIX.length + 8);
