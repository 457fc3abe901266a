import { Logger } from '@nestjs/common';
import { type AppConfig } from '../../config/app-config';
import { JobState } from '../job.entity';
import { type JobRunner } from '../job-runner';
import { type JobsRepository } from '../jobs.repository';
import { type DispatchedJob, JobTransport, type TransportHealth } from './job-transport';

interface Pending {
  id: string;
  attempt: number;
  timer?: NodeJS.Timeout;
}

/**
 * Zero-setup mode: runs jobs in this process with per-queue concurrency and backoff timers.
 * Durable through the job records: at start it picks up every unfinished job, including ones
 * a previous process was running when it died.
 */
export class LocalJobTransport extends JobTransport {
  readonly kind = 'local';
  private readonly logger = new Logger(LocalJobTransport.name);
  private readonly ready = new Map<string, Pending[]>();
  private readonly known = new Map<string, Pending>();
  private readonly active = new Map<string, number>();
  private readonly idle = new Set<() => void>();
  private started = false;
  private stopped = false;

  constructor(
    private readonly runner: JobRunner,
    private readonly repository: JobsRepository,
    private readonly config: AppConfig,
  ) {
    super();
  }

  async start(queues: string[]): Promise<void> {
    this.started = true;
    for (const q of queues) this.ready.set(q, []);
    const unfinished = await this.repository.findUnfinished(queues);
    for (const job of unfinished) {
      // An 'active' job was interrupted mid-attempt: run that attempt again, as Bull does with stalled jobs.
      const attempt = (job.state as JobState) === JobState.Active ? Math.max(1, job.attempts) : job.attempts + 1;
      this.schedule(job.queue, { id: job.id, attempt }, job.runAt.getTime() - Date.now());
    }
    if (unfinished.length > 0) this.logger.log(`resumed ${unfinished.length} unfinished job(s)`);
  }

  dispatch(job: DispatchedJob): Promise<void> {
    // Not a worker (JOB_WORKER=false): the job waits in the database for the next one to start.
    if (this.started && !this.known.has(job.id)) this.schedule(job.queue, { id: job.id, attempt: 1 }, job.delayMs);
    return Promise.resolve();
  }

  remove(job: { id: string; queue: string }): Promise<void> {
    const pending = this.known.get(job.id);
    if (pending?.timer) clearTimeout(pending.timer);
    const list = this.ready.get(job.queue);
    const index = list?.findIndex((p) => p.id === job.id) ?? -1;
    if (list && index >= 0) {
      list.splice(index, 1);
      this.known.delete(job.id);
    } else if (pending?.timer) {
      this.known.delete(job.id);
    }
    return Promise.resolve();
  }

  async stop(timeoutMs: number): Promise<void> {
    this.stopped = true;
    for (const pending of this.known.values()) if (pending.timer) clearTimeout(pending.timer);
    if (this.totalActive() === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.idle.add(done);
    });
  }

  health(): Promise<TransportHealth> {
    const ok = this.started && !this.stopped;
    return Promise.resolve({ ok, detail: ok ? `in-process, ${this.totalActive()} active` : 'stopped' });
  }

  private schedule(queue: string, pending: Pending, delayMs: number): void {
    if (this.stopped) return;
    this.known.set(pending.id, pending);
    const enqueue = (): void => {
      pending.timer = undefined;
      if (!this.ready.has(queue)) this.ready.set(queue, []);
      this.ready.get(queue)!.push(pending);
      this.pump(queue);
    };
    if (delayMs > 0) {
      pending.timer = setTimeout(enqueue, delayMs);
      pending.timer.unref();
    } else {
      enqueue();
    }
  }

  private pump(queue: string): void {
    const list = this.ready.get(queue) ?? [];
    while (
      !this.stopped &&
      list.length > 0 &&
      (this.active.get(queue) ?? 0) < (this.config.jobs.queueConcurrency[queue] ?? this.config.jobs.concurrency)
    ) {
      const next = list.shift()!;
      this.active.set(queue, (this.active.get(queue) ?? 0) + 1);
      void this.run(queue, next);
    }
  }

  private async run(queue: string, pending: Pending): Promise<void> {
    try {
      const outcome = await this.runner.execute(pending.id, pending.attempt);
      this.known.delete(pending.id);
      if (outcome.kind === 'retry') {
        this.schedule(queue, { id: pending.id, attempt: pending.attempt + 1 }, outcome.delayMs);
      }
    } catch (error) {
      // The runner records handler errors itself; this is the database failing under it.
      // The record is still unfinished: try the same attempt again later.
      this.known.delete(pending.id);
      const delayMs = Math.min(60_000, this.runner.backoffDelay(pending.attempt));
      this.logger.error({ err: error }, `could not run job ${pending.id}; trying again in ${delayMs} ms`);
      this.schedule(queue, pending, delayMs);
    } finally {
      this.active.set(queue, (this.active.get(queue) ?? 1) - 1);
      if (this.totalActive() === 0) for (const resolve of this.idle) resolve();
      this.pump(queue);
    }
  }

  private totalActive(): number {
    let n = 0;
    for (const count of this.active.values()) n += count;
    return n;
  }
}
