import { Logger } from '@nestjs/common';
import { type AppConfig } from '../../config/app-config';
import { type JobRunner } from '../job-runner';
import { type DispatchedJob, JobTransport, type TransportHealth, deliveryId } from './job-transport';
import { errorMessage } from '../../common/errors';
import { RepeatFilter } from '../../common/repeat-filter';

interface Pending {
  key: string;
  id: string;
  timer?: NodeJS.Timeout;
}

/** How long running jobs may take to notice they were handed back before shutdown goes on. */
const RELEASE_GRACE_MS = 2000;

/**
 * Zero-setup mode: runs jobs in this process with per-queue concurrency and delay timers. Durable
 * through the job records: JobOutbox hands over what waits (at start too, including what a
 * previous process was running when it died), and the runner records every outcome.
 */
export class LocalJobTransport extends JobTransport {
  readonly kind = 'local';
  private readonly logger = new Logger(LocalJobTransport.name);
  private readonly repeats = new RepeatFilter();
  private readonly ready = new Map<string, Pending[]>();
  private readonly known = new Map<string, Pending>();
  private readonly active = new Map<string, number>();
  private readonly idle = new Set<() => void>();
  private started = false;
  private stopped = false;

  constructor(
    private readonly runner: JobRunner,
    private readonly config: AppConfig,
  ) {
    super();
  }

  start(queues: string[]): Promise<void> {
    this.started = true;
    for (const q of queues) this.ready.set(q, []);
    return Promise.resolve();
  }

  /** Not a worker (JOB_WORKER=false), or stopping: jobs wait in the database for the next one to start. */
  accepting(): boolean {
    return this.started && !this.stopped;
  }

  dispatch(job: DispatchedJob): Promise<void> {
    if (!this.accepting()) return Promise.reject(new Error('the in-process runner is not running'));
    const key = deliveryId(job);
    if (!this.known.has(key)) this.schedule(job.queue, { key, id: job.id }, job.delayMs);
    return Promise.resolve();
  }

  remove(job: { id: string; queue: string; delivery: number }): Promise<void> {
    const key = deliveryId(job);
    const pending = this.known.get(key);
    if (pending?.timer) clearTimeout(pending.timer);
    const list = this.ready.get(job.queue);
    const index = list?.findIndex((p) => p.key === key) ?? -1;
    if (list && index >= 0) {
      list.splice(index, 1);
      this.known.delete(key);
    } else if (pending?.timer) {
      this.known.delete(key);
    }
    return Promise.resolve();
  }

  async stop(timeoutMs: number): Promise<void> {
    this.stopped = true;
    this.runner.stopClaiming();
    for (const pending of this.known.values()) if (pending.timer) clearTimeout(pending.timer);
    await this.whenIdle(timeoutMs);
    // Past the timeout, what still runs goes back to the database at once: the next start runs it.
    if ((await this.runner.releaseAll()) > 0) await this.whenIdle(RELEASE_GRACE_MS);
  }

  health(): Promise<TransportHealth> {
    const ok = this.started && !this.stopped;
    return Promise.resolve({ ok, detail: ok ? `in-process, ${this.totalActive()} active` : 'stopped' });
  }

  private whenIdle(timeoutMs: number): Promise<void> {
    if (this.totalActive() === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.idle.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.idle.add(done);
    });
  }

  private schedule(queue: string, pending: Pending, delayMs: number): void {
    if (this.stopped) return;
    this.known.set(pending.key, pending);
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
      await this.runner.execute(pending.id);
      this.known.delete(pending.key);
    } catch (error) {
      // The runner waits out short database outages itself; past its patience, try again later.
      this.known.delete(pending.key);
      this.repeats.warn(
        this.logger,
        `job ${pending.id} could not run (${errorMessage(error)}); trying again every 5 s`,
      );
      this.schedule(queue, pending, 5000);
    } finally {
      this.active.set(queue, (this.active.get(queue) ?? 1) - 1);
      if (this.totalActive() === 0) for (const resolve of [...this.idle]) resolve();
      this.pump(queue);
    }
  }

  private totalActive(): number {
    let n = 0;
    for (const count of this.active.values()) n += count;
    return n;
  }
}
