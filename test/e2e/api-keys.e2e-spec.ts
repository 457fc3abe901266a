import request from 'supertest';
import { createNotebook } from '../utils/notebooks';
import { JobsService } from '../../src/queue/jobs.service';
import { bearer, createAdminUser, signup, type TestUser } from '../utils/auth';
import { TestJobsModule } from '../utils/test-jobs.module';
import { createTestContext, startTestApp, type TestApp, type TestContext } from '../utils/test-app';

interface CreatedKey {
  id: string;
  key: string;
  prefix: string;
  scopes: string[];
  notebookIds: string[] | null;
}

describe('personal API keys', () => {
  let context: TestContext;
  let sut: TestApp;
  let user: TestUser;

  beforeAll(async () => {
    context = await createTestContext();
    sut = await startTestApp(context, {}, [TestJobsModule]);
    user = await signup(sut.http, 'keys');
  });

  afterAll(async () => {
    await sut?.close();
    await context?.destroy();
  });

  const createKey = async (owner: TestUser, body: Record<string, unknown>): Promise<CreatedKey> =>
    (
      await request(sut.http)
        .post('/api/v1/auth/api-keys')
        .set(...bearer(owner.accessToken))
        .send(body)
        .expect(201)
    ).body as CreatedKey;

  it('is shown once at creation, then listed without the key', async () => {
    const created = await createKey(user, { name: 'script', scopes: ['read', 'chat'] });
    expect(created.key).toMatch(/^fol_[A-Za-z0-9_-]{43}$/);
    expect(created.key.startsWith(created.prefix)).toBe(true);
    const list = await request(sut.http)
      .get('/api/v1/auth/api-keys')
      .set(...bearer(user.accessToken))
      .expect(200);
    const listed = (list.body as Record<string, unknown>[]).find((k) => k.id === created.id);
    expect(listed).toEqual(
      expect.objectContaining({
        name: 'script',
        prefix: created.prefix,
        scopes: ['read', 'chat'],
        lastUsedAt: null,
        expiresAt: null,
      }),
    );
    expect(JSON.stringify(list.body)).not.toContain(created.key);
  });

  it('works as `Authorization: Bearer fol_…` and as `X-API-Key`, and records its last use', async () => {
    const { key, id } = await createKey(user, { name: 'both', scopes: ['read'] });
    await request(sut.http).get('/api/v1/auth/me').set('Authorization', `Bearer ${key}`).expect(200);
    const res = await request(sut.http).get('/api/v1/auth/me').set('X-API-Key', key).expect(200);
    expect(res.body.id).toBe(user.id);
    const list = await request(sut.http)
      .get('/api/v1/auth/api-keys')
      .set(...bearer(user.accessToken))
      .expect(200);
    expect(
      (list.body as { id: string; lastUsedAt: string | null }[]).find((k) => k.id === id)?.lastUsedAt,
    ).not.toBeNull();
  });

  it('a read key can read but not write; a write key can write', async () => {
    const job = await sut.app
      .get(JobsService)
      .enqueue('test.wait-for-cancel', `scoped-${user.id}`, { tag: 'k' }, { ownerId: user.id });
    const reader = await createKey(user, { name: 'reader', scopes: ['read'] });
    const writer = await createKey(user, { name: 'writer', scopes: ['read', 'write'] });
    await request(sut.http).get(`/api/v1/jobs/${job.id}`).set('X-API-Key', reader.key).expect(200);
    const denied = await request(sut.http)
      .post(`/api/v1/jobs/${job.id}/cancel`)
      .set('X-API-Key', reader.key)
      .expect(403);
    expect(denied.body.statusCode).toBe(403);
    await request(sut.http).post(`/api/v1/jobs/${job.id}/cancel`).set('X-API-Key', writer.key).expect(200);
  });

  it('a chat-only key cannot even read', async () => {
    const job = await sut.app
      .get(JobsService)
      .enqueue('test.count', `chat-only-${user.id}`, { tag: 'c' }, { ownerId: user.id });
    const chat = await createKey(user, { name: 'chat', scopes: ['chat'] });
    await request(sut.http).get(`/api/v1/jobs/${job.id}`).set('X-API-Key', chat.key).expect(403);
  });

  it('keys cannot mint keys, change passwords or log out: those need a login session', async () => {
    const { key } = await createKey(user, { name: 'no-escalation', scopes: ['read', 'write'] });
    await request(sut.http)
      .post('/api/v1/auth/api-keys')
      .set('X-API-Key', key)
      .send({ name: 'child', scopes: ['read'] })
      .expect(403);
    await request(sut.http)
      .post('/api/v1/auth/change-password')
      .set('X-API-Key', key)
      .send({ currentPassword: user.password, newPassword: 'something else entirely' })
      .expect(403);
    await request(sut.http).post('/api/v1/auth/logout').set('X-API-Key', key).expect(403);
  });

  it('only administrators may create admin-scoped keys, and such a key is an admin', async () => {
    await request(sut.http)
      .post('/api/v1/auth/api-keys')
      .set(...bearer(user.accessToken))
      .send({ name: 'x', scopes: ['admin'] })
      .expect(403);
    const admin = await createAdminUser(sut);
    const adminKey = await createKey(admin, { name: 'ops', scopes: ['admin'] });
    await request(sut.http).get('/api/v1/admin/users').set('X-API-Key', adminKey.key).expect(200);
    // An admin's read key is not an admin key: manage-level admin routes stay closed.
    const adminReadKey = await createKey(admin, { name: 'ops-read', scopes: ['read'] });
    await request(sut.http).get('/api/v1/admin/users').set('X-API-Key', adminReadKey.key).expect(403);
  });

  it('stores a notebook limit, of notebooks the caller can see (others: 404, as every foreign id)', async () => {
    const nb = await createNotebook(sut.http, user.accessToken, 'Limited');
    const created = await createKey(user, { name: 'one-notebook', scopes: ['read'], notebookIds: [nb] });
    expect(created.notebookIds).toEqual([nb]);
    await request(sut.http)
      .post('/api/v1/auth/api-keys')
      .set(...bearer(user.accessToken))
      .send({ name: 'nowhere', scopes: ['read'], notebookIds: [nb, '0190b3c2-0000-7000-8000-0000000000b1'] })
      .expect(404);
  });

  it('validates its input', async () => {
    const send = (body: Record<string, unknown>) =>
      request(sut.http)
        .post('/api/v1/auth/api-keys')
        .set(...bearer(user.accessToken))
        .send(body);
    await send({ name: 'x', scopes: [] }).expect(400);
    await send({ name: 'x', scopes: ['root'] }).expect(400);
    await send({ name: 'x', scopes: ['read'], notebookIds: ['not-a-uuid'] }).expect(400);
    await send({ name: 'x', scopes: ['read'], expiresAt: '2001-01-01T00:00:00Z' }).expect(400);
    await send({ name: 'x', scopes: ['read'], userId: user.id }).expect(400);
  });

  it('stops working at its expiry', async () => {
    const { key } = await createKey(user, {
      name: 'short-lived',
      scopes: ['read'],
      expiresAt: new Date(Date.now() + 1500).toISOString(),
    });
    await request(sut.http).get('/api/v1/auth/me').set('X-API-Key', key).expect(200);
    await new Promise((resolve) => setTimeout(resolve, 1600));
    await request(sut.http).get('/api/v1/auth/me').set('X-API-Key', key).expect(401);
  });

  it('revocation is immediate; another user cannot revoke (or see) your key', async () => {
    const { key, id } = await createKey(user, { name: 'to-revoke', scopes: ['read'] });
    const other = await signup(sut.http, 'other');
    await request(sut.http)
      .delete(`/api/v1/auth/api-keys/${id}`)
      .set(...bearer(other.accessToken))
      .expect(404);
    await request(sut.http).get('/api/v1/auth/me').set('X-API-Key', key).expect(200);
    await request(sut.http)
      .delete(`/api/v1/auth/api-keys/${id}`)
      .set(...bearer(user.accessToken))
      .expect(204);
    await request(sut.http).get('/api/v1/auth/me').set('X-API-Key', key).expect(401);
    const list = await request(sut.http)
      .get('/api/v1/auth/api-keys')
      .set(...bearer(user.accessToken))
      .expect(200);
    expect((list.body as { id: string }[]).map((k) => k.id)).not.toContain(id);
  });
});
