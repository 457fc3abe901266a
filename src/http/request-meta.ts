import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';

/** Who asked, for the record: taken from the HTTP request by controllers, absent for jobs and tools. */
export interface RequestMeta {
  ip?: string;
  requestId?: string;
  userAgent?: string;
}

/** Client IP (honouring TRUST_PROXY), request id and user agent, for the audit log. */
export const ReqMeta = createParamDecorator((_data: unknown, ctx: ExecutionContext): RequestMeta => {
  const req = ctx.switchToHttp().getRequest<Request>();
  return {
    ip: req.ip,
    requestId: typeof req.id === 'string' ? req.id : undefined,
    userAgent: req.headers['user-agent'],
  };
});
