import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import request from 'supertest';
import { bearer, createAdminUser, signup, type TestUser, uniqueEmail } from '../utils/auth';
import { query } from '../utils/db';
import { createNotebook, settled, upload } from '../utils/notebooks';
import { createTestContext, startTestApp, type TestApp, type TestContext } from '../utils/test-app';

interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  details?: { field: string; message: string }[];
  requestId: string;
}

function expectError(res: { status: number; body: unknown }, status: number, field?: string | RegExp): ErrorBody {
  const body = res.body as ErrorBody;
  expect([res.status, body.statusCode]).toEqual([status, status]);
  expect(body).toEqual(
    expect.objectContaining({ error: expect.any(String), message: expect.any(String), requestId: expect.any(String) }),
  );
  if (field !== undefined) {
    const fields = (body.details ?? []).map((d) => d.field);
    expect(fields).toContainEqual(typeof field === 'string' ? field : expect.stringMatching(field));
  }
  return body;
}

const NUL = 'a\u0000b';
const LONE_SURROGATE = 'x\ud800y';

describe('hardening: bad input never reaches the database or the parsers', () => {
  let context: TestContext;
  let sut: TestApp;
  let user: TestUser;
  let notebook: string;

  beforeAll(async () => {
    context = await createTestContext();
    sut = await startTestApp(context, { UPLOAD_MAX_FILE_MB: '1', BODY_MAX_DEPTH: '16' });
    user = await signup(sut.http, 'hard');
    notebook = await createNotebook(sut.http, user.accessToken, 'Hardened');
  });

  afterAll(async () => {
    await sut?.close();
    await context?.destroy();
  });

  const count = async (table: string): Promise<number> =>
    Number((await query<{ n: string }>(sut, `select count(*) as n from ${table}`))[0].n);
  const post = (path: string, body: unknown, token = user.accessToken) =>
    request(sut.http)
      .post(path)
      .set(...bearer(token))
      .send(body as object);

  describe('NUL characters and unpaired surrogates', () => {
    it.each([
      ['NUL', NUL],
      ['a lone surrogate', LONE_SURROGATE],
    ])('%s in a notebook name or description → 400 naming the field, nothing written', async (_label, bad) => {
      const before = await count('notebooks');
      expectError(await post('/api/v1/notebooks', { name: bad }), 400, 'name');
      expectError(await post('/api/v1/notebooks', { name: 'ok', description: bad }), 400, 'description');
      expect(await count('notebooks')).toBe(before);
    });

    it('in signup and login fields → 400, not 500', async () => {
      const users = await count('users');
      expectError(
        await request(sut.http)
          .post('/api/v1/auth/signup')
          .send({ email: `x${NUL}@example.test`, password: 'p'.repeat(12) }),
        400,
        'email',
      );
      expectError(
        await request(sut.http)
          .post('/api/v1/auth/signup')
          .send({ email: uniqueEmail(), password: 'p'.repeat(12), name: LONE_SURROGATE }),
        400,
        'name',
      );
      expectError(await request(sut.http).post('/api/v1/auth/login').send({ email: NUL, password: 'x' }), 400, 'email');
      expect(await count('users')).toBe(users);
    });

    it('in an API-key name, a chat question, a query and an OpenAI message → 400 naming the field', async () => {
      expectError(await post('/api/v1/auth/api-keys', { name: NUL, scopes: ['read'] }), 400, 'name');
      expectError(await post('/api/v2/chat', { notebook_id: notebook, query: NUL }), 400, 'query');
      expectError(await post('/api/v1/query', { notebook_ids: [notebook], query: LONE_SURROGATE }), 400, 'query');
      expectError(
        await post('/v1/chat/completions', {
          model: `notebook:${notebook}`,
          messages: [{ role: 'user', content: NUL }],
        }),
        400,
        'messages[0].content',
      );
    });

    it('in a query string or a path parameter → 400 naming it', async () => {
      const list = await request(sut.http)
        .get('/api/v1/notebooks?search=%00')
        .set(...bearer(user.accessToken));
      expectError(list, 400, 'search');
      const path = await request(sut.http)
        .get('/api/v1/notebooks/%00')
        .set(...bearer(user.accessToken));
      expectError(path, 400);
    });

    it('a NUL in a header value is refused by the HTTP parser, in the error shape', async () => {
      const address = await listening(sut);
      const raw = await new Promise<string>((resolve, reject) => {
        const socket = connect(address.port, '127.0.0.1', () => {
          socket.write('GET /health/live HTTP/1.1\r\nHost: x\r\nX-Thing: a\u0000b\r\n\r\n');
        });
        let data = '';
        socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
        socket.on('end', () => resolve(data));
        socket.on('error', reject);
      });
      expect(raw).toMatch(/^HTTP\/1\.1 400 /);
      const body = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as ErrorBody;
      expect(body).toEqual(
        expect.objectContaining({ statusCode: 400, error: 'Bad Request', requestId: expect.any(String) }),
      );
    });

    it('pasted text with NUL and a lone surrogate is cleaned, not failed', async () => {
      const res = await post(`/api/v1/notebooks/${notebook}/sources/text`, {
        title: 'Pasted',
        text: `Kestrel\u0000 nests ${'\ud800'}on cliffs.`,
      }).expect(201);
      const source = await settled(sut.http, user.accessToken, notebook, (res.body as { id: string }).id);
      expect([source.status, source.error]).toEqual(['ready', null]);
      const content = await request(sut.http)
        .get(`/api/v1/notebooks/${notebook}/sources/${source.id}/content`)
        .set(...bearer(user.accessToken))
        .expect(200);
      expect(content.body.text).toBe('Kestrel nests \ufffdon cliffs.');
    });

    it('text extracted from an upload with NUL and lone surrogates (JSON escapes) is cleaned, not failed', async () => {
      const data = Buffer.from('{"Ops\\u0000 guide": {"rotation": "Rotate the\\u0000 certificates \\ud800monthly."}}');
      const res = await upload(sut.http, user.accessToken, notebook, [{ name: 'nul.json', data }]).expect(201);
      const id = (res.body as { sources: { id: string }[] }).sources[0].id;
      const source = await settled(sut.http, user.accessToken, notebook, id);
      expect([source.status, source.error]).toEqual(['ready', null]);
      const rows = await query<{ text: string; position: { headingPath?: string[] } }>(
        sut,
        `select text, position from chunks where source_id = '${id}'`,
      );
      // The member's name is a heading: its NUL is removed. (Values are shown JSON-escaped.)
      expect(rows[0].position.headingPath).toEqual(['Ops guide']);
      expect(rows.map((r) => r.text).join()).toContain('Rotate the');
    });
  });

  describe('structure of JSON bodies', () => {
    it('nesting past BODY_MAX_DEPTH → 400, however deep (100,000 arrays, 50,000 objects)', async () => {
      const arrays = '['.repeat(100_000) + ']'.repeat(100_000);
      const objects = '{"a":'.repeat(50_000) + '1' + '}'.repeat(50_000);
      for (const body of [arrays, objects, `{"name":${'['.repeat(20)}${']'.repeat(20)}}`]) {
        const res = await request(sut.http)
          .post('/api/v1/notebooks')
          .set(...bearer(user.accessToken))
          .set('Content-Type', 'application/json')
          .send(body);
        expect(expectError(res, 400).message).toBe('The body cannot be accepted');
      }
      // Within the limit, the request reaches validation (and fails there, naming the field).
      const res = await request(sut.http)
        .post('/api/v1/notebooks')
        .set(...bearer(user.accessToken))
        .set('Content-Type', 'application/json')
        .send(`{"name":${'['.repeat(10)}${']'.repeat(10)}}`);
      expect(expectError(res, 400, 'name').message).toBe('Validation failed');
    });

    it('prototype keys → 400 naming them, also where they used to pass for a wrong password (change-password)', async () => {
      const raw = (path: string, body: string) =>
        request(sut.http)
          .post(path)
          .set(...bearer(user.accessToken))
          .set('Content-Type', 'application/json')
          .send(body);
      expectError(await raw('/api/v1/notebooks', '{"name":"n","__proto__":{"admin":true}}'), 400, '__proto__');
      expectError(
        await raw('/api/v1/notebooks', '{"name":"n","constructor":{"prototype":{"x":1}}}'),
        400,
        'constructor',
      );
      expectError(
        await raw(
          '/api/v1/auth/change-password',
          `{"currentPassword":"${user.password}","newPassword":"another long password","__proto__":{"x":1}}`,
        ),
        400,
        '__proto__',
      );
      expect(({} as Record<string, unknown>).admin).toBeUndefined();
    });

    it('a body that is not a JSON object where one is expected → 400', async () => {
      for (const body of ['[]', '[{"name":"n"}]']) {
        const res = await request(sut.http)
          .post('/api/v1/notebooks')
          .set(...bearer(user.accessToken))
          .set('Content-Type', 'application/json')
          .send(body);
        expectError(res, 400, 'body');
      }
    });

    it('JSON sent as text/plain or as a form → 415; a charset other than UTF-8 → 415; bytes that are not UTF-8 → 400', async () => {
      const patch = (type: string, body: string | Buffer) =>
        sendBytes(sut, 'PATCH', `/api/v1/notebooks/${notebook}`, user.accessToken, type, [Buffer.from(body)]);
      expectError(await patch('text/plain', '{"name":"plain"}'), 415);
      expectError(await patch('application/x-www-form-urlencoded', 'name=form'), 415);
      expectError(await patch('application/json; charset=iso-8859-1', '{"name":"latin"}'), 415);
      const notUtf8 = expectError(
        await patch('application/json', Buffer.from([...Buffer.from('{"name":"'), 0xff, 0x22, 0x7d])),
        400,
      );
      expect(notUtf8.message).toBe('The body is not valid UTF-8');
      const current = await request(sut.http)
        .get(`/api/v1/notebooks/${notebook}`)
        .set(...bearer(user.accessToken))
        .expect(200);
      expect(current.body.name).toBe('Hardened');
    });

    it('a byte-order mark before valid JSON is ignored (RFC 8259 §8.1)', async () => {
      const res = await sendBytes(sut, 'PATCH', `/api/v1/notebooks/${notebook}`, user.accessToken, 'application/json', [
        Buffer.from([0xef, 0xbb, 0xbf]),
        Buffer.from('{"description":"with BOM"}'),
      ]);
      expect(res.status).toBe(200);
      expect(res.body).toEqual(expect.objectContaining({ name: 'Hardened', description: 'with BOM' }));
    });
  });

  describe('PATCH changes only the fields sent (RFC 7396)', () => {
    const patch = (id: string, body?: string) => {
      const req = request(sut.http)
        .patch(`/api/v1/notebooks/${id}`)
        .set(...bearer(user.accessToken));
      return body === undefined ? req : req.set('Content-Type', 'application/json').send(body);
    };

    it('keeps what is left out, clears nullable fields with null, refuses null for required ones', async () => {
      const created = await post('/api/v1/notebooks', { name: 'Merge', description: 'Original' }).expect(201);
      const id = (created.body as { id: string }).id;
      const updatedAt = async () =>
        (await query<{ t: string }>(sut, `select updated_at::text as t from notebooks where id = '${id}'`))[0].t;

      expect((await patch(id, '{"name":"Renamed"}').expect(200)).body).toEqual(
        expect.objectContaining({ name: 'Renamed', description: 'Original' }),
      );
      expect((await patch(id, '{"description":"New"}').expect(200)).body).toEqual(
        expect.objectContaining({ name: 'Renamed', description: 'New' }),
      );
      const stamp = await updatedAt();
      for (const empty of ['{}', undefined]) {
        expect((await patch(id, empty).expect(200)).body).toEqual(
          expect.objectContaining({ name: 'Renamed', description: 'New' }),
        );
      }
      expect(await updatedAt()).toBe(stamp); // an empty patch writes nothing
      expect(expectError(await patch(id, '{"name":null}'), 400, 'name').details?.[0].message).toMatch(/cannot be null/);
      expectError(await patch(id, '{"name":""}'), 400, 'name');
      expect((await patch(id, '{"description":null}').expect(200)).body).toEqual(
        expect.objectContaining({ name: 'Renamed', description: null }),
      );
    });
  });

  describe('values out of range', () => {
    it('dates Postgres cannot store, or that are not ISO 8601 → 400 naming the field', async () => {
      const admin = await createAdminUser(sut);
      for (const from of ['-271821-04-20T00:00:00Z', '+275760-09-13T00:00:00Z', '12345', 'yesterday']) {
        const res = await request(sut.http)
          .get(`/api/v1/admin/audit?from=${encodeURIComponent(from)}`)
          .set(...bearer(admin.accessToken));
        expectError(res, 400, 'from');
      }
      await request(sut.http)
        .get('/api/v1/admin/audit?from=2026-01-01T00:00:00Z&to=2026-12-31')
        .set(...bearer(admin.accessToken))
        .expect(200);
      for (const expiresAt of ['+275760-09-13T00:00:00Z', 12345, 'soon']) {
        expectError(await post('/api/v1/auth/api-keys', { name: 'k', scopes: ['read'], expiresAt }), 400, 'expiresAt');
      }
    });
  });

  describe('uploads', () => {
    it('keeps non-ASCII filenames (multipart filenames are UTF-8)', async () => {
      const res = await upload(sut.http, user.accessToken, notebook, [
        { name: 'Café-résumé-日本.md', data: Buffer.from('# Café\n\nRésumé of the 日本 trip.\n') },
      ]).expect(201);
      expect(res.body.sources[0]).toEqual(
        expect.objectContaining({ title: 'Café-résumé-日本.md', filename: 'Café-résumé-日本.md' }),
      );
    });

    it('answers 413 as soon as a file passes UPLOAD_MAX_FILE_MB, without waiting for the rest of the body', async () => {
      const address = await listening(sut);
      const boundary = 'folio-boundary';
      const head = Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="big.txt"\r\nContent-Type: text/plain\r\n\r\n`,
      );
      const sources = await count('sources');
      const outcome = await new Promise<{ status: number; body: string; sent: number }>((resolve, reject) => {
        let sent = 0;
        const req = httpRequest({
          host: '127.0.0.1',
          port: address.port,
          method: 'POST',
          path: `/api/v1/notebooks/${notebook}/sources`,
          headers: {
            Authorization: `Bearer ${user.accessToken}`,
            'Content-Type': `multipart/form-data; boundary=${boundary}`,
            // Announces 50 MB: only an answer before the body is complete ends this early.
            'Content-Length': String(50 * 1024 * 1024),
          },
        });
        req.on('response', (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => {
            resolve({ status: res.statusCode ?? 0, body, sent });
            req.destroy();
          });
        });
        req.on('error', reject);
        req.write(head);
        // Keeps sending, as a real client streaming a large file does, until the answer arrives.
        const piece = Buffer.alloc(64 * 1024, 'a');
        let answered = false;
        req.once('response', () => (answered = true));
        const pump = (): void => {
          while (!answered && sent < 40 * 1024 * 1024) {
            sent += piece.length;
            if (!req.write(piece)) {
              req.once('drain', pump);
              return;
            }
          }
        };
        pump();
      });
      expect(outcome.status).toBe(413);
      expect(outcome.sent).toBeLessThan(20 * 1024 * 1024);
      expect(JSON.parse(outcome.body)).toEqual(
        expect.objectContaining({ statusCode: 413, message: expect.stringMatching(/big\.txt.*larger than 1 MB/) }),
      );
      expect(await count('sources')).toBe(sources);
      // The app still serves the next request.
      await request(sut.http)
        .get('/api/v1/auth/me')
        .set(...bearer(user.accessToken))
        .expect(200);
    });
  });
});

/** Sends exactly these bytes (supertest would serialise a Buffer as JSON); the body parsed as JSON. */
async function sendBytes(
  app: TestApp,
  method: string,
  path: string,
  token: string,
  contentType: string,
  parts: Buffer[],
): Promise<{ status: number; body: unknown }> {
  const address = await listening(app);
  const body = Buffer.concat(parts);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: address.port,
        method,
        path,
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': contentType, 'Content-Length': body.length },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The app's server, listening on an ephemeral loopback port (for raw-socket and streaming clients). */
async function listening(app: TestApp): Promise<AddressInfo> {
  if (!app.http.listening) await new Promise<void>((resolve) => app.http.listen(0, '127.0.0.1', resolve));
  return app.http.address() as AddressInfo;
}
