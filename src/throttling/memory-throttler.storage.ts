import { type ThrottlerStorage } from '@nestjs/throttler';

interface Window {
  hits: number;
  resetAt: number;
  blockedUntil: number;
}

const SWEEP_EVERY_MS = 30_000;

/**
 * In-process fixed-window counters for zero-setup mode. Same semantics as the Redis storage;
 * unlike @nestjs/throttler's default storage it keeps no timer per hit (that one arms a
 * setTimeout for every request, which costs more than the request itself under load).
 */
export class MemoryThrottlerStorage implements ThrottlerStorage {
  private readonly windows = new Map<string, Window>();
  private readonly sweeper: NodeJS.Timeout;

  constructor() {
    this.sweeper = setInterval(() => this.sweep(), SWEEP_EVERY_MS);
    this.sweeper.unref();
  }

  increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string) {
    const now = Date.now();
    const id = `${throttlerName}:${key}`;
    let window = this.windows.get(id);
    if (!window || window.resetAt <= now) {
      window = { hits: 0, resetAt: now + ttl, blockedUntil: window?.blockedUntil ?? 0 };
      this.windows.set(id, window);
    }
    if (window.blockedUntil > now) {
      return Promise.resolve(this.record(window, now, true));
    }
    window.hits += 1;
    if (window.hits > limit) {
      window.blockedUntil = now + (blockDuration > 0 ? blockDuration : window.resetAt - now);
      return Promise.resolve(this.record(window, now, true));
    }
    return Promise.resolve(this.record(window, now, false));
  }

  private record(window: Window, now: number, isBlocked: boolean) {
    return {
      totalHits: window.hits,
      timeToExpire: Math.ceil((window.resetAt - now) / 1000),
      isBlocked,
      timeToBlockExpire: isBlocked ? Math.ceil((window.blockedUntil - now) / 1000) : 0,
    };
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, window] of this.windows) {
      if (window.resetAt <= now && window.blockedUntil <= now) this.windows.delete(id);
    }
  }
}
