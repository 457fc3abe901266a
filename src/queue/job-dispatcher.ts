import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { type AppConfig } from '../config/app-config';
import { InjectConfig } from '../config/config.module';
import { type JobEntity } from './job.entity';
import { JobRunner } from './job-runner';
import { JobsRepository } from './jobs.repository';
import { BackgroundWork } from '../common/background';
import { errorMessage } from '../common/errors';
import { RepeatFilter } from '../common/repeat-filter';
import { JobOutbox } from './job-outbox';

/** How often every instance looks for owners whose turn was missed (an instance died mid-way). */
const SWEEP_MS = 5000;

/**
 * Fair scheduling across users. A job of a fair queue (ingestion) is recorded undispatched; an
 * owner has at most `ownerConcurrency[queue]` jobs handed to the transport at a time (queued
 * there or running, on any instance), and the next one is handed over when one of those
 * finishes. The transport runs what it holds in order, so users with backlogs take turns, and a
 * user who adds one small source while someone else's batch of thousands is ingesting waits for a
 * free slot, not for the batch. With fewer per user than slots per instance, one is always free.
 *
 * The database is the source of truth: if an instance dies between a job's end and its owner's
 * next turn, every instance's periodic sweep hands the waiting jobs over.
 */
@Injectable()
export class JobDispatcher implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(JobDispatcher.name);
  private readonly repeats = new RepeatFilter();
  private readonly work = new BackgroundWork();
  private unsubscribe?: () => void;

  constructor(
    private readonly repository: JobsRepository,
    private readonly outbox: JobOutbox,
    private readonly runner: JobRunner,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  /** Whether jobs of `queue` from an owner wait for their turn. */
  isFair(queue: string): boolean {
    return this.config.jobs.ownerConcurrency[queue] !== undefined;
  }

  onModuleInit(): void {
    this.unsubscribe = this.runner.onFinished((job) => this.nextTurn(job));
  }

  /** Starts the sweep (workers only, once the transport runs); also hands over what waits now. */
  async start(): Promise<void> {
    await this.sweep();
    this.work.every(SWEEP_MS, () => this.sweep());
  }

  /** Stops the sweep and waits for one still running. */
  stop(): Promise<void> {
    return this.work.stop();
  }

  onApplicationShutdown(): Promise<void> {
    this.unsubscribe?.();
    return this.stop();
  }

  /** Hands an owner's waiting jobs of a fair queue to the transport, as many as their turn allows. */
  async feed(queue: string, ownerId: string): Promise<void> {
    const max = this.config.jobs.ownerConcurrency[queue];
    if (max === undefined) return;
    const turns = await this.repository.takeTurns(queue, ownerId, max);
    // Their turn is recorded; the outbox hands them over (at once, or once the transport is back).
    await this.outbox.handOver(turns);
  }

  /** A job finished (or was cancelled): its owner's next job, if one waits, takes its place. */
  async nextTurn(job: Pick<JobEntity, 'queue' | 'ownerId'>): Promise<void> {
    if (!job.ownerId || !this.isFair(job.queue)) return;
    try {
      await this.feed(job.queue, job.ownerId);
    } catch (error) {
      // The sweep tries again in a few seconds.
      this.logger.warn(`could not hand over the next job of ${job.ownerId}: ${(error as Error).message}`);
    }
  }

  private async sweep(): Promise<void> {
    for (const [queue, max] of Object.entries(this.config.jobs.ownerConcurrency)) {
      try {
        for (const owner of await this.repository.ownersWaiting(queue, max)) await this.feed(queue, owner);
      } catch (error) {
        this.repeats.warn(this.logger, `could not hand over waiting jobs of queue ${queue}: ${errorMessage(error)}`);
      }
    }
  }
}
