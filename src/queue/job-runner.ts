import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { DbContext } from '../database/unit-of-work';
import { PinoLogger } from 'nestjs-pino';
import { Coalescer } from '../common/coalescer';
import { sleep } from '../common/async';
import { BackgroundWork } from '../common/background';
import { errorMessage } from '../common/errors';
import { RepeatFilter } from '../common/repeat-filter';
import { INSTANCE_ID } from '../common/instance';
import { isConnectionFailure } from '../database/connection-failure';
import { type AppConfig } from '../config/app-config';
import { InjectConfig } from '../config/config.module';
import { EventBus, type Unsubscribe } from '../events/event-bus';
import { MetricsService } from '../metrics/metrics.service';
import { JobRegistry } from './job-registry';
import { JobCancelledError, type JobContext, PermanentJobError } from './job.types';
import { type JobEntity } from './job.entity';
import { JobsRepository } from './jobs.repository';

export type AttemptOutcome =
  | { kind: 'completed' }
  | { kind: 'retry'; delayMs: number; error: string }
  | { kind: 'failed'; error: string; permanent: boolean }
  | { kind: 'cancelled' }
  /** Handed back unfinished (shutdown, or the database went away): runs again, the attempt not counted. */
  | { kind: 'released'; reason: string }
  /** Nothing to run: finished, cancelled, unknown, or running under a live lease elsewhere. */
  | { kind: 'skipped' };

export const JOB_CANCELLED_TOPIC = 'jobs.cancelled';
/** Progress and the final state of one job, for live streams on any instance. */
export const jobProgressTopic = (jobId: string): string => `jobs.progress.${jobId}`;

export interface JobProgressEvent {
  jobId: string;
  progress?: number;
  detail?: Record<string, unknown>;
  /** Set once, on the attempt's outcome. */
  outcome?: AttemptOutcome['kind'];
}

const MAX_ERROR_LENGTH = 2000;

/** The attempt is handed back: the instance is shutting down, or the job's lease was lost. */
class ReleasedError extends Error {
  override name = 'ReleasedError';
}

interface Running {
  readonly job: JobEntity;
  readonly token: string;
  readonly controller: AbortController;
}

/**
 * Runs one attempt of a job, identically under Bull and under the in-process runner: claims the
 * job record with a lease, calls its handler in a fresh ORM context and logging context, and
 * records the outcome. The transports only decide *when* attempts happen.
 *
 * A lease makes sure no job is stuck or lost: the claim takes it, a heartbeat (every third of
 * JOB_LOCK_MS) renews the leases of every attempt running here, and the attempt's writes are
 * conditional on it. If this process dies, stops, or cannot reach the database for longer than
 * the lease, the lease lapses and any instance's JobOutbox runs the job again. The database going
 * away under an attempt is not the job's fault: the claim and the outcome are retried until it is
 * back, and an attempt that failed because of it is given back instead of counted.
 */
@Injectable()
export class JobRunner implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(JobRunner.name);
  private readonly repeats = new RepeatFilter();
  /** By lease token: a job can run here twice for a moment (a lapsed lease taken over here). */
  private readonly running = new Map<string, Running>();
  private readonly finished = new Set<(job: JobEntity) => unknown>();
  private unsubscribe?: Unsubscribe;
  private heartbeat?: BackgroundWork;
  private renewFailed = false;
  private stopping = false;

  constructor(
    private readonly repository: JobsRepository,
    private readonly registry: JobRegistry,
    private readonly metrics: MetricsService,
    private readonly events: EventBus,
    private readonly db: DbContext,
    private readonly pino: PinoLogger,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = this.events.subscribe<{ jobId: string }>(JOB_CANCELLED_TOPIC, ({ jobId }) => {
      for (const r of this.running.values()) if (r.job.id === jobId) r.controller.abort(new JobCancelledError());
    });
  }

  onApplicationShutdown(): Promise<void> {
    this.unsubscribe?.();
    return this.stopHeartbeat();
  }

  /** Called after every attempt that ended its job (completed, failed for good, cancelled). */
  onFinished(listener: (job: JobEntity) => unknown): () => void {
    this.finished.add(listener);
    return () => this.finished.delete(listener);
  }

  /** A job ended without an attempt here (JobOutbox failed one whose workers kept dying). */
  async notifyFinished(job: JobEntity): Promise<void> {
    for (const listener of this.finished) await listener(job);
  }

  get activeCount(): number {
    return this.running.size;
  }

  private get leaseMs(): number {
    return this.config.jobs.lockMs;
  }

  private backoffDelay(attempt: number): number {
    return this.config.jobs.backoffMs * 2 ** Math.max(0, attempt - 1);
  }

  /**
   * Shutdown, once running attempts had their time: hands every one still running back to the
   * queue at once (not counted as an attempt), so another instance or the next start runs it
   * without waiting for its lease to lapse; their handlers are aborted. No new claims after this.
   */
  async releaseAll(): Promise<number> {
    this.stopping = true;
    const running = [...this.running.values()];
    await Promise.all(
      running.map(async ({ job, token, controller }) => {
        controller.abort(new ReleasedError('the instance running it shut down'));
        await this.repository
          .scheduleRetry(job.id, token, null, new Date(), false)
          .catch((error: unknown) =>
            this.logger.warn(`could not release job ${job.id} (its lease will lapse): ${(error as Error).message}`),
          );
      }),
    );
    if (running.length > 0) this.logger.log(`released ${running.length} unfinished job(s) back to the queue`);
    return running.length;
  }

  /** No new claims: the transport is stopping (running attempts go on). */
  stopClaiming(): void {
    this.stopping = true;
  }

  async execute(jobId: string): Promise<AttemptOutcome> {
    if (this.stopping) return { kind: 'skipped' };
    const job = await this.untilDatabase('claim the job', () =>
      this.repository.claim(jobId, INSTANCE_ID, this.leaseMs),
    );
    if (!job || this.stopping) {
      if (job) await this.repository.scheduleRetry(job.id, job.leaseToken!, null, new Date(), false).catch(() => false);
      return { kind: 'skipped' };
    }
    const token = job.leaseToken!;
    const attempt = job.attempts;
    const handler = this.registry.get(job.name);
    const labels = { queue: job.queue, name: job.name };
    const stopTimer = this.metrics.jobDuration.startTimer(labels);
    const controller = new AbortController();
    this.running.set(token, { job, token, controller });
    this.startHeartbeat();

    const outcome = await this.pino.runInContext(
      async (): Promise<AttemptOutcome> => {
        this.logger.log(`job started (attempt ${attempt}/${job.maxAttempts})`);
        // Progress goes to live streams at once and to the job record at most every interval.
        const stored = new Coalescer<{ progress: number; detail?: Record<string, unknown> }>(
          this.config.jobs.progressIntervalMs,
          async ({ progress, detail }) => {
            if (!(await this.repository.setProgress(jobId, token, progress, detail))) {
              controller.abort(new JobCancelledError());
            }
          },
          (error) => {
            this.repeats.warn(this.logger, `could not record job progress: ${errorMessage(error)}`);
          },
        );
        let lastDetail: Record<string, unknown> | undefined;
        try {
          if (!handler) throw new PermanentJobError(`no handler is registered for job "${job.name}"`);
          const context: JobContext = {
            jobId,
            attempt,
            maxAttempts: job.maxAttempts,
            signal: controller.signal,
            progress: async (percent, detail) => {
              if (controller.signal.aborted) throw abortReason(controller);
              const clamped = Math.max(0, Math.min(100, Math.round(percent)));
              lastDetail = detail ?? lastDetail;
              await this.events
                .publish(jobProgressTopic(jobId), { jobId, progress: clamped, detail } satisfies JobProgressEvent)
                .catch(() => undefined);
              // A progress write the database could not take is not worth failing the attempt for.
              await stored.push({ progress: clamped, detail }).catch((error: unknown) => {
                if (!isConnectionFailure(error)) throw error;
              });
              if (controller.signal.aborted) throw abortReason(controller);
            },
          };
          const result = await this.db.isolated(() => handler.handle(job.payload as never, context));
          await stored.close();
          const aborted = this.abortedOutcome(controller);
          if (aborted) return aborted;
          await this.untilDatabase('record the outcome', () =>
            this.repository.complete(jobId, token, result ?? null, lastDetail),
          );
          this.logger.log('job completed');
          return { kind: 'completed' };
        } catch (error) {
          await stored.close().catch(() => undefined);
          return this.onError(job, token, attempt, controller, error, lastDetail);
        }
      },
      { bindings: { jobId, queue: job.queue, job: job.name, attempt } },
    );

    this.running.delete(token);
    if (this.running.size === 0) void this.stopHeartbeat();
    const metricOutcome = outcome.kind === 'skipped' ? 'cancelled' : outcome.kind;
    this.metrics.jobsTotal.inc({ ...labels, outcome: metricOutcome });
    stopTimer({ outcome: metricOutcome });
    if (outcome.kind !== 'skipped') {
      await this.events
        .publish(jobProgressTopic(jobId), { jobId, outcome: outcome.kind } satisfies JobProgressEvent)
        .catch(() => undefined);
    }
    if (outcome.kind !== 'retry' && outcome.kind !== 'released') await this.notifyFinished(job);
    return outcome;
  }

  private abortedOutcome(controller: AbortController): AttemptOutcome | null {
    if (!controller.signal.aborted) return null;
    const reason: unknown = controller.signal.reason;
    if (reason instanceof ReleasedError) return { kind: 'released', reason: reason.message };
    return { kind: 'cancelled' };
  }

  private async onError(
    job: JobEntity,
    token: string,
    attempt: number,
    controller: AbortController,
    error: unknown,
    detail: Record<string, unknown> | undefined,
  ): Promise<AttemptOutcome> {
    const aborted = this.abortedOutcome(controller);
    if (aborted?.kind === 'released') {
      this.logger.log(`job handed back: ${aborted.reason}`);
      return aborted;
    }
    if (aborted || error instanceof JobCancelledError) {
      this.logger.log('job cancelled');
      return { kind: 'cancelled' };
    }
    const message = (error instanceof Error ? error.message : String(error)).slice(0, MAX_ERROR_LENGTH);
    if (isConnectionFailure(error)) {
      // The database went away under the handler: not the job's fault, so the attempt is given
      // back, and the job runs again once the database answers (the write below waits for it).
      const delayMs = Math.min(this.config.jobs.backoffMs, 5000);
      this.logger.warn(`job attempt interrupted by the database, running it again once it is back: ${message}`);
      await this.untilDatabase('hand the job back', () =>
        this.repository.scheduleRetry(job.id, token, message, new Date(Date.now() + delayMs), false),
      );
      return { kind: 'released', reason: 'the database was unavailable' };
    }
    const permanent = error instanceof PermanentJobError;
    if (permanent || attempt >= job.maxAttempts) {
      this.logger.error({ err: error }, `job failed: ${message}`);
      await this.untilDatabase('record the failure', () => this.repository.fail(job.id, token, message, detail));
      return { kind: 'failed', error: message, permanent };
    }
    const delayMs = this.backoffDelay(attempt);
    this.logger.warn({ err: error }, `job attempt failed, retrying in ${delayMs} ms: ${message}`);
    await this.untilDatabase('schedule the retry', () =>
      this.repository.scheduleRetry(job.id, token, message, new Date(Date.now() + delayMs)),
    );
    return { kind: 'retry', delayMs, error: message };
  }

  /**
   * Runs a write of the job's own state until the database takes it: retried (250 ms doubling to
   * 5 s) while it fails to connect, for as long as the lease would have lasted — past that, the
   * lease has lapsed, another instance may run the job, and this write would be refused anyway.
   */
  private async untilDatabase<T>(what: string, write: () => Promise<T>): Promise<T> {
    const giveUpAt = Date.now() + this.leaseMs;
    let wait = 250;
    let warned = false;
    for (;;) {
      try {
        const result = await write();
        if (warned) this.logger.log(`the database is back: could ${what}`);
        return result;
      } catch (error) {
        if (!isConnectionFailure(error) || Date.now() + wait > giveUpAt) throw error;
        if (!warned) {
          // Once per outage and kind of write, however many deliveries of the job try again.
          this.repeats.warn(
            this.logger,
            `could not ${what}, the database is unavailable; trying again until it is back`,
          );
        }
        warned = true;
        await sleep(wait);
        wait = Math.min(wait * 2, 5000);
      }
    }
  }

  private startHeartbeat(): void {
    if (this.heartbeat) return;
    this.heartbeat = new BackgroundWork();
    this.heartbeat.every(Math.max(100, Math.floor(this.leaseMs / 3)), () => this.renew());
  }

  private async stopHeartbeat(): Promise<void> {
    const heartbeat = this.heartbeat;
    this.heartbeat = undefined;
    await heartbeat?.stop();
  }

  /** Renews the leases of the attempts running here; one that was lost (reaped, cancelled) is aborted. */
  private async renew(): Promise<void> {
    const running = [...this.running.values()];
    if (running.length === 0) return;
    try {
      const held = await this.repository.renewLeases(
        running.map((r) => r.token),
        this.leaseMs,
      );
      if (this.renewFailed) this.logger.log('job leases renewed again');
      this.renewFailed = false;
      for (const r of running) {
        if (!held.has(r.token) && this.running.has(r.token)) {
          r.controller.abort(new ReleasedError('its lease was lost (cancelled, or run elsewhere)'));
        }
      }
    } catch (error) {
      // Logged once per outage, not once per beat.
      if (!this.renewFailed) this.logger.warn(`could not renew job leases: ${(error as Error).message}`);
      this.renewFailed = true;
    }
  }
}

function abortReason(controller: AbortController): Error {
  const reason: unknown = controller.signal.reason;
  return reason instanceof Error ? reason : new JobCancelledError();
}
