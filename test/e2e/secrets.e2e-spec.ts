import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import request from 'supertest';
import { VaultDecryptionError } from '../../src/crypto/vault';
import { SecretsService } from '../../src/secrets/secrets.service';
import { bearer, signup, type TestUser } from '../utils/auth';
import { dumpAllTables, query } from '../utils/db';
import { createTestContext, startTestApp, type TestApp, type TestContext } from '../utils/test-app';

const key = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;
const githubToken = () => `ghp_${randomBytes(18).toString('hex')}`;

describe('secrets vault: the GitHub token', () => {
  let context: TestContext;
  let sut: TestApp;
  let user: TestUser;
  const k1 = key('k1');

  beforeAll(async () => {
    context = await createTestContext();
    sut = await startTestApp(context, { VAULT_KEYS: k1 });
    user = await signup(sut.http, 'secrets');
  });

  afterAll(async () => {
    await sut?.close();
    await context?.destroy();
  });

  const put = (u: TestUser, token: string) =>
    request(sut.http)
      .put('/api/v1/auth/github-token')
      .set(...bearer(u.accessToken))
      .send({ token });

  it('stores it encrypted and only ever answers {set, last4, updatedAt}', async () => {
    const token = githubToken();
    const res = await put(user, token).expect(200);
    expect(res.body).toEqual({ set: true, last4: token.slice(-4), updatedAt: expect.any(String) });
    const got = await request(sut.http)
      .get('/api/v1/auth/github-token')
      .set(...bearer(user.accessToken))
      .expect(200);
    expect(got.body).toEqual(res.body);
    expect(await sut.app.get(SecretsService).reveal(user.id, 'github-token')).toBe(token);
  });

  it('leaves no plaintext in a full dump of every table (audit log included)', async () => {
    const token = githubToken();
    await put(user, token).expect(200);
    const dump = await dumpAllTables(sut);
    expect(dump).toContain(user.id); // the dump is real
    expect(dump).not.toContain(token);
    expect(dump).not.toContain(token.slice(4, -4));
  });

  it('a flipped byte fails to decrypt', async () => {
    const other = await signup(sut.http, 'flip');
    await put(other, githubToken()).expect(200);
    await query(
      sut,
      `update user_secrets set ciphertext = set_byte(ciphertext, 0, get_byte(ciphertext, 0) # 1) where user_id = '${other.id}'`,
    );
    await expect(sut.app.get(SecretsService).reveal(other.id, 'github-token')).rejects.toBeInstanceOf(
      VaultDecryptionError,
    );
  });

  it("a ciphertext copied into another user's row does not decrypt", async () => {
    const victim = await signup(sut.http, 'victim');
    const attacker = await signup(sut.http, 'attacker');
    await put(victim, githubToken()).expect(200);
    await put(attacker, githubToken()).expect(200);
    await query(
      sut,
      `update user_secrets a set key_id = v.key_id, iv = v.iv, ciphertext = v.ciphertext, tag = v.tag
       from user_secrets v where v.user_id = '${victim.id}' and a.user_id = '${attacker.id}'`,
    );
    await expect(sut.app.get(SecretsService).reveal(attacker.id, 'github-token')).rejects.toBeInstanceOf(
      VaultDecryptionError,
    );
  });

  it('DELETE removes it', async () => {
    const other = await signup(sut.http, 'delete');
    await put(other, githubToken()).expect(200);
    await request(sut.http)
      .delete('/api/v1/auth/github-token')
      .set(...bearer(other.accessToken))
      .expect(204);
    const got = await request(sut.http)
      .get('/api/v1/auth/github-token')
      .set(...bearer(other.accessToken))
      .expect(200);
    expect(got.body).toEqual({ set: false, last4: null, updatedAt: null });
  });

  it('refuses malformed tokens with 400', async () => {
    await put(user, 'has spaces and ; semicolons').expect(400);
    await put(user, '').expect(400);
  });
});

describe('secrets vault: key rotation', () => {
  it('keeps old rows readable with the old key listed, and `npm run keys:rotate` moves them to the new key', async () => {
    const context = await createTestContext();
    const k1 = key('k1');
    const k2 = key('k2');
    const tokens = new Map<string, string>();
    try {
      const first = await startTestApp(context, { VAULT_KEYS: k1 });
      const users = [await signup(first.http, 'rot-a'), await signup(first.http, 'rot-b')];
      for (const u of users) {
        const token = githubToken();
        tokens.set(u.id, token);
        await request(first.http)
          .put('/api/v1/auth/github-token')
          .set(...bearer(u.accessToken))
          .send({ token })
          .expect(200);
      }
      await first.close();

      // New key first, old key still listed: old rows still decrypt.
      const second = await startTestApp(context, { VAULT_KEYS: `${k2},${k1}` });
      for (const [id, token] of tokens)
        expect(await second.app.get(SecretsService).reveal(id, 'github-token')).toBe(token);
      await second.close();

      // The operator's command, run as a separate process against the same database.
      const env = { ...process.env, ...context.env, VAULT_KEYS: `${k2},${k1}`, LOG_LEVEL: 'error' };
      const run = spawnSync(
        process.execPath,
        ['-r', '@swc-node/register', join(__dirname, '../../src/cli/keys-rotate.ts')],
        {
          env,
          encoding: 'utf8',
          timeout: 120_000,
        },
      );
      expect(run.stderr).toBe('');
      expect(run.stdout).toMatch(/re-encrypted 2 secret\(s\) with key k2/);

      // Only the new key now: everything still decrypts.
      const third = await startTestApp(context, { VAULT_KEYS: k2 });
      try {
        for (const [id, token] of tokens)
          expect(await third.app.get(SecretsService).reveal(id, 'github-token')).toBe(token);
        const rows = await query<{ key_id: string }>(third, 'select distinct key_id from user_secrets');
        expect(rows).toEqual([{ key_id: 'k2' }]);
      } finally {
        await third.close();
      }
    } finally {
      await context.destroy();
    }
  });
});
