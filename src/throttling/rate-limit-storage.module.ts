import { Global, Module } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { type AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { MetricsService } from '../metrics/metrics.service';
import { REDIS } from '../redis/redis.module';
import { MemoryThrottlerStorage } from './memory-throttler.storage';
import { RedisThrottlerStorage } from './redis-throttler.storage';

/** The counter storage every rate limit uses: Redis when configured (shared), memory otherwise. */
export const RATE_LIMIT_STORAGE = Symbol('RATE_LIMIT_STORAGE');

@Global()
@Module({
  providers: [
    {
      provide: RATE_LIMIT_STORAGE,
      inject: [APP_CONFIG, REDIS, MetricsService],
      useFactory: (config: AppConfig, redis: Redis | null, metrics: MetricsService) => {
        if (!redis) return new MemoryThrottlerStorage();
        metrics.rateLimitFallback.set(0);
        return new RedisThrottlerStorage(redis, `${config.redis.keyPrefix}:throttle:`, (active) =>
          metrics.rateLimitFallback.set(active ? 1 : 0),
        );
      },
    },
  ],
  exports: [RATE_LIMIT_STORAGE],
})
export class RateLimitStorageModule {}
