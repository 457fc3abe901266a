/**
 * Writes the latest of a stream of values at most once per interval. A value pushed after a quiet
 * interval is written at once (and the push waits for it); values pushed sooner are coalesced and
 * the last one is written when the interval ends, so what is stored is never more than
 * `intervalMs` behind. Writes never overlap and keep their order. Used for job progress: a job
 * that reports ten stages in 50 ms costs no intermediate writes, a long one is visible throughout.
 */
export class Coalescer<T> {
  private lastWrite: number;
  private pending?: { value: T };
  private timer?: NodeJS.Timeout;
  private inflight: Promise<void> = Promise.resolve();
  private closed = false;

  /**
   * @param write stores one value; errors of trailing writes go to `onError`, those of immediate
   *   writes to the caller of {@link push}.
   * @param startedAt when the state was last written (e.g. when the job was claimed).
   */
  constructor(
    private readonly intervalMs: number,
    private readonly write: (value: T) => Promise<void>,
    private readonly onError: (error: unknown) => void,
    startedAt = Date.now(),
  ) {
    this.lastWrite = startedAt;
  }

  push(value: T): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.pending = { value };
    const wait = this.lastWrite + this.intervalMs - Date.now();
    if (wait <= 0 && !this.timer) return this.flush();
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.flush().catch(this.onError);
    }, wait);
    return Promise.resolve();
  }

  /** Writes the pending value now, if any, and waits for writes in progress. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const next = this.pending;
    this.pending = undefined;
    if (next) {
      this.lastWrite = Date.now();
      this.inflight = this.inflight.catch(() => undefined).then(() => this.write(next.value));
    }
    return this.inflight;
  }

  /** Drops what is not written yet and waits for a write in progress; later pushes are ignored. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
    await this.inflight.catch(() => undefined);
  }
}
