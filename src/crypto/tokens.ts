import { createHash, randomBytes } from 'node:crypto';

/** A high-entropy opaque token: `prefix` + 256 random bits, base64url. */
export function randomToken(prefix: string, bytes = 32): string {
  return `${prefix}${randomBytes(bytes).toString('base64url')}`;
}

/**
 * SHA-256 of a token, hex. Enough for secrets with 256 bits of entropy (API keys, refresh
 * tokens): unlike passwords, they cannot be guessed, so a slow hash would only cost time.
 */
export function sha256(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}
