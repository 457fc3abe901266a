export interface Sample {
  /** When the request was sent (ms since the epoch) and how long it took. */
  at: number;
  ms: number;
  route: string;
  /** HTTP status, or the client-side failure: `reset` (connection cut), `timeout`. */
  outcome: number | 'reset' | 'timeout';
}

export interface Route {
  name: string;
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
}

/**
 * Open-loop light load: one request every `everyMs` whatever the answers (as users keep clicking),
 * rotating over `routes`, each with a 10 s client timeout so a hang shows as `timeout`.
 */
export class Load {
  readonly samples: Sample[] = [];
  private timer?: NodeJS.Timeout;
  private readonly inFlight = new Set<Promise<void>>();
  private sent = 0;

  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
    private readonly routes: Route[],
    private readonly everyMs = 50,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.fire(), this.everyMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all(this.inFlight);
  }

  private fire(): void {
    const route = this.routes[this.sent++ % this.routes.length];
    const at = Date.now();
    const started = performance.now();
    const done = fetch(`${this.baseUrl}${route.path}`, {
      method: route.method,
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      body: route.body === undefined ? undefined : JSON.stringify(route.body),
      signal: AbortSignal.timeout(10_000),
    })
      .then(async (res) => {
        await res.arrayBuffer();
        return res.status;
      })
      .catch((error: unknown) =>
        error instanceof Error && error.name === 'TimeoutError' ? ('timeout' as const) : ('reset' as const),
      )
      .then((outcome) => {
        this.samples.push({ at, ms: performance.now() - started, route: route.name, outcome });
      });
    const tracked = done.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }
}

export interface WindowStats {
  sent: number;
  /** Every outcome other than 2xx, by status or failure: `{ 503: 12 }`. */
  failures: Record<string, number>;
  failed: number;
  p50: number;
  p95: number;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** The requests sent in [from, to). */
export function windowStats(samples: Sample[], from: number, to: number): WindowStats {
  const inside = samples.filter((s) => s.at >= from && s.at < to);
  const failures: Record<string, number> = {};
  for (const s of inside) {
    if (typeof s.outcome === 'number' && s.outcome < 400) continue;
    failures[String(s.outcome)] = (failures[String(s.outcome)] ?? 0) + 1;
  }
  const ms = inside.map((s) => s.ms);
  return {
    sent: inside.length,
    failures,
    failed: Object.values(failures).reduce((a, b) => a + b, 0),
    p50: percentile(ms, 50),
    p95: percentile(ms, 95),
  };
}

export function describeFailures(failures: Record<string, number>): string {
  const entries = Object.entries(failures);
  return entries.length === 0 ? 'none' : entries.map(([k, n]) => `${k}×${n}`).join(', ');
}
