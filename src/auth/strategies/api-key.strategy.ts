import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { Strategy } from 'passport-strategy';
import { type Principal } from '../../access/principal';
import { API_KEY_PREFIX } from '../../api-keys/api-key.format';
import { PrincipalService } from '../principal.service';

/** Minimal passport strategy: a personal API key in `Authorization: Bearer fol_…` or `X-API-Key`. */
class HeaderApiKeyStrategy extends Strategy {
  private readonly verify: (key: string) => Promise<Principal | null>;

  /** The mixin appends a validate callback; the key lookup in `options.verify` does the work instead. */
  constructor(options: { verify: (key: string) => Promise<Principal | null> }, _callback?: unknown) {
    super();
    this.verify = options.verify;
  }

  override authenticate(req: Request): void {
    const header = req.headers.authorization;
    const bearer = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    const fromHeader = req.headers['x-api-key'];
    const key = bearer?.startsWith(API_KEY_PREFIX)
      ? bearer
      : typeof fromHeader === 'string'
        ? fromHeader.trim()
        : undefined;
    if (!key?.startsWith(API_KEY_PREFIX)) {
      this.fail(401);
      return;
    }
    this.verify(key).then(
      (principal) => (principal ? this.success(principal) : this.fail(401)),
      (error: unknown) => this.error(error instanceof Error ? error : new Error(String(error))),
    );
  }
}

@Injectable()
export class ApiKeyStrategy extends PassportStrategy(HeaderApiKeyStrategy, 'api-key') {
  constructor(principals: PrincipalService) {
    super({ verify: (key: string) => principals.fromApiKey(key) });
  }

  // PassportStrategy requires validate(); the verify function above does the work.
  validate(principal: Principal): Principal {
    return principal;
  }
}
