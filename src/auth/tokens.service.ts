import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { type AppConfig } from '../config/app-config';
import { InjectConfig } from '../config/config.module';
import { randomToken, sha256 } from '../crypto/tokens';
import { ACCESS_TOKEN_TYPE } from './strategies/jwt.strategy';

export const REFRESH_TOKEN_PREFIX = 'frt_';

export interface IssuedRefreshToken {
  token: string;
  hash: string;
  expiresAt: Date;
}

@Injectable()
export class TokensService {
  constructor(
    private readonly jwt: JwtService,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  get accessTokenTtlSeconds(): number {
    return this.config.auth.accessTokenTtlSeconds;
  }

  /** A short-lived JWT naming the user (`sub`) and the session (`sid`) it belongs to. */
  signAccessToken(userId: string, sessionId: string): Promise<string> {
    return this.jwt.signAsync(
      { sid: sessionId, typ: 'access' },
      {
        subject: userId,
        algorithm: 'HS256',
        issuer: this.config.auth.jwtIssuer,
        audience: this.config.auth.jwtAudience,
        expiresIn: this.config.auth.accessTokenTtlSeconds,
        header: { alg: 'HS256', typ: ACCESS_TOKEN_TYPE },
      },
    );
  }

  /** An opaque refresh token (256 random bits); only its hash is ever stored. */
  newRefreshToken(): IssuedRefreshToken {
    const token = randomToken(REFRESH_TOKEN_PREFIX);
    return {
      token,
      hash: sha256(token),
      expiresAt: new Date(Date.now() + this.config.auth.refreshTokenTtlDays * 86_400_000),
    };
  }
}
