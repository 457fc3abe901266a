import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiSecurity } from '@nestjs/swagger';

export const IS_PUBLIC = 'folio:public';

/**
 * Marks a route (or controller) as reachable without credentials. Everything else requires a
 * bearer token: the OpenAPI document declares bearer security globally and `{}` (anonymous) here.
 */
export const Public = (): MethodDecorator & ClassDecorator =>
  applyDecorators(SetMetadata(IS_PUBLIC, true), ApiSecurity({}));
