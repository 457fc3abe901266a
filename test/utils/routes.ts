import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { POLICY, type RoutePolicy } from '../../src/access/policy.decorator';
import { type TestApp } from './test-app';

export interface Route {
  route: string;
  policy: RoutePolicy | undefined;
}

/** Every route the application registers, with the policy it declares (on the method or its controller). */
export function routesOf(app: TestApp): Route[] {
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
