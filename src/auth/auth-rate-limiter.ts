import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { type ThrottlerStorage } from '@nestjs/throttler';
import { type AppConfig } from '../config/app-config';
import { InjectConfig } from '../config/config.module';
import { DetailedHttpException } from '../http/detailed-http.exception';
import { RATE_LIMIT_STORAGE } from '../throttling/rate-limit-storage.module';

export type AuthAction = 'signup' | 'login' | 'refresh';

/** A 429 whose Retry-After the error filter sends as a header. */
export class TooManyRequestsException extends DetailedHttpException {
  constructor(readonly retryAfterSeconds: number) {
    super(HttpStatus.TOO_MANY_REQUESTS, 'Too many attempts; try again later', []);
  }
}

/**
 * Brute-force protection of signup, login and refresh: AUTH_RATE_LIMIT_MAX attempts per window
 * per client IP *and* per account, counted in the shared rate-limit storage (Redis in server
 * mode, so every instance sees the same counts). Unknown accounts are counted too.
 */
@Injectable()
export class AuthRateLimiter {
  constructor(
    @Inject(RATE_LIMIT_STORAGE) private readonly storage: ThrottlerStorage,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  async consume(action: AuthAction, keys: { ip?: string; account?: string }): Promise<void> {
    const { max, ttlMs } = this.config.auth.rateLimit;
    const buckets = [
      keys.ip ? `ip:${keys.ip}` : undefined,
      keys.account ? `account:${keys.account}` : undefined,
    ].filter((k): k is string => k !== undefined);
    let retryAfter = 0;
    for (const bucket of buckets) {
      const record = await this.storage.increment(bucket, ttlMs, max, 0, `auth-${action}`);
      if (record.isBlocked) retryAfter = Math.max(retryAfter, record.timeToBlockExpire, 1);
    }
    if (retryAfter > 0) throw new TooManyRequestsException(retryAfter);
  }
}
