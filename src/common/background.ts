/**
 * Periodic background work that a shutdown can stop cleanly: `every` runs a task on an interval
 * (unref'd, never two runs of one task at once), `run` starts a one-off task, and `stop` clears
 * the intervals and waits for whatever is still running — so nothing touches a connection pool
 * after it was closed. A task's error is passed to `onError` and never escapes.
 */
export class BackgroundWork {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();
  private stopped = false;

  constructor(private readonly onError: (error: unknown) => void = () => undefined) {}

  get isStopped(): boolean {
    return this.stopped;
  }

  every(ms: number, task: () => Promise<unknown>): void {
    if (this.stopped) return;
    let busy = false;
    const timer = setInterval(() => {
      if (busy || this.stopped) return;
      busy = true;
      void this.run(task).finally(() => (busy = false));
    }, ms);
    timer.unref();
    this.timers.push(timer);
  }

  /** Runs `task` now, tracked; resolves when it ended (never rejects). Nothing runs once stopped. */
  run(task: () => Promise<unknown>): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const running = task().then(
      () => undefined,
      (error: unknown) => this.onError(error),
    );
    this.inFlight.add(running);
    void running.finally(() => this.inFlight.delete(running));
    return running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers.splice(0)) clearInterval(timer);
    await Promise.allSettled([...this.inFlight]);
  }
}
