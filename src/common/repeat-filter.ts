/**
 * Lets the first of a run of identical log lines through and holds back the repeats for a window,
 * then lets the next one through with the count it held back. Written here rather than taken from
 * a library because it is a map and a clock; measured by `npm run drill`: a 10 s database outage
 * under a request every 50 ms wrote 129 error lines with stack traces per instance (one per 503,
 * one per readiness probe), which this turns into one line per distinct message.
 */
export class RepeatFilter {
  private readonly runs = new Map<string, { since: number; held: number }>();

  constructor(
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 1000,
  ) {}

  /** Whether a line with this key is written now, and how many like it were held back before it. */
  admit(key: string): { write: boolean; held: number } {
    const now = this.now();
    const run = this.runs.get(key);
    if (run && now - run.since < this.windowMs) {
      run.held++;
      return { write: false, held: 0 };
    }
    const held = run?.held ?? 0;
    if (!run && this.runs.size >= this.maxKeys) this.forgetOld(now);
    this.runs.set(key, { since: now, held: 0 });
    return { write: true, held };
  }

  /** `message`, or `undefined` when it repeats one written within the window; says how many were held back. */
  filter(message: string, key = message): string | undefined {
    const { write, held } = this.admit(key);
    if (!write) return undefined;
    return held > 0 ? `${message} (${held} more like it held back)` : message;
  }

  /** Warns `message` through `logger` unless it repeats one written within the window. */
  warn(logger: { warn(message: string): void }, message: string): void {
    const line = this.filter(message);
    if (line) logger.warn(line);
  }

  private forgetOld(now: number): void {
    for (const [key, run] of this.runs) if (now - run.since >= this.windowMs) this.runs.delete(key);
    // Still full of live keys (many distinct messages): start over rather than grow without bound.
    if (this.runs.size >= this.maxKeys) this.runs.clear();
  }
}
