import { createSecretKey } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { type AppConfig } from '../../config/app-config';
import { InjectConfig } from '../../config/config.module';
import { type Principal } from '../../access/principal';
import { PrincipalService } from '../principal.service';

export const ACCESS_TOKEN_TYPE = 'at+jwt';

interface VerifiedToken {
  header: { alg: string; typ?: string };
  payload: { sub?: string; sid?: string; typ?: string; exp?: unknown; iat?: unknown };
}

/**
 * Access tokens: HS256 only (pinned, so `alg: none` and algorithm confusion are refused), with
 * issuer, audience and expiry checked by jsonwebtoken (`exp` and `iat` required), and our own token type checked in both the
 * header (RFC 9068 `at+jwt`) and the claims — a refresh token or any other JWT is not an access token.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    @InjectConfig() config: AppConfig,
    private readonly principals: PrincipalService,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      // A KeyObject, made once: given a string, jsonwebtoken would build one on every verification.
      secretOrKey: createSecretKey(Buffer.from(config.auth.jwtSecret!, 'utf8')) as unknown as string,
      algorithms: ['HS256'],
      issuer: config.auth.jwtIssuer,
      audience: config.auth.jwtAudience,
      ignoreExpiration: false,
      jsonWebTokenOptions: { complete: true },
    });
  }

  async validate(token: VerifiedToken): Promise<Principal | false> {
    const { header, payload } = token;
    if (header.typ !== ACCESS_TOKEN_TYPE || payload.typ !== 'access' || !payload.sub || !payload.sid) return false;
    // jsonwebtoken checks `exp` only when a token has one: a signed token without it would never expire.
    if (typeof payload.exp !== 'number' || typeof payload.iat !== 'number') return false;
    return (await this.principals.fromSession(payload.sub, payload.sid)) ?? false;
  }
}
