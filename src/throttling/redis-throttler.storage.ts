import { Logger } from '@nestjs/common';
import { type ThrottlerStorage } from '@nestjs/throttler';
import type { Redis } from 'ioredis';
import { MemoryThrottlerStorage } from './memory-throttler.storage';

interface ThrottlerStorageRecord {
  totalHits: number;
  timeToExpire: number;
  isBlocked: boolean;
  timeToBlockExpire: number;
}

/**
 * Fixed-window counter plus an optional block, atomically in one Lua script.
 * KEYS: hits, block. ARGV: ttl ms, limit, block duration ms. Returns hits, ttl ms, blocked, block ttl ms.
 */
const SCRIPT = `
local blockTtl = redis.call('PTTL', KEYS[2])
if blockTtl > 0 then
  local hits = tonumber(redis.call('GET', KEYS[1]) or '0')
  return { hits, math.max(redis.call('PTTL', KEYS[1]), 0), 1, blockTtl }
end
local hits = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
if hits > tonumber(ARGV[2]) then
  local block = tonumber(ARGV[3])
  if block <= 0 then block = ttl end
  redis.call('SET', KEYS[2], '1', 'PX', block)
  return { hits, ttl, 1, block }
end
return { hits, ttl, 0, 0 }
`;

/**
 * Rate-limit counters in Redis, so every instance behind the load balancer shares them. While
 * Redis is unreachable the counters are this instance's own (a {@link MemoryThrottlerStorage}),
 * at once and without waiting for a reconnect: limits then hold per instance (so a client could
 * get up to N times the limit across N instances), never not at all, and no request waits for
 * Redis. The switch is reported (`onFallback`) for readiness and metrics.
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly logger = new Logger(RedisThrottlerStorage.name);
  private readonly local = new MemoryThrottlerStorage();
  private fallback = false;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly onFallback: (active: boolean) => void = () => undefined,
  ) {
    redis.defineCommand('folioThrottle', { numberOfKeys: 2, lua: SCRIPT });
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    if (this.redis.status !== 'ready') return this.locally(key, ttl, limit, blockDuration, throttlerName);
    const base = `${this.prefix}${throttlerName}:${key}`;
    try {
      const [hits, ttlMs, blocked, blockMs] = (await (
        this.redis as unknown as Record<string, (...args: unknown[]) => Promise<number[]>>
      ).folioThrottle(`${base}:hits`, `${base}:block`, ttl, limit, blockDuration)) as [number, number, number, number];
      this.switchTo(false);
      return {
        totalHits: hits,
        timeToExpire: Math.ceil(ttlMs / 1000),
        isBlocked: blocked === 1,
        timeToBlockExpire: Math.ceil(blockMs / 1000),
      };
    } catch (error) {
      return this.locally(key, ttl, limit, blockDuration, throttlerName, error);
    }
  }

  private locally(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
    error?: unknown,
  ): Promise<ThrottlerStorageRecord> {
    this.switchTo(true, error);
    return Promise.resolve(this.local.increment(key, ttl, limit, blockDuration, throttlerName));
  }

  /** Logs once per change of state, not per request. */
  private switchTo(fallback: boolean, error?: unknown): void {
    if (fallback === this.fallback) return;
    this.fallback = fallback;
    if (fallback) {
      const why = error instanceof Error ? error.message : `Redis ${this.redis.status}`;
      this.logger.warn(`rate limits are counted per instance until Redis is back (${why})`);
    } else {
      this.logger.log('rate limits are shared across instances again (Redis is back)');
    }
    this.onFallback(fallback);
  }
}
