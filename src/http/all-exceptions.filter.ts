import { STATUS_CODES } from 'node:http';
import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { NotFoundError, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { Request, Response } from 'express';
import { type ErrorBodyDto, type ErrorDetailDto } from './error-body';
import { DetailedHttpException } from './detailed-http.exception';
import { databaseCode, isConnectionFailure } from '../database/connection-failure';
import { errorMessage } from '../common/errors';
import { RepeatFilter } from '../common/repeat-filter';

interface Mapped {
  status: number;
  message: string;
  details?: ErrorDetailDto[];
  retryAfterSeconds?: number;
}

/** How long a client is asked to wait when the database cannot be reached. */
const DATABASE_RETRY_AFTER_S = 5;

/**
 * Produces the one error shape for every failure that reaches Nest: HTTP exceptions, validation
 * errors, body-parser errors (which Nest maps to HTTP exceptions), unknown routes, and anything
 * unexpected — the latter as a bare 500 whose details go to the log only, never to the client.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpExceptions');
  private readonly repeats = new RepeatFilter();

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<Request>();
    const res = ctx.getResponse<Response>();
    const { status, message, details, retryAfterSeconds } = this.map(exception);

    if (status === 500) {
      this.logger.error(
        { err: exception, requestId: req.id, method: req.method, path: req.path, status },
        'request failed',
      );
    } else if (status > 500) {
      // A deliberate answer to a state that lasts (a dependency away, not ready, an upstream
      // failing): said once per distinct message and window, not once per request or probe.
      const cause = exception instanceof HttpException ? '' : `: ${errorMessage(exception)}`;
      const line = this.repeats.filter(`answering ${status} ${message}${cause}`);
      if (line) this.logger.warn({ requestId: req.id, method: req.method, path: req.path, status }, line);
    }
    if (res.headersSent) {
      // A streaming response (SSE) already started: the status line is gone, just end it.
      res.end();
      return;
    }
    if (status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="folio"');
    if (exception instanceof HttpException && 'retryAfterSeconds' in exception) {
      res.setHeader('Retry-After', String((exception as { retryAfterSeconds: number }).retryAfterSeconds));
    } else if (retryAfterSeconds !== undefined) {
      res.setHeader('Retry-After', String(retryAfterSeconds));
    }
    const body: ErrorBodyDto = {
      statusCode: status,
      error: STATUS_CODES[status] ?? 'Error',
      message,
      ...(details && details.length > 0 ? { details } : {}),
      requestId: typeof req.id === 'string' ? req.id : '',
    };
    res.status(status).json(body);
  }

  private map(exception: unknown): Mapped {
    if (exception instanceof DetailedHttpException) {
      return { status: exception.getStatus(), message: exception.message, details: exception.details };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      let message: string;
      if (typeof response === 'string') message = response;
      else {
        const m = (response as { message?: unknown }).message;
        message = Array.isArray(m) ? m.join('; ') : typeof m === 'string' ? m : exception.message;
      }
      // Never reflect internals of a server fault someone wrapped in an HttpException by mistake.
      if (status >= 500 && status !== 502 && status !== 503 && status !== 504) message = 'Internal server error';
      return { status, message };
    }
    if (exception instanceof NotFoundError) {
      return { status: HttpStatus.NOT_FOUND, message: 'Not found' };
    }
    // Database errors arrive wrapped by MikroORM (DriverException) or raw from pg through Kysely.
    if (exception instanceof UniqueConstraintViolationException || databaseCode(exception) === '23505') {
      return { status: HttpStatus.CONFLICT, message: 'A record with the same unique value already exists' };
    }
    if (isConnectionFailure(exception)) {
      return {
        status: HttpStatus.SERVICE_UNAVAILABLE,
        message: 'The database is unavailable; try again shortly',
        retryAfterSeconds: DATABASE_RETRY_AFTER_S,
      };
    }
    return { status: HttpStatus.INTERNAL_SERVER_ERROR, message: 'Internal server error' };
  }
}
