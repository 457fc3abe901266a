import { Injectable, Logger } from '@nestjs/common';
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
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(private readonly jobsService: JobsService) {}

  every<N extends JobNameOf>(name: N, everyMs: number, payload: () => JobPayloadOf<N>): void {
    this.jobs.push({ name, everyMs, payload });
  }

  start(): void {
    for (const job of this.jobs) {
      void this.tick(job);
      const timer = setInterval(() => void this.tick(job), job.everyMs);
      timer.unref();
      this.timers.push(timer);
    }
  }

  stop(): void {
    for (const timer of this.timers.splice(0)) clearInterval(timer);
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
