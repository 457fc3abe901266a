import { Controller, Get, Module } from '@nestjs/common';
import request from 'supertest';
import { bearer, createAdminUser } from '../utils/auth';
import { routesOf } from '../utils/routes';
import { createTestContext, startTestApp, type TestApp, type TestContext } from '../utils/test-app';

@Controller('api/v1/forgotten')
class ForgottenController {
  @Get()
  leak(): { secret: string } {
    return { secret: 'should never be served' };
  }
}

@Module({ controllers: [ForgottenController] })
class ForgottenModule {}

describe('access policy of every route', () => {
  let context: TestContext;
  let sut: TestApp;

  beforeAll(async () => {
    context = await createTestContext();
    sut = await startTestApp(context);
  });

  afterAll(async () => {
    await sut?.close();
    await context?.destroy();
  });

  it('every registered route declares a policy: public, authenticated or an action on a subject', () => {
    const routes = routesOf(sut);
    expect(routes.length).toBeGreaterThan(20);
    expect(routes.filter((r) => !r.policy).map((r) => r.route)).toEqual([]);
  });

  it('only the expected routes are public', () => {
    const publicRoutes = routesOf(sut)
      .filter((r) => r.policy?.kind === 'public')
      .map((r) => r.route)
      .sort();
    expect(publicRoutes).toEqual([
      'GET /health/live',
      'GET /health/ready',
      'GET /metrics',
      'POST /api/v1/auth/login',
      'POST /api/v1/auth/refresh',
      'POST /api/v1/auth/signup',
    ]);
  });

  it('every admin route is for administrators only (manage all), never a conditional check', () => {
    const admin = routesOf(sut).filter((r) => r.route.includes('/api/v1/admin/'));
    expect(admin.length).toBeGreaterThan(8);
    for (const { route, policy } of admin) {
      expect([route, policy]).toEqual([
        route,
        expect.objectContaining({ kind: 'authorize', action: 'manage', subject: 'all' }),
      ]);
    }
  });

  it('a route that forgot its policy is denied to everyone, admins included', async () => {
    const withForgotten = await startTestApp(context, {}, [ForgottenModule]);
    try {
      expect(
        routesOf(withForgotten)
          .filter((r) => !r.policy)
          .map((r) => r.route),
      ).toEqual(['GET /api/v1/forgotten']);
      const admin = await createAdminUser(withForgotten);
      const res = await request(withForgotten.http)
        .get('/api/v1/forgotten')
        .set(...bearer(admin.accessToken))
        .expect(403);
      expect(JSON.stringify(res.body)).not.toContain('should never be served');
      await request(withForgotten.http).get('/api/v1/forgotten').expect(403);
    } finally {
      await withForgotten.close();
    }
  });
});
