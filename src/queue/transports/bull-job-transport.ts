import { Logger } from '@nestjs/common';
import type { Job, JobOptions, Queue } from 'bull';
import { settleWithin } from '../../common/async';
import { type AppConfig } from '../../config/app-config';
import { type JobRunner } from '../job-runner';
import { type JobsRepository } from '../jobs.repository';
import { type DispatchedJob, JobTransport, type TransportHealth } from './job-transport';

/** How long a queued job may sit in the database before we assume its hand-off to Redis was lost. */
const RECONCILE_AFTER_MS = 30_000;

/**
 * Server mode: Bull queues on Redis, shared by every instance. Bull carries only the job id;
 * payload and state live in the job record, so a job is the same whichever instance runs it.
 * Bull is at-least-once (a worker that dies mid-job leaves it "stalled" and another one re-runs
 * it), which the runner's conditional claim and idempotent handlers absorb.
 */
export class BullJobTransport extends JobTransport {
  readonly kind = 'bull';
  private readonly logger = new Logger(BullJobTransport.name);
  private started: string[] = [];

  constructor(
    private readonly queues: (name: string) => Queue,
    private readonly runner: JobRunner,
    private readonly repository: JobsRepository,
    private readonly config: AppConfig,
  ) {
    super();
  }

  async start(queues: string[]): Promise<void> {
    for (const name of queues) {
      const queue = this.queues(name);
      const concurrency = this.config.jobs.queueConcurrency[name] ?? this.config.jobs.concurrency;
      void queue.process('*', concurrency, (job: Job) => this.process(job));
      queue.on('error', (error: Error) => this.logger.warn(`queue ${name}: ${error.message}`));
    }
    this.started = queues;
    await this.reconcile(queues);
  }

  async dispatch(job: DispatchedJob): Promise<void> {
    await this.queues(job.queue).add(job.name, {}, this.optionsFor(job));
  }

  /** One round trip per queue (Bull's addBulk is a single MULTI). */
  override async dispatchMany(jobs: readonly DispatchedJob[]): Promise<void> {
    const byQueue = new Map<string, DispatchedJob[]>();
    for (const job of jobs) byQueue.set(job.queue, [...(byQueue.get(job.queue) ?? []), job]);
    for (const [queue, list] of byQueue) {
      await this.queues(queue).addBulk(list.map((job) => ({ name: job.name, data: {}, opts: this.optionsFor(job) })));
    }
  }

  private optionsFor(job: DispatchedJob): JobOptions {
    return {
      jobId: job.id, // Bull ignores an add whose id it already holds
      attempts: job.maxAttempts,
      backoff: { type: 'exponential', delay: this.config.jobs.backoffMs },
      delay: job.delayMs > 0 ? job.delayMs : undefined,
      removeOnComplete: true,
      removeOnFail: true,
    };
  }

  async remove(job: { id: string; queue: string }): Promise<void> {
    const queued = await this.queues(job.queue).getJob(job.id);
    // A job being processed is locked and cannot be removed; the runner aborts it instead.
    await queued?.remove().catch(() => undefined);
  }

  async stop(timeoutMs: number): Promise<void> {
    await Promise.all(
      this.started.map(async (name) => {
        const queue = this.queues(name);
        // Stop fetching new jobs here; other instances keep serving the queue. Every step is
        // bounded: with Redis unreachable, Bull's calls would otherwise wait for a reconnect.
        await settleWithin(queue.pause(true, true), 1000);
        await settleWithin(queue.whenCurrentJobsFinished(), timeoutMs);
        // Past the timeout a job still running is abandoned: Bull marks it stalled and another
        // instance re-runs it. Closing without waiting keeps shutdown bounded.
        await settleWithin(queue.close(true), 2000);
      }),
    );
  }

  health(): Promise<TransportHealth> {
    for (const name of this.started) {
      const status = this.queues(name).client.status;
      if (status !== 'ready') return Promise.resolve({ ok: false, detail: `queue ${name}: redis ${status}` });
    }
    const detail = `bull, ${this.started.length} queue(s), ${this.runner.activeCount} active here`;
    return Promise.resolve({ ok: true, detail });
  }

  private async process(job: Job): Promise<void> {
    const outcome = await this.runner.execute(String(job.id), job.attemptsMade + 1);
    switch (outcome.kind) {
      case 'retry':
        throw new Error(outcome.error); // Bull schedules the next attempt with its backoff
      case 'failed':
        if (outcome.permanent) void job.discard();
        throw new Error(outcome.error);
      case 'completed':
      case 'cancelled':
      case 'skipped':
        return;
    }
  }

  /** Re-hands to Bull queued jobs whose enqueue may have died between the database and Redis. */
  private async reconcile(queues: string[]): Promise<void> {
    const stale = await this.repository.findStaleQueued(queues, new Date(Date.now() - RECONCILE_AFTER_MS));
    for (const job of stale) {
      await this.dispatch({ id: job.id, queue: job.queue, name: job.name, maxAttempts: job.maxAttempts, delayMs: 0 });
    }
    if (stale.length > 0) this.logger.log(`re-dispatched ${stale.length} queued job(s)`);
  }
}
