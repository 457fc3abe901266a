import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  Injectable,
  Logger,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import passport from 'passport';
import { API_KEY_PREFIX } from '../api-keys/api-key.format';
import { ApiKeyStrategy } from './strategies/api-key.strategy';
import { JwtStrategy } from './strategies/jwt.strategy';
import { POLICY, type RoutePolicy } from '../access/policy.decorator';
import { type Principal } from '../access/principal';

/**
 * The one global guard. Deny by default: a route without a declared policy is refused (and a
 * test fails for it). Otherwise it authenticates — an access token via passport-jwt, or a
 * personal API key — builds the caller's ability and checks the route's action and subject.
 * Resource-level checks (which notebook, whose job) happen in the services.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  private readonly logger = new Logger(AccessGuard.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly jwt: JwtStrategy,
    private readonly apiKeys: ApiKeyStrategy,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const policy = this.reflector.getAllAndOverride<RoutePolicy | undefined>(POLICY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!policy) {
      this.logger.error(`${context.getClass().name}.${context.getHandler().name} declares no access policy`);
      throw new ForbiddenException('Not allowed');
    }
    if (policy.kind === 'public') return true;

    const http = context.switchToHttp();
    const req = http.getRequest<Request & { user?: Principal }>();
    const principal = await this.authenticate(req, http.getResponse<Response>());
    if (!principal) throw new UnauthorizedException('Missing or invalid credentials');
    req.user = principal;

    if (policy.sessionOnly && principal.via.kind !== 'session') {
      throw new ForbiddenException('This requires a login session; API keys cannot do it');
    }
    if (policy.kind === 'authorize' && !principal.ability.can(policy.action, policy.subject)) {
      throw new ForbiddenException('Not allowed');
    }
    return true;
  }

  /**
   * Runs the one strategy the credential calls for. Strategies are passed to passport as fresh
   * per-request objects (not by name from passport's process-wide registry), so several app
   * instances in one process never answer with each other's keys and databases.
   */
  private authenticate(req: Request, res: Response): Promise<Principal | null> {
    const authorization = req.headers.authorization;
    const isKey =
      authorization?.startsWith(`Bearer ${API_KEY_PREFIX}`) ||
      (!authorization && req.headers['x-api-key'] !== undefined);
    const strategy = Object.create(isKey ? this.apiKeys : this.jwt) as passport.Strategy;
    return new Promise((resolve, reject) => {
      const middleware = passport.authenticate(
        strategy,
        { session: false },
        (error: unknown, user: Principal | false) => (error ? reject(asError(error)) : resolve(user || null)),
      ) as (req: Request, res: Response, next: (error?: unknown) => void) => void;
      middleware(req, res, (error) => (error ? reject(asError(error)) : resolve(null)));
    });
  }
}

/** An error passes as it is (also one from another realm, which fails `instanceof Error`): the filter maps it. */
const asError = (value: unknown): Error =>
  typeof value === 'object' && value !== null
    ? (value as Error)
    : new Error(typeof value === 'string' ? value : 'authentication failed');
