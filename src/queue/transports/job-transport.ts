export interface DispatchedJob {
  id: string;
  queue: string;
  name: string;
  maxAttempts: number;
  /** Delay before the first attempt. */
  delayMs: number;
}

export interface TransportHealth {
  ok: boolean;
  detail: string;
}

/**
 * Decides when attempts of a job run — Bull on Redis in server mode, an in-process scheduler in
 * zero-setup mode. What an attempt does is always {@link JobRunner.execute}; the job record in
 * Postgres is the source of truth in both.
 */
export abstract class JobTransport {
  abstract readonly kind: 'bull' | 'local';
  /** Hands a queued job to the transport; idempotent per job id. */
  abstract dispatch(job: DispatchedJob): Promise<void>;
  /** Hands several queued jobs over at once. */
  async dispatchMany(jobs: readonly DispatchedJob[]): Promise<void> {
    for (const job of jobs) await this.dispatch(job);
  }
  /** Drops a cancelled job that has not started; a running one is aborted via the event bus. */
  abstract remove(job: { id: string; queue: string }): Promise<void>;
  /** Starts working on the given queues (called once handlers are known). */
  abstract start(queues: string[]): Promise<void>;
  /** Stops taking new jobs and waits, at most `timeoutMs`, for running ones. */
  abstract stop(timeoutMs: number): Promise<void>;
  abstract health(): Promise<TransportHealth>;
}
