export interface DispatchedJob {
  id: string;
  queue: string;
  name: string;
  /** Which hand-over of the job this is: with the id, it names the transport's copy. */
  delivery: number;
  maxAttempts: number;
  /** Delay before the attempt. */
  delayMs: number;
}

export interface TransportHealth {
  ok: boolean;
  detail: string;
}

/** The transport's name for one hand-over of a job: a new hand-over is never taken for an old one. */
export const deliveryId = (job: { id: string; delivery: number }): string => `${job.id}.${job.delivery}`;

/**
 * Decides when attempts of a job run — Bull on Redis in server mode, an in-process scheduler in
 * zero-setup mode. What an attempt does is always {@link JobRunner.execute}; the job record in
 * Postgres is the source of truth in both, and JobOutbox hands records over.
 */
export abstract class JobTransport {
  abstract readonly kind: 'bull' | 'local';
  private readonly recovered = new Set<() => void>();

  /** Hands a job over; idempotent per {@link deliveryId}. */
  abstract dispatch(job: DispatchedJob): Promise<void>;
  /** Hands several jobs over at once. */
  async dispatchMany(jobs: readonly DispatchedJob[]): Promise<void> {
    for (const job of jobs) await this.dispatch(job);
  }
  /** Whether a hand-over can succeed now (Redis connected; the in-process runner started). Never waits. */
  abstract accepting(): boolean;
  /** Drops a cancelled job that has not started; a running one is aborted via the event bus. */
  abstract remove(job: { id: string; queue: string; delivery: number }): Promise<void>;
  /** Starts working on the given queues (called once handlers are known). */
  abstract start(queues: string[]): Promise<void>;
  /** Stops taking new jobs and waits, at most `timeoutMs`, for running ones. */
  abstract stop(timeoutMs: number): Promise<void>;
  abstract health(): Promise<TransportHealth>;

  /** Called whenever the transport is reachable again after it was not (what it held may be gone). */
  onRecovered(listener: () => void): void {
    this.recovered.add(listener);
  }

  protected notifyRecovered(): void {
    for (const listener of this.recovered) listener();
  }
}
