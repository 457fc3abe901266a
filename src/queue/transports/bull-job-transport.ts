import { Logger } from '@nestjs/common';
import type { Job, JobOptions, Queue } from 'bull';
import { settleWithin, sleep } from '../../common/async';
import { errorMessage } from '../../common/errors';
import { RepeatFilter } from '../../common/repeat-filter';
import { type AppConfig } from '../../config/app-config';
import { type JobRunner } from '../job-runner';
import { type DispatchedJob, JobTransport, type TransportHealth, deliveryId } from './job-transport';

/** How long running jobs may take to notice they were handed back before the queue closes. */
const RELEASE_GRACE_MS = 2000;

/**
 * Server mode: Bull queues on Redis, shared by every instance. Bull carries only the job's id and
 * hand-over number; payload, state, attempts and retries live in the job record (JobRunner,
 * JobOutbox), so a job is the same whichever instance runs it, and Bull never retries on its own.
 * Bull is at-least-once (a worker that dies mid-job leaves it "stalled" and another one re-runs
 * it); the runner's lease-guarded claim and idempotent handlers absorb that.
 *
 * Redis unreachable: `accepting()` says so at once (no call waits for a reconnect), the outbox
 * keeps the jobs, and the first reconnect (within a second: the retry strategy below) is
 * reported once so the outbox hands everything over again. Connection errors are logged once per
 * change of state, not per retry.
 */
export class BullJobTransport extends JobTransport {
  readonly kind = 'bull';
  private readonly logger = new Logger(BullJobTransport.name);
  private readonly repeats = new RepeatFilter();
  private started: string[] = [];
  private stopping = false;
  private down = new Set<string>();

  constructor(
    private readonly queues: (name: string) => Queue,
    private readonly names: readonly string[],
    private readonly runner: JobRunner,
    private readonly config: AppConfig,
  ) {
    super();
    for (const name of names) this.watch(name);
  }

  async start(queues: string[]): Promise<void> {
    for (const name of queues) {
      const queue = this.queues(name);
      const concurrency = this.config.jobs.queueConcurrency[name] ?? this.config.jobs.concurrency;
      void queue.process('*', concurrency, (job: Job<{ id?: string }>) => this.process(job));
    }
    this.started = queues;
    return Promise.resolve();
  }

  accepting(): boolean {
    return !this.stopping && this.names.every((name) => this.queues(name).client.status === 'ready');
  }

  async dispatch(job: DispatchedJob): Promise<void> {
    await this.dispatchMany([job]);
  }

  /** One round trip per queue (Bull's addBulk is a single MULTI). */
  override async dispatchMany(jobs: readonly DispatchedJob[]): Promise<void> {
    const byQueue = new Map<string, DispatchedJob[]>();
    for (const job of jobs) byQueue.set(job.queue, [...(byQueue.get(job.queue) ?? []), job]);
    for (const [queue, list] of byQueue) {
      await this.queues(queue).addBulk(
        list.map((job) => ({ name: job.name, data: { id: job.id }, opts: this.optionsFor(job) })),
      );
    }
  }

  private optionsFor(job: DispatchedJob): JobOptions {
    return {
      jobId: deliveryId(job), // Bull ignores an add whose id it already holds
      attempts: 1, // retries are the job record's (JobRunner), not Bull's
      delay: job.delayMs > 0 ? job.delayMs : undefined,
      removeOnComplete: true,
      removeOnFail: true,
    };
  }

  async remove(job: { id: string; queue: string; delivery: number }): Promise<void> {
    if (!this.accepting()) return; // the runner finds the job cancelled when Bull hands it out
    const queued = await this.queues(job.queue).getJob(deliveryId(job));
    // A job being processed is locked and cannot be removed; the runner aborts it instead.
    await queued?.remove().catch(() => undefined);
  }

  async stop(timeoutMs: number): Promise<void> {
    this.stopping = true;
    this.runner.stopClaiming();
    await Promise.all(
      this.started.map(async (name) => {
        const queue = this.queues(name);
        // Stop fetching new jobs here; other instances keep serving the queue. Every step is
        // bounded: with Redis unreachable, Bull's calls would otherwise wait for a reconnect.
        await settleWithin(queue.pause(true, true), 1000);
        await settleWithin(queue.whenCurrentJobsFinished(), timeoutMs);
      }),
    );
    // Past the timeout, what still runs goes back to the queue at once (another instance takes it
    // over within a second), instead of waiting for Bull's stall check.
    if ((await this.runner.releaseAll()) > 0) {
      await Promise.all(
        this.started.map((name) => settleWithin(this.queues(name).whenCurrentJobsFinished(), RELEASE_GRACE_MS)),
      );
    }
  }

  health(): Promise<TransportHealth> {
    for (const name of this.names) {
      const status = this.queues(name).client.status;
      if (status !== 'ready') {
        return Promise.resolve({ ok: false, detail: `queue ${name}: redis ${status}; new jobs wait in the database` });
      }
    }
    const detail = `bull, ${this.started.length} queue(s), ${this.runner.activeCount} active here`;
    return Promise.resolve({ ok: true, detail });
  }

  private async process(job: Job<{ id?: string }>): Promise<void> {
    const id = job.data?.id ?? String(job.id).split('.')[0];
    // The runner waits out short database outages itself; past its patience (a lease's length)
    // the attempt is tried again here, every few seconds, until it runs or this instance stops.
    while (!this.stopping) {
      try {
        await this.runner.execute(id);
        return;
      } catch (error) {
        // Said once a minute per job and cause, not at every try.
        this.repeats.warn(this.logger, `job ${id} could not run (${errorMessage(error)}); trying again every 5 s`);
        await sleep(5000);
      }
    }
  }

  /** Logs a queue's connection state once per change, and reports the reconnect after an outage. */
  private watch(name: string): void {
    const queue = this.queues(name);
    const lost = (why: string): void => {
      if (this.stopping || this.down.has(name)) return;
      this.down.add(name);
      this.logger.warn(`queue ${name}: Redis unreachable (${why}); new jobs wait in the database`);
    };
    queue.on('error', (error: Error) => lost(error.message));
    queue.client.on('close', () => lost('connection closed'));
    queue.client.on('ready', () => {
      if (!this.down.delete(name)) return;
      this.logger.log(`queue ${name}: Redis reachable again`);
      if (this.down.size === 0) this.notifyRecovered();
    });
  }
}
