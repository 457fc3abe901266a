import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { settleWithin } from '../common/async';
import { BackgroundWork } from '../common/background';
import { errorMessage } from '../common/errors';
import { RepeatFilter } from '../common/repeat-filter';
import { type AppConfig } from '../config/app-config';
import { InjectConfig } from '../config/config.module';
import { MetricsService } from '../metrics/metrics.service';
import { type JobEntity } from './job.entity';
import { JobRunner } from './job-runner';
import { JobsRepository } from './jobs.repository';
import { JobTransport } from './transports/job-transport';

/** How often every instance looks for jobs waiting in the outbox (one indexed query). */
const DELIVER_EVERY_MS = 1000;
/** Jobs handed over in one pass. */
const BATCH = 500;
/** A hand-over that takes longer is given up; the job stays in the outbox for the next pass. */
const DELIVER_TIMEOUT_MS = 2000;
/** A job delivered this long ago and due since, but still waiting, is handed over again. */
const STALE_DELIVERY_MS = 5 * 60_000;
/** How often the stale hand-overs are looked for. */
const STALE_EVERY_MS = 60_000;
/** Lost attempts given back before they count (then a job with no attempts left fails). */
const MAX_INTERRUPTIONS = 3;

/**
 * The job record in Postgres is the outbox: a job is written with the work it belongs to (in the
 * same transaction) and handed to the transport afterwards, here — at once after the commit when
 * the transport can take it, otherwise by the next pass once it can (Redis back). So enqueueing
 * never waits for Redis, and no job is lost between the two. Every instance also:
 * - reaps jobs whose lease lapsed (their worker died, stopped, or lost the database) and hands
 *   them over again, so any instance runs them within about JOB_LOCK_MS plus a third of it;
 * - hands every waiting job over again whenever the transport comes back (Redis may have
 *   restarted empty; the transport keeps one copy per hand-over name, so nothing runs twice);
 * - at start, hands over everything waiting, and — in zero-setup mode, the single instance —
 *   first takes back every job a previous process left active.
 */
@Injectable()
export class JobOutbox implements OnApplicationShutdown {
  private readonly logger = new Logger(JobOutbox.name);
  private readonly repeats = new RepeatFilter();
  private readonly work = new BackgroundWork((error) => {
    this.repeats.warn(this.logger, `job outbox: ${errorMessage(error)}`);
  });
  private pass?: Promise<void>;
  private again = false;
  private failing = false;

  constructor(
    private readonly repository: JobsRepository,
    private readonly transport: JobTransport,
    private readonly runner: JobRunner,
    private readonly metrics: MetricsService,
    @InjectConfig() private readonly config: AppConfig,
  ) {
    this.transport.onRecovered(() => void this.work.run(() => this.afterRecovery()));
  }

  /** Starts the passes (every instance: API-only ones enqueue too). */
  async start(options: { takeBackActive?: readonly string[] } = {}): Promise<void> {
    if (options.takeBackActive) {
      const taken = await this.reap(options.takeBackActive);
      if (taken > 0) this.logger.log(`took back ${taken} job(s) a previous process left running`);
    }
    await this.repository.redeliver();
    await this.deliver();
    this.work.every(DELIVER_EVERY_MS, () => this.deliver());
    this.work.every(Math.max(100, Math.floor(this.config.jobs.lockMs / 3)), () => this.reapLapsed());
    this.work.every(STALE_EVERY_MS, () =>
      this.repository.redeliver({ deliveredBefore: new Date(Date.now() - STALE_DELIVERY_MS) }),
    );
  }

  /** Stops the passes and waits for one still running (shutdown): what waits stays for the other instances. */
  stop(): Promise<void> {
    return this.work.stop();
  }

  onApplicationShutdown(): Promise<void> {
    return this.stop();
  }

  /**
   * Hands jobs just recorded (and committed) to the transport, without reading them back; if it
   * cannot take them now, they wait for a pass. Never throws and never waits for an unreachable
   * transport.
   */
  async handOver(jobs: readonly JobEntity[]): Promise<void> {
    if (jobs.length === 0 || this.work.isStopped || !this.transport.accepting()) return;
    await this.work.run(() => this.deliverBatch(jobs));
  }

  /**
   * A pass: hands what waits in the outbox to the transport; resolves when a pass that started
   * after this call has ended. A job that cannot be handed over now stays for a later pass.
   */
  private deliver(): Promise<void> {
    if (this.pass) {
      this.again = true;
      return this.pass;
    }
    const pass = (async () => {
      try {
        do {
          this.again = false;
          await this.deliverOnce();
        } while (this.again && !this.work.isStopped);
      } finally {
        this.pass = undefined; // in the same step as the last check: a later call starts a new pass
      }
    })();
    this.pass = pass;
    return pass;
  }

  private async deliverOnce(): Promise<void> {
    if (this.work.isStopped || !this.transport.accepting()) return;
    for (;;) {
      let jobs: JobEntity[];
      try {
        jobs = await this.repository.pendingDelivery(BATCH);
      } catch (error) {
        this.failed(error);
        return;
      }
      if (!(await this.deliverBatch(jobs)) || jobs.length < BATCH) return;
    }
  }

  /** Once per outage, not once per pass. */
  private failed(error: unknown): void {
    if (!this.failing) {
      this.logger.warn(`jobs wait in the database until they can be handed over: ${(error as Error).message}`);
    }
    this.failing = true;
  }

  /** Hands `jobs` over and marks them delivered; false if the transport did not take them. */
  private async deliverBatch(jobs: readonly JobEntity[]): Promise<boolean> {
    if (jobs.length === 0) return true;
    try {
      const now = Date.now();
      let failure: Error | undefined;
      const handed = this.transport
        .dispatchMany(
          jobs.map((job) => ({
            id: job.id,
            queue: job.queue,
            name: job.name,
            delivery: job.delivery,
            maxAttempts: job.maxAttempts,
            delayMs: Math.max(0, job.runAt.getTime() - now),
          })),
        )
        .catch((error: unknown) => {
          failure = error instanceof Error ? error : new Error('the hand-over failed');
        });
      if (!(await settleWithin(handed, DELIVER_TIMEOUT_MS))) {
        throw new Error(`the ${this.transport.kind} transport did not take the jobs within ${DELIVER_TIMEOUT_MS} ms`);
      }
      if (failure) throw failure;
      await this.repository.markDelivered(jobs);
      this.metrics.jobsDelivered.inc(jobs.length);
      if (this.failing) this.logger.log('jobs are being handed to the queue again');
      this.failing = false;
      return true;
    } catch (error) {
      this.failed(error);
      return false;
    }
  }

  /** The transport is back (Redis reconnected): what waits there may be gone; hand it all over again. */
  private async afterRecovery(): Promise<void> {
    const n = await this.repository.redeliver();
    if (n > 0) this.logger.log(`the queue is back: handing ${n} waiting job(s) over again`);
    await this.deliver();
  }

  private async reapLapsed(): Promise<void> {
    const n = await this.reap();
    if (n > 0) this.logger.warn(`${n} job(s) lost their worker (lease lapsed): running them again`);
  }

  private async reap(everyActive?: readonly string[]): Promise<number> {
    const reaped = await this.repository.reap({ maxInterruptions: MAX_INTERRUPTIONS, everyActive });
    if (reaped.length === 0) return 0;
    this.metrics.jobsReaped.inc(reaped.length);
    for (const job of reaped.filter((j) => j.state === 'failed')) {
      this.logger.error(`job ${job.id} failed: ${job.error ?? 'its worker was lost too often'}`);
      await this.runner.notifyFinished(job);
    }
    await this.deliver();
    return reaped.length;
  }
}
