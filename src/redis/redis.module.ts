import { Global, Inject, Injectable, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { settleWithin } from '../common/async';
import { type AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';

/**
 * The shared Redis connection (commands and publishing), or `null` when `REDIS_URL` is unset.
 * Consumers prefix their keys with `REDIS_KEY_PREFIX` themselves.
 */
export const REDIS = Symbol('REDIS');
export const InjectRedis = (): ParameterDecorator => Inject(REDIS);

export function createRedis(url: string, name: string): Redis {
  const logger = new Logger(`Redis:${name}`);
  const client = new Redis(url, {
    connectionName: `folio:${name}`,
    // Fail commands fast while disconnected instead of queueing them forever.
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  let lastError = '';
  client.on('error', (error: Error) => {
    // ioredis emits the same connection error on every retry; log each distinct one once.
    if (error.message !== lastError) logger.warn(`Redis error: ${error.message}`);
    lastError = error.message;
  });
  client.on('ready', () => (lastError = ''));
  return client;
}

/** QUIT when connected (bounded), otherwise just drop the connection: never wait for a reconnect. */
export async function closeRedis(client: Redis): Promise<void> {
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
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): Redis | null =>
        config.redis.url ? createRedis(config.redis.url, 'main') : null,
    },
    RedisLifecycle,
  ],
  exports: [REDIS],
})
export class RedisModule {}
