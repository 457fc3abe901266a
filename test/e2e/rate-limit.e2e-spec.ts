import request from 'supertest';
import { createTestContext, redisMode, startTestApp, type TestApp, type TestContext } from '../utils/test-app';

// Any throttled route works; unauthenticated requests are counted too (the limit runs before auth).
const PATH = '/api/v1/auth/me';

describe('global rate limit', () => {
  let context: TestContext;
  const apps: TestApp[] = [];

  beforeEach(async () => {
    context = await createTestContext();
  });

  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
    await context.destroy();
  });

  it('answers 429 with Retry-After, in the error shape, past RATE_LIMIT_MAX', async () => {
    const sut = await startTestApp(context, { RATE_LIMIT_MAX: '5', RATE_LIMIT_TTL_SECONDS: '60' });
    apps.push(sut);
    for (let i = 0; i < 5; i++) await request(sut.http).get(PATH).expect(401);
    const res = await request(sut.http).get(PATH).expect(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(res.body).toEqual(
      expect.objectContaining({ statusCode: 429, error: 'Too Many Requests', requestId: expect.any(String) }),
    );
    // Health and metrics are never rate limited: probes must always get through.
    await request(sut.http).get('/health/live').expect(200);
  });

  it('ignores X-Forwarded-For unless the proxy is trusted', async () => {
    const sut = await startTestApp(context, { RATE_LIMIT_MAX: '3' });
    apps.push(sut);
    for (let i = 0; i < 3; i++) await request(sut.http).get(PATH).set('X-Forwarded-For', `203.0.113.${i}`).expect(401);
    await request(sut.http).get(PATH).set('X-Forwarded-For', '203.0.113.99').expect(429);
  });

  it('counts per client IP from X-Forwarded-For when the proxy is trusted', async () => {
    const sut = await startTestApp(context, { RATE_LIMIT_MAX: '3', TRUST_PROXY: 'loopback' });
    apps.push(sut);
    for (let i = 0; i < 3; i++) await request(sut.http).get(PATH).set('X-Forwarded-For', '203.0.113.7').expect(401);
    await request(sut.http).get(PATH).set('X-Forwarded-For', '203.0.113.7').expect(429);
    await request(sut.http).get(PATH).set('X-Forwarded-For', '203.0.113.8').expect(401);
  });

  (redisMode ? it : it.skip)('shares counters between instances through Redis', async () => {
    const a = await startTestApp(context, { RATE_LIMIT_MAX: '4' });
    const b = await startTestApp(context, { RATE_LIMIT_MAX: '4' });
    apps.push(a, b);
    await request(a.http).get(PATH).expect(401);
    await request(b.http).get(PATH).expect(401);
    await request(a.http).get(PATH).expect(401);
    await request(b.http).get(PATH).expect(401);
    await request(a.http).get(PATH).expect(429);
    await request(b.http).get(PATH).expect(429);
  });
});
