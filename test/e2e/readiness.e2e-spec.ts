import request from 'supertest';
import { EMBEDDED_POSTGRES } from '../../src/database/database.module';
import { type EmbeddedPostgres } from '../../src/database/embedded-postgres';
import {
  createTestContext,
  redisMode,
  serverMode,
  startTestApp,
  type TestApp,
  type TestContext,
} from '../utils/test-app';
import { signup } from '../utils/auth';
import { proxyFor, type TcpProxy } from '../utils/tcp-proxy';

interface ErrorBody {
  statusCode: number;
  message: string;
  details: { field: string; message: string }[];
}

describe('GET /health/ready when a dependency is down', () => {
  let context: TestContext;
  let sut: TestApp;
  let dbProxy: TcpProxy | undefined;
  let redisProxy: TcpProxy | undefined;

  beforeEach(async () => {
    context = await createTestContext();
    const overrides: Record<string, string> = {};
    if (serverMode) {
      dbProxy = await proxyFor(context.databaseUrl!).start();
      overrides.DATABASE_URL = dbProxy.rewrite(context.databaseUrl!);
    }
    if (redisMode) {
      redisProxy = await proxyFor(context.env.REDIS_URL).start();
      overrides.REDIS_URL = redisProxy.rewrite(context.env.REDIS_URL);
    }
    sut = await startTestApp(context, overrides);
    await request(sut.http).get('/health/ready').expect(200);
  });

  afterEach(async () => {
    await sut?.close().catch(() => undefined);
    await dbProxy?.cut();
    await redisProxy?.cut();
    dbProxy = redisProxy = undefined;
    await context?.destroy();
  });

  it('answers 503 naming the database when it becomes unreachable', async () => {
    if (dbProxy) await dbProxy.cut();
    else await sut.app.get<EmbeddedPostgres>(EMBEDDED_POSTGRES).stop();

    const res = await request(sut.http).get('/health/ready').expect(503);
    const body = res.body as ErrorBody;
    expect(body.statusCode).toBe(503);
    expect(body.message).toMatch(/^Not ready: .*database/);
    expect(body.details.map((d) => d.field)).toContain('database');
    // Liveness does not depend on the database.
    await request(sut.http).get('/health/live').expect(200);
  });

  it('a route that needs the database answers 503 with Retry-After in the one error shape, not 500', async () => {
    const user = await signup(sut.http, 'outage');
    if (dbProxy) await dbProxy.cut();
    else await sut.app.get<EmbeddedPostgres>(EMBEDDED_POSTGRES).stop();

    for (const path of ['/api/v1/auth/me', '/api/v1/notebooks']) {
      const res = await request(sut.http).get(path).set('authorization', `Bearer ${user.accessToken}`);
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.body).toMatchObject({
        statusCode: 503,
        error: 'Service Unavailable',
        message: 'The database is unavailable; try again shortly',
      });
      expect(typeof (res.body as { requestId?: unknown }).requestId).toBe('string');
    }
  });

  (redisMode ? it : it.skip)('answers 503 naming Redis when it becomes unreachable', async () => {
    await redisProxy!.cut();
    const res = await request(sut.http).get('/health/ready').expect(503);
    const body = res.body as ErrorBody;
    expect(body.details.map((d) => d.field)).toEqual(expect.arrayContaining(['redis']));
    expect(body.details.map((d) => d.field)).not.toContain('database');
  });
});
