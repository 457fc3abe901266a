import { Injectable, Logger } from '@nestjs/common';
import { BackgroundWork } from '../common/background';
import { uuidv7 } from '../common/uuid';
import { type JobNameOf, type JobPayloadOf } from './job.types';
import { JobsService } from './jobs.service';

interface PeriodicJob<N extends JobNameOf = JobNameOf> {
  name: N;
  everyMs: number;
  payload: () => JobPayloadOf<N>;
}

/**
 * Periodic jobs without a central cron: every instance enqueues each job once per period with
 * the period number as its key, so however many instances tick, the deterministic job id makes
 * exactly one job per period.
 */
@Injectable()
export class JobScheduler {
  private readonly logger = new Logger(JobScheduler.name);
  private readonly jobs: PeriodicJob[] = [];
  private readonly once: { name: JobNameOf; payload: () => JobPayloadOf<JobNameOf> }[] = [];
  private readonly work = new BackgroundWork();

  constructor(private readonly jobsService: JobsService) {}

  every<N extends JobNameOf>(name: N, everyMs: number, payload: () => JobPayloadOf<N>): void {
    this.jobs.push({ name, everyMs, payload });
  }

  /** A job enqueued once each time an instance starts (its own key: every instance runs it). */
  atStart<N extends JobNameOf>(name: N, payload: () => JobPayloadOf<N>): void {
    this.once.push({ name, payload });
  }

  start(): void {
    for (const job of this.once) {
      this.jobsService
        .enqueue(job.name, `start:${uuidv7()}`, job.payload())
        .catch((error: unknown) =>
          this.logger.warn(`could not enqueue start-up job ${job.name}: ${(error as Error).message}`),
        );
    }
    for (const job of this.jobs) {
      void this.work.run(() => this.tick(job));
      this.work.every(job.everyMs, () => this.tick(job));
    }
  }

  /** Stops the ticks and waits for an enqueue still running. */
  stop(): Promise<void> {
    return this.work.stop();
  }

  private async tick(job: PeriodicJob): Promise<void> {
    const period = Math.floor(Date.now() / job.everyMs);
    try {
      await this.jobsService.enqueue(job.name, `period:${period}`, job.payload());
    } catch (error) {
      this.logger.warn(`could not enqueue periodic job ${job.name}: ${(error as Error).message}`);
    }
  }
}
