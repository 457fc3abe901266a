import request from 'supertest';
import { bearer, signup, type TestUser } from '../utils/auth';
import { ProbeModule } from '../utils/probe.module';
import { createTestContext, redisMode, startTestApp, type TestApp, type TestContext } from '../utils/test-app';

const UUID = /^[0-9a-f-]{36}$/;

function expectErrorShape(body: Record<string, unknown>, status: number): void {
  expect(body).toEqual(
    expect.objectContaining({
      statusCode: status,
      error: expect.any(String),
      message: expect.any(String),
      requestId: expect.any(String),
    }),
  );
  expect(Object.keys(body).sort()).toEqual(expect.arrayContaining(['error', 'message', 'requestId', 'statusCode']));
  expect(JSON.stringify(body)).not.toMatch(/at .*\.(ts|js):\d+/); // never a stack trace
}

describe('HTTP surface', () => {
  let context: TestContext;
  let sut: TestApp;
  let user: TestUser;

  beforeAll(async () => {
    context = await createTestContext();
    sut = await startTestApp(context, { BODY_LIMIT: '2kb' }, [ProbeModule]);
    user = await signup(sut.http);
  });

  afterAll(async () => {
    await sut?.close();
    await context?.destroy();
  });

  describe('health', () => {
    it('GET /health/live answers 200 without checking dependencies', async () => {
      const res = await request(sut.http).get('/health/live').expect(200);
      expect(res.body).toEqual({ status: 'ok' });
    });

    it('GET /health/ready checks database, queue and heap (and Redis when configured)', async () => {
      const res = await request(sut.http).get('/health/ready').expect(200);
      expect(res.body.status).toBe('ok');
      const parts = Object.keys(res.body.info as object);
      expect(parts).toEqual(expect.arrayContaining(['database', 'queue', 'heap']));
      expect(parts.includes('redis')).toBe(redisMode);
      expect(res.body.info.queue.transport).toBe(redisMode ? 'bull' : 'local');
    });
  });

  describe('request id', () => {
    it('echoes a well-formed X-Request-Id', async () => {
      const res = await request(sut.http).get('/health/live').set('X-Request-Id', 'client-abc.123').expect(200);
      expect(res.headers['x-request-id']).toBe('client-abc.123');
    });

    it('replaces a malformed one with a generated UUID', async () => {
      const res = await request(sut.http).get('/health/live').set('X-Request-Id', 'bad id\twith spaces').expect(200);
      expect(res.headers['x-request-id']).toMatch(UUID);
    });

    it('puts the request id in error bodies', async () => {
      const res = await request(sut.http).get('/nowhere').set('X-Request-Id', 'trace-42').expect(404);
      expect(res.body.requestId).toBe('trace-42');
    });
  });

  describe('errors, all in one shape', () => {
    it('unknown route → 404', async () => {
      const res = await request(sut.http).get('/api/v1/does-not-exist').expect(404);
      expectErrorShape(res.body, 404);
    });

    it('wrong method on a known path → 404', async () => {
      const res = await request(sut.http).delete('/health/live').expect(404);
      expectErrorShape(res.body, 404);
    });

    it('malformed JSON → 400', async () => {
      const res = await request(sut.http)
        .post('/api/v1/test-probe/echo')
        .set('Content-Type', 'application/json')
        .send('{"name": "x",')
        .expect(400);
      expectErrorShape(res.body, 400);
    });

    it('body over BODY_LIMIT → 413', async () => {
      const res = await request(sut.http)
        .post('/api/v1/test-probe/echo')
        .send({ name: 'x', padding: 'y'.repeat(4096) })
        .expect(413);
      expectErrorShape(res.body, 413);
    });

    it('invalid fields → 400 with details naming each field', async () => {
      const res = await request(sut.http).post('/api/v1/test-probe/echo').send({ name: 42, count: -1 }).expect(400);
      expectErrorShape(res.body, 400);
      const fields = (res.body.details as { field: string }[]).map((d) => d.field);
      expect(fields).toEqual(expect.arrayContaining(['name', 'count']));
    });

    it('unknown properties are rejected, not silently dropped (mass assignment)', async () => {
      const res = await request(sut.http)
        .post('/api/v1/test-probe/echo')
        .send({ name: 'ok', role: 'admin', isAdmin: true })
        .expect(400);
      const fields = (res.body.details as { field: string }[]).map((d) => d.field);
      expect(fields).toEqual(expect.arrayContaining(['role', 'isAdmin']));
    });

    it('valid input passes through', async () => {
      const res = await request(sut.http).post('/api/v1/test-probe/echo').send({ name: 'ok', count: 2 }).expect(201);
      expect(res.body).toEqual({ name: 'ok', count: 2 });
    });

    it('an unexpected error → 500 with no internals in the body', async () => {
      const res = await request(sut.http).get('/api/v1/test-probe/boom').expect(500);
      expectErrorShape(res.body, 500);
      expect(res.body.message).toBe('Internal server error');
      expect(JSON.stringify(res.body)).not.toMatch(/hunter2|\/etc\/folio|secret/);
    });

    it('a malformed id parameter → 400, not 500', async () => {
      const res = await request(sut.http)
        .get('/api/v1/jobs/not-a-uuid')
        .set(...bearer(user.accessToken))
        .expect(400);
      expectErrorShape(res.body, 400);
    });
  });

  describe('security headers and CORS', () => {
    it('sets helmet headers and hides X-Powered-By', async () => {
      const res = await request(sut.http).get('/health/live');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toBeDefined();
      expect(res.headers['x-powered-by']).toBeUndefined();
    });

    it('allows no cross-origin access when CORS_ORIGINS is empty', async () => {
      const res = await request(sut.http).get('/health/live').set('Origin', 'https://evil.example');
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    });
  });

  describe('metrics', () => {
    it('exposes the request-duration histogram labelled by route template, never the raw URL', async () => {
      const jobId = '0190b3c2-0000-7000-8000-000000000001';
      await request(sut.http)
        .get(`/api/v1/jobs/${jobId}`)
        .set(...bearer(user.accessToken))
        .expect(404);
      const res = await request(sut.http).get('/metrics').expect(200);
      expect(res.headers['content-type']).toMatch(/text\/plain/);
      expect(res.text).toMatch(
        /folio_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/jobs\/:id",status="404"\} [1-9]/,
      );
      expect(res.text).not.toContain(jobId);
      expect(res.text).toMatch(/folio_process_cpu_user_seconds_total/);
      expect(res.text).toMatch(
        /folio_http_request_duration_seconds_count\{method="GET",route="unmatched",status="404"\}/,
      );
    });
  });

  describe('OpenAPI', () => {
    it('serves the document at /docs-json with the bearer scheme', async () => {
      const res = await request(sut.http).get('/docs-json').expect(200);
      expect(res.body.openapi).toMatch(/^3\./);
      expect(res.body.components.securitySchemes.bearer).toEqual(
        expect.objectContaining({ type: 'http', scheme: 'bearer' }),
      );
      expect(Object.keys(res.body.paths as object)).toEqual(
        expect.arrayContaining(['/api/v1/jobs/{id}', '/health/ready', '/health/live']),
      );
      expect(res.body.components.schemas.ErrorBodyDto).toBeDefined();
    });

    it('serves Swagger UI at /docs', async () => {
      const res = await request(sut.http).get('/docs').expect(200);
      expect(res.text).toContain('swagger-ui');
    });
  });
});

describe('metrics token', () => {
  let context: TestContext;
  let sut: TestApp;

  beforeAll(async () => {
    context = await createTestContext();
    sut = await startTestApp(context, { METRICS_TOKEN: 'a-long-metrics-token-123' });
  });

  afterAll(async () => {
    await sut?.close();
    await context?.destroy();
  });

  it('refuses /metrics without the token, in the error shape', async () => {
    const res = await request(sut.http).get('/metrics').expect(401);
    expectErrorShape(res.body, 401);
    await request(sut.http).get('/metrics').set('Authorization', 'Bearer wrong-token-wrong-token').expect(401);
  });

  it('serves /metrics with the token', async () => {
    await request(sut.http).get('/metrics').set('Authorization', 'Bearer a-long-metrics-token-123').expect(200);
  });
});
