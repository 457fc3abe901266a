import {
  type BeforeApplicationShutdown,
  type DynamicModule,
  Injectable,
  Module,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { DiscoveryModule, ModuleRef } from '@nestjs/core';
import { BullModule, getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { type AppConfig } from '../config/app-config';
import { APP_CONFIG, InjectConfig } from '../config/config.module';
import { JobDispatcher } from './job-dispatcher';
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

/** Starts the transport once every handler is registered; stops it first at shutdown. */
@Injectable()
class QueueLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    private readonly transport: JobTransport,
    private readonly dispatcher: JobDispatcher,
    private readonly registry: JobRegistry,
    private readonly scheduler: JobScheduler,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.jobs.worker) return;
    await this.transport.start(this.registry.queues());
    await this.dispatcher.start();
    if (this.config.jobs.schedule) this.scheduler.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.scheduler.stop();
    await this.transport.stop(this.config.http.shutdownTimeoutMs);
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
        JobsService,
        JobScheduler,
        JobsMaintenanceProcessor,
        QueueLifecycle,
        {
          provide: JobTransport,
          inject: [APP_CONFIG, JobRunner, JobsRepository, ModuleRef],
          useFactory: (cfg: AppConfig, runner: JobRunner, repository: JobsRepository, moduleRef: ModuleRef) =>
            useBull
              ? new BullJobTransport(
                  (name) => moduleRef.get<Queue>(getQueueToken(name), { strict: false }),
                  runner,
                  repository,
                  cfg,
                )
              : new LocalJobTransport(runner, repository, cfg),
        },
      ],
      exports: [JobsService, JobScheduler, JobTransport],
    };
  }
}
