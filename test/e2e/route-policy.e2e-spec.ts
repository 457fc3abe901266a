import { Controller, Get, Module, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import request from 'supertest';
import { POLICY, type RoutePolicy } from '../../src/access/policy.decorator';
import { bearer, createAdminUser } from '../utils/auth';
import { createTestContext, startTestApp, type TestApp, type TestContext } from '../utils/test-app';

interface Route {
  route: string;
  policy: RoutePolicy | undefined;
}

/** Every route the application registers, with the policy it declares (on the method or its controller). */
function routesOf(app: TestApp): Route[] {
  const discovery = app.app.get(DiscoveryService);
  const scanner = app.app.get(MetadataScanner);
  const reflector = app.app.get(Reflector);
  const routes: Route[] = [];
  for (const wrapper of discovery.getControllers()) {
    const instance = wrapper.instance as object | undefined;
    if (!instance) continue;
    const controller = instance.constructor;
    const base = (Reflect.getMetadata(PATH_METADATA, controller) as string | undefined) ?? '';
    for (const name of scanner.getAllMethodNames(Object.getPrototypeOf(instance) as object)) {
      const handler = (instance as Record<string, unknown>)[name] as (...args: unknown[]) => unknown;
      const path = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
      if (path === undefined) continue;
      const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
      routes.push({
        route: `${method} /${base}/${path}`.replace(/\/+/g, '/').replace(/\/$/, ''),
        policy: reflector.getAllAndOverride<RoutePolicy | undefined>(POLICY, [handler, controller]),
      });
    }
  }
  return routes;
}

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
