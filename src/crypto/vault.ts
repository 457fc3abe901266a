import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { type VaultKey } from '../config/app-config';

/** Where a ciphertext belongs. All three are bound into the GCM tag as additional data. */
export interface SecretContext {
  ownerId: string;
  purpose: string;
  recordId: string;
}

export interface Sealed {
  keyId: string;
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

export class VaultDecryptionError extends Error {
  override name = 'VaultDecryptionError';
}

const AAD_VERSION = 'folio-vault-v1';

/**
 * AES-256-GCM with a fresh 96-bit IV per encryption. The additional authenticated data binds a
 * ciphertext to its owner, purpose and record, so a ciphertext copied into another row (or
 * another user's row) fails authentication instead of decrypting. The newest master key
 * encrypts; any configured key decrypts, which is what makes rotation possible.
 */
export class Vault {
  private readonly keys: ReadonlyMap<string, Buffer>;
  private readonly active: VaultKey;

  constructor(keys: readonly VaultKey[]) {
    if (keys.length === 0) throw new Error('the vault needs at least one master key');
    for (const k of keys) if (k.key.length !== 32) throw new Error(`vault key ${k.id} is not 32 bytes`);
    this.keys = new Map(keys.map((k) => [k.id, k.key]));
    this.active = keys[0]!;
  }

  get activeKeyId(): string {
    return this.active.id;
  }

  seal(plaintext: string, context: SecretContext): Sealed {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.active.key, iv);
    cipher.setAAD(aad(context));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return { keyId: this.active.id, iv, ciphertext, tag: cipher.getAuthTag() };
  }

  open(sealed: Sealed, context: SecretContext): string {
    const key = this.keys.get(sealed.keyId);
    if (!key) throw new VaultDecryptionError(`vault key "${sealed.keyId}" is not configured`);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, sealed.iv);
      decipher.setAAD(aad(context));
      decipher.setAuthTag(sealed.tag);
      return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]).toString('utf8');
    } catch {
      // Never say more: which part failed is of use only to an attacker.
      throw new VaultDecryptionError('secret could not be decrypted');
    }
  }
}

function aad({ ownerId, purpose, recordId }: SecretContext): Buffer {
  return Buffer.from(JSON.stringify([AAD_VERSION, ownerId, purpose, recordId]), 'utf8');
}
