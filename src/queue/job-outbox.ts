import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { settleWithin } from '../common/async';
import { type AppConfig } from '../config/app-config';
import { InjectConfig } from '../config/config.module';
import { MetricsService } from '../metrics/metrics.service';
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
  private timers: NodeJS.Timeout[] = [];
  private pass?: Promise<void>;
  private again = false;
  private failing = false;
  private stopped = false;

  constructor(
    private readonly repository: JobsRepository,
    private readonly transport: JobTransport,
    private readonly runner: JobRunner,
    private readonly metrics: MetricsService,
    @InjectConfig() private readonly config: AppConfig,
  ) {
    this.transport.onRecovered(() => void this.afterRecovery());
  }

  /** Starts the passes (every instance: API-only ones enqueue too). */
  async start(options: { takeBackActive?: readonly string[] } = {}): Promise<void> {
    if (options.takeBackActive) {
      const taken = await this.reap(options.takeBackActive);
      if (taken > 0) this.logger.log(`took back ${taken} job(s) a previous process left running`);
    }
    await this.repository.redeliver();
    await this.deliver();
    const every = (ms: number, run: () => Promise<unknown>): void => {
      const timer = setInterval(() => void run().catch(() => undefined), ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(DELIVER_EVERY_MS, () => this.deliver());
    every(Math.max(100, Math.floor(this.config.jobs.lockMs / 3)), () => this.reapLapsed());
    every(STALE_EVERY_MS, () => this.repository.redeliver({ deliveredBefore: new Date(Date.now() - STALE_DELIVERY_MS) }));
  }

  /** Stops the passes (shutdown): what waits stays in the outbox for the other instances. */
  stop(): void {
    this.stopped = true;
    for (const timer of this.timers.splice(0)) clearInterval(timer);
  }

  onApplicationShutdown(): void {
    this.stop();
  }

  /**
   * Hands what waits in the outbox to the transport; resolves when a pass that started after this
   * call has ended. Never throws and never waits for an unreachable transport: a job that cannot
   * be handed over now stays in the outbox for a later pass.
   */
  deliver(): Promise<void> {
    if (this.pass) {
      this.again = true;
      return this.pass;
    }
    const pass = (async () => {
      do {
        this.again = false;
        await this.deliverOnce();
      } while (this.again && !this.stopped);
      this.pass = undefined; // in the same step as the last check: a later call starts a new pass
    })();
    this.pass = pass;
    return pass;
  }

  private async deliverOnce(): Promise<void> {
    if (this.stopped || !this.transport.accepting()) return;
    try {
      for (;;) {
        const jobs = await this.repository.pendingDelivery(BATCH);
        if (jobs.length === 0) break;
        const now = Date.now();
        const handed = this.transport.dispatchMany(
          jobs.map((job) => ({
            id: job.id,
            queue: job.queue,
            name: job.name,
            delivery: job.delivery,
            maxAttempts: job.maxAttempts,
            delayMs: Math.max(0, job.runAt.getTime() - now),
          })),
        );
        let failure: Error | undefined;
        const settled = await settleWithin(
          handed.catch((error: unknown) => {
            failure = error instanceof Error ? error : new Error('the hand-over failed');
          }),
          DELIVER_TIMEOUT_MS,
        );
        if (!settled) throw new Error(`the ${this.transport.kind} transport did not take the jobs within ${DELIVER_TIMEOUT_MS} ms`);
        if (failure) throw failure;
        await this.repository.markDelivered(jobs);
        this.metrics.jobsDelivered.inc(jobs.length);
        if (jobs.length < BATCH) break;
      }
      if (this.failing) this.logger.log('jobs are being handed to the queue again');
      this.failing = false;
    } catch (error) {
      // Once per outage, not once per pass.
      if (!this.failing) {
        this.logger.warn(`jobs wait in the database until the queue takes them: ${(error as Error).message}`);
      }
      this.failing = true;
    }
  }

  /** The transport is back (Redis reconnected): what waits there may be gone; hand it all over again. */
  private async afterRecovery(): Promise<void> {
    if (this.stopped) return;
    try {
      const n = await this.repository.redeliver();
      if (n > 0) this.logger.log(`the queue is back: handing ${n} waiting job(s) over again`);
      await this.deliver();
    } catch (error) {
      this.logger.warn(`could not hand waiting jobs over after the queue came back: ${(error as Error).message}`);
    }
  }

  private async reapLapsed(): Promise<void> {
    if (this.stopped) return;
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
