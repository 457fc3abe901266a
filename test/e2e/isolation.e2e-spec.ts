import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { bearer, signup, type TestUser } from '../utils/auth';
import { query } from '../utils/db';
import { createNotebook, settled, uploadOne } from '../utils/notebooks';
import { routesOf } from '../utils/routes';
import { createTestContext, startTestApp, type TestApp, type TestContext } from '../utils/test-app';

interface Probe {
  /** The route template this probe covers, as routesOf() prints it. */
  route: string;
  path: string;
  body?: Record<string, unknown>;
  file?: boolean;
}

interface Intruder {
  label: string;
  token: () => string;
}

/**
 * The isolation matrix, for two intruders: user B (another tenant), and A's own API key limited
 * to A's other notebook. Each calls every route that takes an id with the ids of A's canary
 * notebook and must get 404 — exactly what a missing id gets (or 403 where a route refuses every
 * API key) — and never see A's canary text. A route that takes an id and is missing from the
 * matrix fails the test: later features extend it.
 */
describe('tenant isolation', () => {
  let context: TestContext;
  let sut: TestApp;
  let alice: TestUser;
  let bob: TestUser;
  const canary = `CANARY-${randomBytes(6).toString('hex')}`;
  const ids = { notebook: '', source: '', job: '', key: '', bobNotebook: '', aliceOther: '', session: '' };
  /** Alice's key, with every scope but admin, limited to her other notebook. */
  let limitedKey = '';
  const intruders: Intruder[] = [
    { label: 'another user', token: () => bob.accessToken },
    { label: "the owner's key limited to another notebook", token: () => limitedKey },
  ];

  beforeAll(async () => {
    context = await createTestContext();
    sut = await startTestApp(context);
    alice = await signup(sut.http, 'alice');
    bob = await signup(sut.http, 'bob');
    ids.notebook = await createNotebook(sut.http, alice.accessToken, `Alice ${canary}`);
    const source = await uploadOne(
      sut.http,
      alice.accessToken,
      ids.notebook,
      'secret.md',
      Buffer.from(`# Private\n\nAlice's plan: ${canary}.`),
    );
    await settled(sut.http, alice.accessToken, ids.notebook, source.id);
    ids.source = source.id;
    ids.job = source.jobId!;
    ids.key = (
      await request(sut.http)
        .post('/api/v1/auth/api-keys')
        .set(...bearer(alice.accessToken))
        .send({ name: canary, scopes: ['read'] })
        .expect(201)
    ).body.id as string;
    ids.aliceOther = await createNotebook(sut.http, alice.accessToken, 'Alice, elsewhere');
    await uploadOne(sut.http, alice.accessToken, ids.aliceOther, 'other.md', Buffer.from('# Other\n\nNothing to see.'));
    limitedKey = (
      await request(sut.http)
        .post('/api/v1/auth/api-keys')
        .set(...bearer(alice.accessToken))
        .send({ name: 'limited', scopes: ['read', 'write', 'chat'], notebookIds: [ids.aliceOther] })
        .expect(201)
    ).body.key as string;
    ids.session = (
      await request(sut.http)
        .post('/api/v2/chat')
        .set(...bearer(alice.accessToken))
        .send({ notebook_id: ids.notebook, query: `What is Alice's plan? ${canary}` })
        .expect(200)
    ).body.session_id as string;
    ids.bobNotebook = await createNotebook(sut.http, bob.accessToken, 'Bob');
    await uploadOne(
      sut.http,
      bob.accessToken,
      ids.bobNotebook,
      'bob.md',
      Buffer.from(`# Bob\n\nBob writes about ${canary.slice(0, 6)} things.`),
    );
  });

  afterAll(async () => {
    await sut?.close();
    await context?.destroy();
  });

  const probes = (): Probe[] => {
    const nb = `/api/v1/notebooks/${ids.notebook}`;
    const src = `${nb}/sources/${ids.source}`;
    return [
      { route: 'GET /api/v1/notebooks/:id', path: nb },
      { route: 'PATCH /api/v1/notebooks/:id', path: nb, body: { name: 'taken over' } },
      { route: 'DELETE /api/v1/notebooks/:id', path: nb },
      { route: 'POST /api/v1/notebooks/:id/restore', path: `${nb}/restore` },
      { route: 'GET /api/v1/notebooks/:id/access', path: `${nb}/access` },
      { route: 'POST /api/v1/notebooks/:id/access', path: `${nb}/access`, body: { userId: bob.id, level: 'editor' } },
      { route: 'DELETE /api/v1/notebooks/:id/access/:userId', path: `${nb}/access/${alice.id}` },
      { route: 'POST /api/v1/notebooks/:id/sources', path: `${nb}/sources`, file: true },
      {
        route: 'POST /api/v1/notebooks/:id/sources/text',
        path: `${nb}/sources/text`,
        body: { title: 't', text: 'injected' },
      },
      { route: 'GET /api/v1/notebooks/:id/sources', path: `${nb}/sources` },
      { route: 'GET /api/v1/notebooks/:id/sources/:sourceId', path: src },
      { route: 'GET /api/v1/notebooks/:id/sources/:sourceId/content', path: `${src}/content` },
      { route: 'DELETE /api/v1/notebooks/:id/sources/:sourceId', path: src },
      { route: 'POST /api/v1/notebooks/:id/sources/:sourceId/reindex', path: `${src}/reindex` },
      { route: 'POST /api/v1/notebooks/:id/search', path: `${nb}/search`, body: { query: canary } },
      { route: 'GET /api/v1/jobs/:id', path: `/api/v1/jobs/${ids.job}` },
      { route: 'GET /api/v1/jobs/:id/events', path: `/api/v1/jobs/${ids.job}/events` },
      { route: 'POST /api/v1/jobs/:id/cancel', path: `/api/v1/jobs/${ids.job}/cancel` },
      { route: 'DELETE /api/v1/auth/api-keys/:id', path: `/api/v1/auth/api-keys/${ids.key}` },
    ];
  };

  it('covers every route that takes an id (admin routes excepted: those are admin-only)', () => {
    const withIds = routesOf(sut)
      .map((r) => r.route)
      .filter((r) => r.includes('/:') && !r.includes('/api/v1/admin/'))
      .sort();
    expect(
      probes()
        .map((p) => p.route)
        .sort(),
    ).toEqual(withIds);
  });

  /** Routes no API key may use answer 403 to a key, whatever the id. */
  const sessionOnly = (): Set<string> =>
    new Set(
      routesOf(sut)
        .filter((r) => r.policy?.kind !== 'public' && r.policy?.sessionOnly)
        .map((r) => r.route),
    );

  it.each(intruders.map((i) => [i.label, i]))(
    "%s: 404 for every one of the canary notebook's ids, and never its data",
    async (_label, intruder) => {
      const keyRefused = sessionOnly();
      for (const probe of probes()) {
        const method = probe.route.split(' ')[0].toLowerCase() as 'get' | 'post' | 'patch' | 'delete';
        let req = request(sut.http)
          [method](probe.path)
          .set(...bearer(intruder.token()));
        if (probe.file) req = req.attach('files', Buffer.from('intruder was here'), 'intruder.txt');
        else if (probe.body) req = req.send(probe.body);
        const res = await req;
        const expected = intruder.token() === limitedKey && keyRefused.has(probe.route) ? 403 : 404;
        expect([probe.route, res.status]).toEqual([probe.route, expected]);
        expect(JSON.stringify(res.body) + res.text).not.toContain(canary);
      }
    },
  );

  it.each(intruders.map((i) => [i.label, i]))(
    '%s: ids in bodies and query strings (chat, query, sessions, OpenAI-compatible) answer 404 too',
    async (_label, intruder) => {
      const probes: [method: 'get' | 'post' | 'delete', path: string, body?: Record<string, unknown>][] = [
        ['post', '/api/v2/chat', { notebook_id: ids.notebook, query: 'plan?' }],
        ['post', '/api/v2/chat', { notebook_ids: [ids.bobNotebook, ids.notebook], query: 'plan?' }],
        ['post', '/api/v2/chat', { notebook_ids: [ids.aliceOther, ids.notebook], query: 'plan?' }],
        ['post', '/api/v2/chat', { session_id: ids.session, query: 'plan?' }],
        ['post', '/api/v2/chat/stream', { notebook_id: ids.notebook, query: 'plan?' }],
        ['post', '/api/v2/chat/stream', { session_id: ids.session, query: 'plan?' }],
        ['get', `/api/v2/chat/history?session_id=${ids.session}`],
        ['delete', `/api/v2/chat/history?session_id=${ids.session}`],
        ['get', `/api/v2/chat/sessions?notebook_id=${ids.notebook}`],
        ['post', '/api/v1/query', { notebook_ids: [ids.notebook], query: 'plan?' }],
        ['post', '/api/v1/query', { notebook_ids: [ids.aliceOther, ids.notebook], query: 'plan?' }],
        [
          'post',
          '/v1/chat/completions',
          { model: `notebook:${ids.notebook}`, messages: [{ role: 'user', content: 'plan?' }] },
        ],
      ];
      for (const [method, path, body] of probes) {
        let req = request(sut.http)
          [method](path)
          .set(...bearer(intruder.token()));
        if (body) req = req.send(body);
        const res = await req;
        expect([method, path, res.status]).toEqual([method, path, 404]);
        expect(JSON.stringify(res.body) + res.text).not.toContain(canary);
      }
    },
  );

  it.each(intruders.map((i) => [i.label, i]))(
    '%s: lists (notebooks, models, sessions) never show the canary notebook',
    async (_label, intruder) => {
      for (const path of ['/api/v1/notebooks?limit=100', '/v1/models', '/api/v2/chat/sessions?limit=100']) {
        const res = await request(sut.http)
          .get(path)
          .set(...bearer(intruder.token()))
          .expect(200);
        const text = JSON.stringify(res.body);
        expect([path, text.includes(canary) || text.includes(ids.notebook) || text.includes(ids.session)]).toEqual([
          path,
          false,
        ]);
      }
    },
  );

  it('the limited key still reaches its own notebook, and cannot create notebooks it could not reach', async () => {
    const list = await request(sut.http)
      .get('/api/v1/notebooks')
      .set(...bearer(limitedKey))
      .expect(200);
    expect((list.body as { items: { id: string }[] }).items.map((n) => n.id)).toEqual([ids.aliceOther]);
    await request(sut.http)
      .post(`/api/v1/notebooks/${ids.aliceOther}/search`)
      .set(...bearer(limitedKey))
      .send({ query: 'nothing' })
      .expect(200);
    const before = await query(sut, 'select id from notebooks');
    await request(sut.http)
      .post('/api/v1/notebooks')
      .set(...bearer(limitedKey))
      .send({ name: 'new' })
      .expect(403);
    expect(await query(sut, 'select id from notebooks')).toEqual(before);
  });

  it('an API key cannot be limited to a notebook the caller cannot see (404, no key)', async () => {
    const before = await query(sut, 'select id from api_keys');
    const res = await request(sut.http)
      .post('/api/v1/auth/api-keys')
      .set(...bearer(bob.accessToken))
      .send({ name: 'sneaky', scopes: ['read'], notebookIds: [ids.bobNotebook, ids.notebook] })
      .expect(404);
    expect(JSON.stringify(res.body)).not.toContain(canary);
    expect(await query(sut, 'select id from api_keys')).toEqual(before);
  });

  it("a source id from another user's notebook is 404 inside one's own notebook too", async () => {
    const own = `/api/v1/notebooks/${ids.bobNotebook}/sources/${ids.source}`;
    for (const [method, path] of [
      ['get', own],
      ['get', `${own}/content`],
      ['delete', own],
      ['post', `${own}/reindex`],
    ] as const) {
      await request(sut.http)
        [method](path)
        .set(...bearer(bob.accessToken))
        .expect(404);
    }
  });

  it("lists and searches never return another user's notebooks or chunks", async () => {
    const list = await request(sut.http)
      .get('/api/v1/notebooks?limit=100')
      .set(...bearer(bob.accessToken))
      .expect(200);
    expect(JSON.stringify(list.body)).not.toContain(canary);
    const hits = await request(sut.http)
      .post(`/api/v1/notebooks/${ids.bobNotebook}/search`)
      .set(...bearer(bob.accessToken))
      .send({ query: canary, k: 50 })
      .expect(200);
    expect(JSON.stringify(hits.body)).not.toContain(canary);
  });

  it("changed nothing of the canary notebook's", async () => {
    const nb = await request(sut.http)
      .get(`/api/v1/notebooks/${ids.notebook}`)
      .set(...bearer(alice.accessToken))
      .expect(200);
    expect(nb.body).toEqual(expect.objectContaining({ name: `Alice ${canary}`, sourceCount: 1, deletedAt: null }));
    const source = await request(sut.http)
      .get(`/api/v1/notebooks/${ids.notebook}/sources/${ids.source}`)
      .set(...bearer(alice.accessToken))
      .expect(200);
    expect(source.body.status).toBe('ready');
    const job = await request(sut.http)
      .get(`/api/v1/jobs/${ids.job}`)
      .set(...bearer(alice.accessToken))
      .expect(200);
    expect([job.body.state, job.body.notebookId]).toEqual(['completed', ids.notebook]);
    await request(sut.http)
      .get(`/api/v2/chat/history?session_id=${ids.session}`)
      .set(...bearer(alice.accessToken))
      .expect(200);
    expect(await query(sut, `select user_id from notebook_grants where notebook_id = '${ids.notebook}'`)).toEqual([]);
    const keys = await request(sut.http)
      .get('/api/v1/auth/api-keys')
      .set(...bearer(alice.accessToken))
      .expect(200);
    expect((keys.body as { id: string }[]).map((k) => k.id)).toContain(ids.key);
  });
});
