import { isUtf8 } from 'node:buffer';
import { BadRequestException } from '@nestjs/common';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { DetailedHttpException } from './detailed-http.exception';
import { inspectInput } from './input-sanity';

/** Media types parsed as JSON. Anything else reaches a JSON route unparsed and is answered 415 there. */
export const JSON_MEDIA_TYPES = ['application/json', 'application/*+json'];

/**
 * The JSON body parser of every route: body-parser (size limit → 413, malformed → 400, a charset
 * other than UTF-8 → 415, a leading byte-order mark ignored as RFC 8259 §8.1 allows), bytes that
 * are not UTF-8 → 400 instead of being silently replaced, then one walk over the parsed value that
 * refuses nesting past `maxDepth` and prototype keys before anything else sees the body.
 */
export function jsonBody(options: { limit: string; maxDepth: number }): RequestHandler[] {
  const parse = express.json({
    limit: options.limit,
    type: JSON_MEDIA_TYPES,
    verify: (_req, _res, buffer) => {
      if (!isUtf8(buffer)) throw new BadRequestException('The body is not valid UTF-8');
    },
  });
  const inspect = (req: Request, _res: Response, next: NextFunction): void => {
    const body: unknown = req.body;
    if (body === null || typeof body !== 'object') {
      next();
      return;
    }
    const problems = inspectInput(body, { maxDepth: options.maxDepth, prototypeKeys: true });
    next(problems.length > 0 ? new DetailedHttpException(400, 'The body cannot be accepted', problems) : undefined);
  };
  return [parse, inspect];
}
