import {
  type DynamicModule,
  Injectable,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { DiscoveryModule, ModuleRef } from '@nestjs/core';
import { BullModule, getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { type AppConfig } from '../config/app-config';
import { APP_CONFIG, InjectConfig } from '../config/config.module';
import { JobDispatcher } from './job-dispatcher';
import { JobOutbox } from './job-outbox';
import { JobRegistry } from './job-registry';
import { JobRunner } from './job-runner';
import { JobScheduler } from './job-scheduler';
import { QueueName } from './job.types';
import { JobsMaintenanceProcessor } from './jobs-maintenance.processor';
import { JobsRepository } from './jobs.repository';
import { JobsService } from './jobs.service';
import { BullJobTransport } from './transports/bull-job-transport';
import { JobTransport } from './transports/job-transport';
import { LocalJobTransport } from './transports/local-job-transport';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { JobEntity } from './job.entity';

/**
 * Starts the transport once every handler is registered, and the outbox on every instance (an
 * API-only one enqueues too). `stop()` is the jobs' part of a graceful shutdown (ShutdownService
 * calls it once the listener has closed): no new jobs here, running ones get SHUTDOWN_TIMEOUT_MS,
 * the rest go back to the queue at once.
 */
@Injectable()
export class QueueLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private stopping?: Promise<void>;

  constructor(
    private readonly transport: JobTransport,
    private readonly outbox: JobOutbox,
    private readonly dispatcher: JobDispatcher,
    private readonly registry: JobRegistry,
    private readonly scheduler: JobScheduler,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const local = this.transport.kind === 'local';
    if (this.config.jobs.worker) await this.transport.start(this.registry.queues());
    // In zero-setup mode this is the only instance: what is active was left by a process that is gone.
    if (this.config.jobs.worker || !local) {
      await this.outbox.start({ takeBackActive: local ? this.registry.queues() : undefined });
    }
    if (!this.config.jobs.worker) return;
    await this.dispatcher.start();
    if (this.config.jobs.schedule) this.scheduler.start();
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.scheduler.stop();
      await this.dispatcher.stop();
      await this.transport.stop(this.config.http.shutdownTimeoutMs);
      await this.outbox.stop();
    })();
    return this.stopping;
  }

  /** Where no ShutdownService ran (a command-line context), stop here. */
  onApplicationShutdown(): Promise<void> {
    return this.stop();
  }
}

// Entities are registered statically: a forFeature() inside forRoot() would run per app and
// reset the ORM's entity list (MikroOrmEntitiesStorage) after the first app closed.
@Module({ imports: [MikroOrmModule.forFeature([JobEntity])] })
export class QueueModule {
  static forRoot(config: AppConfig): DynamicModule {
    const useBull = Boolean(config.redis.url);
    return {
      module: QueueModule,
      global: true,
      imports: [
        DiscoveryModule,
        ...(useBull
          ? [
              BullModule.forRoot({
                url: config.redis.url,
                prefix: `${config.redis.keyPrefix}:bull`,
                // Reconnect within a second of Redis returning (ioredis' default backs off to 2 s,
                // Bull's blocking client further): readiness and the outbox follow at once.
                redis: { retryStrategy: (times: number) => Math.min(times * 100, 1000) },
                settings: {
                  lockDuration: config.jobs.lockMs,
                  lockRenewTime: Math.floor(config.jobs.lockMs / 2),
                  stalledInterval: config.jobs.lockMs,
                  maxStalledCount: 2,
                },
              }),
              BullModule.registerQueue(...Object.values(QueueName).map((name) => ({ name }))),
            ]
          : []),
      ],
      providers: [
        JobsRepository,
        JobRegistry,
        JobRunner,
        JobDispatcher,
        JobOutbox,
        JobsService,
        JobScheduler,
        JobsMaintenanceProcessor,
        QueueLifecycle,
        {
          provide: JobTransport,
          inject: [APP_CONFIG, JobRunner, ModuleRef],
          useFactory: (cfg: AppConfig, runner: JobRunner, moduleRef: ModuleRef) =>
            useBull
              ? new BullJobTransport(
                  (name) => moduleRef.get<Queue>(getQueueToken(name), { strict: false }),
                  Object.values(QueueName),
                  runner,
                  cfg,
                )
              : new LocalJobTransport(runner, cfg),
        },
      ],
      exports: [JobsService, JobScheduler, JobTransport, QueueLifecycle],
    };
  }
}
