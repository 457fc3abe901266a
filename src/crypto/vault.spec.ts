import { randomBytes } from 'node:crypto';
import { Vault, VaultDecryptionError } from './vault';

const k1 = { id: 'k1', key: randomBytes(32) };
const k2 = { id: 'k2', key: randomBytes(32) };
const ctx = { ownerId: 'user-a', purpose: 'github-token', recordId: 'rec-1' };

describe(Vault.name, () => {
  it('round-trips a secret and never produces the same ciphertext twice', () => {
    const sut = new Vault([k1]);
    const a = sut.seal('ghp_secret', ctx);
    const b = sut.seal('ghp_secret', ctx);
    expect(a.iv).toHaveLength(12);
    expect(a.iv.equals(b.iv)).toBe(false);
    expect(a.ciphertext.equals(b.ciphertext)).toBe(false);
    expect(a.ciphertext.toString('utf8')).not.toContain('ghp_secret');
    expect(sut.open(a, ctx)).toBe('ghp_secret');
  });

  it('fails on a flipped byte in ciphertext, tag or IV', () => {
    const sut = new Vault([k1]);
    const sealed = sut.seal('ghp_secret', ctx);
    for (const part of ['ciphertext', 'tag', 'iv'] as const) {
      const tampered = { ...sealed, [part]: Buffer.from(sealed[part]) };
      tampered[part][0] ^= 0x01;
      expect(() => sut.open(tampered, ctx)).toThrow(VaultDecryptionError);
    }
  });

  it('fails when the ciphertext is moved to another owner, purpose or record', () => {
    const sut = new Vault([k1]);
    const sealed = sut.seal('ghp_secret', ctx);
    expect(() => sut.open(sealed, { ...ctx, ownerId: 'user-b' })).toThrow(VaultDecryptionError);
    expect(() => sut.open(sealed, { ...ctx, purpose: 'other' })).toThrow(VaultDecryptionError);
    expect(() => sut.open(sealed, { ...ctx, recordId: 'rec-2' })).toThrow(VaultDecryptionError);
  });

  it('encrypts with the newest key and still opens what older keys sealed', () => {
    const old = new Vault([k1]).seal('ghp_old', ctx);
    const sut = new Vault([k2, k1]);
    expect(sut.activeKeyId).toBe('k2');
    expect(sut.seal('ghp_new', ctx).keyId).toBe('k2');
    expect(sut.open(old, ctx)).toBe('ghp_old');
    expect(() => new Vault([k2]).open(old, ctx)).toThrow(/not configured/);
  });
});
