import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { DbContext } from '../database/unit-of-work';
import { PinoLogger } from 'nestjs-pino';
import { Coalescer } from '../common/coalescer';
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
  /** Nothing to run: finished, cancelled or unknown job. */
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

/**
 * Runs one attempt of a job, identically under Bull and under the in-process runner: claims the
 * job record, calls its handler in a fresh ORM context and logging context, and records the
 * outcome. The transports only decide *when* attempts happen.
 */
@Injectable()
export class JobRunner implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(JobRunner.name);
  private readonly running = new Map<string, AbortController>();
  private readonly finished = new Set<(job: JobEntity) => unknown>();
  private unsubscribe?: Unsubscribe;

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
      this.running.get(jobId)?.abort(new JobCancelledError());
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  /** Called after every attempt that ended its job (completed, failed for good, cancelled). */
  onFinished(listener: (job: JobEntity) => unknown): () => void {
    this.finished.add(listener);
    return () => this.finished.delete(listener);
  }

  get activeCount(): number {
    return this.running.size;
  }

  backoffDelay(attempt: number): number {
    return this.config.jobs.backoffMs * 2 ** Math.max(0, attempt - 1);
  }

  async execute(jobId: string, attempt: number): Promise<AttemptOutcome> {
    const job = await this.repository.claim(jobId, attempt);
    if (!job) return { kind: 'skipped' };
    const handler = this.registry.get(job.name);
    const labels = { queue: job.queue, name: job.name };
    const stopTimer = this.metrics.jobDuration.startTimer(labels);
    const controller = new AbortController();
    this.running.set(jobId, controller);

    const outcome = await this.pino.runInContext(
      async (): Promise<AttemptOutcome> => {
        this.logger.log(`job started (attempt ${attempt}/${job.maxAttempts})`);
        // Progress goes to live streams at once and to the job record at most every interval.
        const stored = new Coalescer<{ progress: number; detail?: Record<string, unknown> }>(
          this.config.jobs.progressIntervalMs,
          async ({ progress, detail }) => {
            if (!(await this.repository.setProgress(jobId, progress, detail))) {
              controller.abort(new JobCancelledError());
            }
          },
          (error) => this.logger.warn({ err: error }, 'could not record job progress'),
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
              if (controller.signal.aborted) throw new JobCancelledError();
              const clamped = Math.max(0, Math.min(100, Math.round(percent)));
              lastDetail = detail ?? lastDetail;
              await this.events.publish(jobProgressTopic(jobId), {
                jobId,
                progress: clamped,
                detail,
              } satisfies JobProgressEvent);
              await stored.push({ progress: clamped, detail });
              if (controller.signal.aborted) throw new JobCancelledError();
            },
          };
          const result = await this.db.isolated(() => handler.handle(job.payload as never, context));
          await stored.close();
          if (controller.signal.aborted) return { kind: 'cancelled' };
          await this.repository.complete(jobId, result ?? null, lastDetail);
          this.logger.log('job completed');
          return { kind: 'completed' };
        } catch (error) {
          await stored.close();
          return this.onError(jobId, attempt, job.maxAttempts, controller, error, lastDetail);
        }
      },
      { bindings: { jobId, queue: job.queue, job: job.name, attempt } },
    );

    this.running.delete(jobId);
    const metricOutcome = outcome.kind === 'skipped' ? 'cancelled' : outcome.kind;
    this.metrics.jobsTotal.inc({ ...labels, outcome: metricOutcome });
    stopTimer({ outcome: metricOutcome });
    if (outcome.kind !== 'skipped') {
      await this.events
        .publish(jobProgressTopic(jobId), { jobId, outcome: outcome.kind } satisfies JobProgressEvent)
        .catch(() => undefined);
    }
    if (outcome.kind !== 'retry') for (const listener of this.finished) await listener(job);
    return outcome;
  }

  private async onError(
    jobId: string,
    attempt: number,
    maxAttempts: number,
    controller: AbortController,
    error: unknown,
    detail: Record<string, unknown> | undefined,
  ): Promise<AttemptOutcome> {
    if (controller.signal.aborted || error instanceof JobCancelledError) {
      this.logger.log('job cancelled');
      return { kind: 'cancelled' };
    }
    const message = (error instanceof Error ? error.message : String(error)).slice(0, MAX_ERROR_LENGTH);
    const permanent = error instanceof PermanentJobError;
    if (permanent || attempt >= maxAttempts) {
      this.logger.error({ err: error }, `job failed: ${message}`);
      await this.repository.fail(jobId, message, detail);
      return { kind: 'failed', error: message, permanent };
    }
    const delayMs = this.backoffDelay(attempt);
    this.logger.warn({ err: error }, `job attempt failed, retrying in ${delayMs} ms: ${message}`);
    await this.repository.scheduleRetry(jobId, message, new Date(Date.now() + delayMs));
    return { kind: 'retry', delayMs, error: message };
  }
}
