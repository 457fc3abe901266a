import { EventEmitter } from 'node:events';
import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { closeRedis } from '../redis/redis.module';

export type Unsubscribe = () => void;

/**
 * Fire-and-forget messages between instances: job cancellations, job progress for live streams.
 * In-process when there is no Redis, Redis pub/sub otherwise, so a subscriber on one instance
 * hears what another instance published (and, while Redis is unreachable, what this one did).
 */
export abstract class EventBus {
  abstract publish(topic: string, message: unknown): Promise<void>;
  abstract subscribe<T>(topic: string, handler: (message: T) => void): Unsubscribe;
  abstract close(): Promise<void>;
}

export class LocalEventBus extends EventBus {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  publish(topic: string, message: unknown): Promise<void> {
    // Deliver asynchronously, as Redis would: publishers never run subscriber code inline.
    queueMicrotask(() => this.emitter.emit(topic, message));
    return Promise.resolve();
  }

  subscribe<T>(topic: string, handler: (message: T) => void): Unsubscribe {
    this.emitter.on(topic, handler);
    return () => this.emitter.off(topic, handler);
  }

  close(): Promise<void> {
    this.emitter.removeAllListeners();
    return Promise.resolve();
  }
}

export class RedisEventBus extends EventBus {
  private readonly logger = new Logger(RedisEventBus.name);
  private readonly local = new EventEmitter().setMaxListeners(0);

  constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
    private readonly prefix: string,
  ) {
    super();
    this.subscriber.on('message', (channel: string, raw: string) => {
      if (!channel.startsWith(this.prefix)) return;
      try {
        this.local.emit(channel.slice(this.prefix.length), JSON.parse(raw));
      } catch (error) {
        this.logger.warn(`dropped malformed event on ${channel}: ${(error as Error).message}`);
      }
    });
  }

  /**
   * Through Redis to every instance (this one included); while Redis is unreachable, to this
   * instance's subscribers only, at once — a live stream here keeps its progress events.
   */
  async publish(topic: string, message: unknown): Promise<void> {
    if (this.publisher.status === 'ready') {
      try {
        await this.publisher.publish(this.prefix + topic, JSON.stringify(message));
        return;
      } catch {
        // fall through: deliver here
      }
    }
    queueMicrotask(() => this.local.emit(topic, message));
  }

  subscribe<T>(topic: string, handler: (message: T) => void): Unsubscribe {
    if (this.local.listenerCount(topic) === 0) {
      this.subscriber.subscribe(this.prefix + topic).catch((error: Error) => {
        this.logger.error(`subscribe to ${topic} failed: ${error.message}`);
      });
    }
    this.local.on(topic, handler);
    return () => {
      this.local.off(topic, handler);
      if (this.local.listenerCount(topic) === 0) {
        this.subscriber.unsubscribe(this.prefix + topic).catch(() => undefined);
      }
    };
  }

  async close(): Promise<void> {
    this.local.removeAllListeners();
    await closeRedis(this.subscriber);
  }
}
