import {
  applyDecorators,
  type CanActivate,
  type ExecutionContext,
  Injectable,
  SetMetadata,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiConsumes } from '@nestjs/swagger';
import type { Request } from 'express';
import { JSON_MEDIA_TYPES } from './json-body';

const CONSUMES = 'folio:consumes';

/** The media types a route's body may have (default JSON), enforced and documented in one place. */
export const Consumes = (...types: string[]): MethodDecorator & ClassDecorator =>
  applyDecorators(SetMetadata(CONSUMES, types), ApiConsumes(...types));

/** Whether the request carries a body (an empty one, as `curl -d ''` sends, does not count). */
export function hasBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

/**
 * A request body must be of a media type the route consumes — JSON unless the route declares
 * otherwise with {@link Consumes} (which the OpenAPI document shows too). Anything else is
 * 415, never silently ignored: valid JSON sent as text/plain or as a form used to reach the
 * route as an empty body.
 */
@Injectable()
export class ContentTypeGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const req = context.switchToHttp().getRequest<Request>();
    if (!hasBody(req)) return true;
    const consumes =
      this.reflector.getAllAndOverride<string[] | undefined>(CONSUMES, [context.getHandler(), context.getClass()]) ??
      JSON_MEDIA_TYPES;
    if (req.headers['content-type'] && req.is(consumes)) return true;
    const sent = req.headers['content-type'] ? `Content-Type ${req.headers['content-type'].split(';')[0]}` : 'A body';
    throw new UnsupportedMediaTypeException(`${sent} is not accepted here; send ${consumes[0]}`);
  }
}
