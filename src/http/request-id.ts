import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

export const REQUEST_ID_HEADER = 'X-Request-Id';
/** Accepted from clients only when short and plain, so it is safe to echo and to log. */
const WELL_FORMED = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** Express middleware, mounted first: every request (even a rejected one) carries an id. */
export function requestIdMiddleware(req: Request, res: Response, next: NextFunction): void {
  const offered = req.headers['x-request-id'];
  req.id = typeof offered === 'string' && WELL_FORMED.test(offered) ? offered : randomUUID();
  res.setHeader(REQUEST_ID_HEADER, req.id);
  next();
}
