import { applyDecorators, createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiForbiddenResponse, ApiSecurity, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Request } from 'express';
import { ErrorBodyDto } from '../http/error-body';
import { type Action, type SubjectName } from './permissions';
import { type Principal } from './principal';

/** Every route declares exactly one of these; the global AccessGuard denies a route without one. */
export type RoutePolicy =
  | { kind: 'public' }
  | { kind: 'authenticated'; sessionOnly: boolean }
  | { kind: 'authorize'; action: Action; subject: SubjectName; sessionOnly: boolean };

export const POLICY = 'folio:policy';

interface PolicyOptions {
  /** Refuse API keys: only a login session may do this (manage keys, change password, log out). */
  sessionOnly?: boolean;
}

const documented = (policy: RoutePolicy): (MethodDecorator & ClassDecorator)[] =>
  policy.kind === 'public'
    ? [ApiSecurity({})]
    : [
        ApiUnauthorizedResponse({ description: 'Missing or invalid credentials', type: ErrorBodyDto }),
        ...(policy.kind === 'authorize' || policy.sessionOnly
          ? [ApiForbiddenResponse({ description: 'Not allowed', type: ErrorBodyDto })]
          : []),
      ];

const declare = (policy: RoutePolicy): MethodDecorator & ClassDecorator =>
  applyDecorators(SetMetadata(POLICY, policy), ...documented(policy));

/**
 * Administrators only: `manage` on `all`, which no conditional rule can satisfy. (A route-level
 * check on a concrete subject passes whenever *some* rule could apply — a user may manage *their
 * own* notebooks — so admin routes must not rely on one.)
 */
export const AdminOnly = (): MethodDecorator & ClassDecorator => Authorize('manage', 'all');

/** Reachable without credentials. */
export const Public = (): MethodDecorator & ClassDecorator => declare({ kind: 'public' });

/** Any authenticated caller (their own data; services still check resources). */
export const Authenticated = (options: PolicyOptions = {}): MethodDecorator & ClassDecorator =>
  declare({ kind: 'authenticated', sessionOnly: options.sessionOnly ?? false });

/** The caller's ability must allow `action` on (some) `subject`; services check the resource itself. */
export const Authorize = (
  action: Action,
  subject: SubjectName,
  options: PolicyOptions = {},
): MethodDecorator & ClassDecorator =>
  declare({ kind: 'authorize', action, subject, sessionOnly: options.sessionOnly ?? false });

/** The verified caller, as established by the AccessGuard. */
export const Auth = createParamDecorator((_data: unknown, ctx: ExecutionContext): Principal => {
  const principal = ctx.switchToHttp().getRequest<Request & { user?: Principal }>().user;
  if (!principal) throw new Error('@Auth() used on a route without an authenticated policy');
  return principal;
});
