import { Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { type AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { REDIS, createRedis } from '../redis/redis.module';
import { EventBus, LocalEventBus, RedisEventBus } from './event-bus';

@Injectable()
class EventBusLifecycle implements OnApplicationShutdown {
  constructor(@Inject(EventBus) private readonly bus: EventBus) {}
  onApplicationShutdown(): Promise<void> {
    return this.bus.close();
  }
}

@Global()
@Module({
  providers: [
    {
      provide: EventBus,
      inject: [APP_CONFIG, REDIS],
      useFactory: (config: AppConfig, redis: Redis | null): EventBus =>
        redis && config.redis.url
          ? new RedisEventBus(
              redis,
              createRedis(config.redis.url, 'events', { queueOffline: true }),
              `${config.redis.keyPrefix}:events:`,
            )
          : new LocalEventBus(),
    },
    EventBusLifecycle,
  ],
  exports: [EventBus],
})
export class EventsModule {}
