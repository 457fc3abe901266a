import request from 'supertest';
import { bearer, createAdminUser, login, PASSWORD, signup, type TestUser, uniqueEmail } from '../utils/auth';
import { createNotebook, settled } from '../utils/notebooks';
import { CaseGenerator, type FuzzCase, type OpenApiDocument } from '../utils/openapi-fuzz';
import { createTestContext, startTestApp, type TestApp, type TestContext } from '../utils/test-app';

/** What a hang is: no answer (or no end of a stream) within this. */
const ANSWER_WITHIN_MS = 10_000;

/**
 * Every documented operation × bad bodies, fields, query strings and path parameters (see
 * openapi-fuzz.ts): never a 5xx, never a hang, every error in the one shape. Routes added later
 * are covered without touching this file.
 */
describe('bad input, generated from the OpenAPI document', () => {
  let context: TestContext;
  let sut: TestApp;
  let user: TestUser;
  let admin: TestUser;
  let victim: TestUser;
  let ids: { notebook: string; source: string; job: string; session: string; apiKey: string };

  beforeAll(async () => {
    context = await createTestContext();
    sut = await startTestApp(context, { RATE_LIMIT_MAX: '1000000', SUMMARIES_ENABLED: 'false' });
    user = await signup(sut.http, 'fuzz');
    victim = await signup(sut.http, 'victim');
    admin = await createAdminUser(sut);
    const notebook = await createNotebook(sut.http, user.accessToken, 'Fuzzed');
    const text = await request(sut.http)
      .post(`/api/v1/notebooks/${notebook}/sources/text`)
      .set(...bearer(user.accessToken))
      .send({ title: 'Kestrel', text: 'Kestrels hover over fields before they dive.' })
      .expect(201);
    const source = await settled(sut.http, user.accessToken, notebook, (text.body as { id: string }).id);
    const chat = await request(sut.http)
      .post('/api/v2/chat')
      .set(...bearer(user.accessToken))
      .send({ notebook_id: notebook, query: 'How do kestrels hunt?' })
      .expect(200);
    const key = await request(sut.http)
      .post('/api/v1/auth/api-keys')
      .set(...bearer(user.accessToken))
      .send({ name: 'fuzz', scopes: ['read'] })
      .expect(201);
    ids = {
      notebook,
      source: source.id,
      job: source.jobId!,
      session: (chat.body as { session_id: string }).session_id,
      apiKey: (key.body as { id: string }).id,
    };
  });

  afterAll(async () => {
    await sut?.close();
    await context?.destroy();
  });

  it(
    'answers every case with a 4xx (or a success) in the error shape: no 5xx, no hang',
    async () => {
      const document = (await request(sut.http).get('/docs-json').expect(200)).body as OpenApiDocument;
      const generator = new CaseGenerator(document, {
        pathValue: (template, name) => {
          if (name === 'sourceId') return ids.source;
          if (name === 'userId') return victim.id;
          if (name === 'role') return 'viewer';
          const before = template.split(`/{${name}}`)[0].split('/').pop();
          if (before === 'jobs') return ids.job;
          if (before === 'api-keys') return ids.apiKey;
          if (before === 'users') return victim.id;
          if (before === 'notebooks') return ids.notebook;
          return '0190b3c2-0000-7000-8000-00000000abcd';
        },
        namedValue: (name) =>
          ({
            notebook_id: ids.notebook,
            notebook_ids: [ids.notebook],
            notebookIds: [ids.notebook],
            sourceIds: [ids.source],
            session_id: ids.session,
            model: `notebook:${ids.notebook}`,
            messages: [{ role: 'user', content: 'How do kestrels hunt?' }],
            query: 'How do kestrels hunt?',
            email: uniqueEmail('fuzz'),
            password: PASSWORD,
            currentPassword: PASSWORD,
            newPassword: PASSWORD,
            userId: victim.id,
            ownerId: victim.id,
            refreshToken: user.refreshToken,
            role: 'viewer',
            level: 'viewer',
            token: 'ghp_sampletoken',
          })[name],
      });

      // Operations that delete the shared fixtures, end sessions or change the password go last.
      const rank = (method: string, path: string): number =>
        /change-password|deactivate/.test(path) ? 3 : /logout/.test(path) ? 2 : method === 'DELETE' ? 1 : 0;
      const operations = generator.operations().sort(([ma, pa], [mb, pb]) => rank(ma, pa) - rank(mb, pb));
      expect(operations.length).toBeGreaterThan(40);

      const failures: string[] = [];
      let sent = 0;
      for (const [method, template, operation] of operations) {
        // Fresh credentials per operation: an earlier one may have logged out or changed them.
        const token = template.startsWith('/api/v1/admin')
          ? (await login(sut.http, admin.email)).accessToken
          : (await login(sut.http, user.email)).accessToken;
        for (const fuzz of generator.casesFor(method, template, operation)) {
          sent++;
          const problem = await check(sut, fuzz, token);
          if (problem) failures.push(`${fuzz.label} → ${problem}`);
        }
      }
      expect(sent).toBeGreaterThan(1000);
      expect(failures).toEqual([]);
    },
    20 * 60_000,
  );
});

/** Sends one case; returns what is wrong with the answer, or undefined. */
async function check(app: TestApp, fuzz: FuzzCase, token: string): Promise<string | undefined> {
  let req = request(app.http)
    [fuzz.method.toLowerCase() as 'get'](fuzz.path + fuzz.query)
    .set(...bearer(token))
    .timeout({ response: ANSWER_WITHIN_MS, deadline: ANSWER_WITHIN_MS })
    .buffer(true)
    .parse((res, callback) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => callback(null, text));
    });
  if (fuzz.contentType) req = req.set('Content-Type', fuzz.contentType);
  let res: request.Response;
  try {
    res = await (fuzz.body !== undefined ? req.send(fuzz.body) : req);
  } catch (error) {
    return `no answer within ${ANSWER_WITHIN_MS} ms (${(error as Error).message})`;
  }
  const text = res.body as string;
  if (res.status >= 500) return `${res.status} ${text.slice(0, 300)}`;
  if (res.status < 400) return undefined;
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return `${res.status} without a JSON error body: ${text.slice(0, 200)}`;
  }
  const shaped =
    body.statusCode === res.status &&
    typeof body.error === 'string' &&
    typeof body.message === 'string' &&
    typeof body.requestId === 'string' &&
    (body.details === undefined ||
      (Array.isArray(body.details) &&
        body.details.every(
          (d: { field?: unknown; message?: unknown }) => typeof d.field === 'string' && typeof d.message === 'string',
        )));
  return shaped ? undefined : `${res.status} not in the error shape: ${text.slice(0, 200)}`;
}
