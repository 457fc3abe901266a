import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { type AppConfig } from '../config/app-config';
import { InjectConfig } from '../config/config.module';
import { JobHandler, JobProcessor } from './job-handler.decorator';
import { JobScheduler } from './job-scheduler';
import { JobName, type JobPayloads, QueueName } from './job.types';
import { JobsRepository } from './jobs.repository';

const DAY_MS = 86_400_000;

/** Keeps the jobs table small: finished job records are deleted after JOB_RETENTION_DAYS. */
@Injectable()
@JobProcessor()
export class JobsMaintenanceProcessor implements OnModuleInit {
  private readonly logger = new Logger(JobsMaintenanceProcessor.name);

  constructor(
    private readonly repository: JobsRepository,
    private readonly scheduler: JobScheduler,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.scheduler.every(JobName.PurgeFinishedJobs, DAY_MS / 4, () => ({
      olderThanDays: this.config.jobs.retentionDays,
    }));
  }

  @JobHandler({ queue: QueueName.Maintenance, name: JobName.PurgeFinishedJobs })
  async purgeFinishedJobs(payload: JobPayloads[JobName.PurgeFinishedJobs]): Promise<{ deleted: number }> {
    const deleted = await this.repository.deleteFinishedBefore(new Date(Date.now() - payload.olderThanDays * DAY_MS));
    this.logger.log(`deleted ${deleted} finished job record(s)`);
    return { deleted };
  }
}
