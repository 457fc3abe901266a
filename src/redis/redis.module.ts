import { Global, Inject, Injectable, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { settleWithin } from '../common/async';
import { type AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { MetricsService } from '../metrics/metrics.service';

/**
 * The shared Redis connection (commands and publishing), or `null` when `REDIS_URL` is unset.
 * Consumers prefix their keys with `REDIS_KEY_PREFIX` themselves.
 */
export const REDIS = Symbol('REDIS');
export const InjectRedis = (): ParameterDecorator => Inject(REDIS);

/** Clients being closed on purpose: their 'close' is not an outage. */
const closing = new WeakSet<Redis>();

/**
 * A Redis client that never makes a caller wait for Redis: while disconnected, commands fail at
 * once (`enableOfflineQueue: false`; callers check `status` and fall back), and it reconnects
 * within a second of Redis returning. A subscriber keeps the offline queue (`queueOffline`):
 * its subscriptions are made before it first connects and restored after each reconnect.
 * Connection errors are logged once per outage, not once per retry.
 */
export function createRedis(
  url: string,
  name: string,
  options: { queueOffline?: boolean; onState?: (up: boolean) => void } = {},
): Redis {
  const logger = new Logger(`Redis:${name}`);
  const client = new Redis(url, {
    connectionName: `folio:${name}`,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: options.queueOffline ?? false,
    retryStrategy: (times) => Math.min(times * 100, 1000),
  });
  let state: 'connecting' | 'up' | 'down' = 'connecting';
  const lost = (why: string): void => {
    if (state === 'down') return;
    state = 'down';
    logger.warn(`Redis unreachable: ${why}`);
    options.onState?.(false);
  };
  client.on('error', (error: Error) => lost(error.message));
  client.on('close', () => {
    if (state === 'up' && !closing.has(client)) lost('connection closed');
  });
  client.on('ready', () => {
    if (state === 'down') logger.log('Redis reachable again');
    state = 'up';
    options.onState?.(true);
  });
  return client;
}

/** QUIT when connected (bounded), otherwise just drop the connection: never wait for a reconnect. */
export async function closeRedis(client: Redis): Promise<void> {
  closing.add(client);
  if (client.status === 'ready' && (await settleWithin(client.quit(), 1000))) return;
  client.disconnect();
}

@Injectable()
class RedisLifecycle implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis | null) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.redis) await closeRedis(this.redis);
  }
}

@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [APP_CONFIG, MetricsService],
      useFactory: (config: AppConfig, metrics: MetricsService): Redis | null => {
        if (!config.redis.url) return null;
        metrics.dependencyUp.set({ dependency: 'redis' }, 0);
        return createRedis(config.redis.url, 'main', {
          onState: (up) => metrics.dependencyUp.set({ dependency: 'redis' }, up ? 1 : 0),
        });
      },
    },
    RedisLifecycle,
  ],
  exports: [REDIS],
})
export class RedisModule {}
