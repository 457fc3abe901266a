import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';

export interface Backend {
  name: string;
  port: number;
  healthy: boolean;
}

/** Errors that happen before a backend has read anything of the request: safe to retry for any method. */
const NOT_SENT = new Set(['ECONNREFUSED']);

/**
 * A small HTTP load balancer that behaves like nginx's defaults in front of Folio: round-robin
 * over the backends whose last active health check (GET /health/ready every `intervalMs`) passed,
 * or over all of them when none did; one connection per request (nginx's HTTP/1.0 upstream
 * default); and `proxy_next_upstream error`: a request that could not be passed to a backend is
 * tried on the next one (any method when the connection was refused, idempotent ones also when
 * the backend failed before its response headers). Counts what it retried and what it answered 502.
 */
export class Balancer {
  readonly backends: Backend[];
  retried = 0;
  private next = 0;
  private server?: Server;
  private timer?: NodeJS.Timeout;
  port = 0;

  constructor(
    backends: { name: string; port: number }[],
    private readonly intervalMs = 1000,
  ) {
    this.backends = backends.map((b) => ({ ...b, healthy: false }));
  }

  async start(): Promise<this> {
    await this.check();
    this.timer = setInterval(() => void this.check(), this.intervalMs);
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async check(): Promise<void> {
    await Promise.all(
      this.backends.map(async (backend) => {
        try {
          const res = await fetch(`http://127.0.0.1:${backend.port}/health/ready`, {
            signal: AbortSignal.timeout(this.intervalMs),
          });
          await res.arrayBuffer();
          backend.healthy = res.status === 200;
        } catch {
          backend.healthy = false;
        }
      }),
    );
  }

  private pick(exclude: Set<Backend>): Backend | undefined {
    const healthy = this.backends.filter((b) => b.healthy && !exclude.has(b));
    const pool = healthy.length > 0 ? healthy : this.backends.filter((b) => !exclude.has(b));
    if (pool.length === 0) return undefined;
    return pool[this.next++ % pool.length];
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const idempotent = req.method === 'GET' || req.method === 'HEAD';
    const tried = new Set<Backend>();
    for (;;) {
      const backend = this.pick(tried);
      if (!backend) {
        res.writeHead(502, { 'content-type': 'application/json', 'x-drill-proxy': 'no backend' });
        res.end(JSON.stringify({ statusCode: 502, message: 'Bad gateway: no backend could take the request' }));
        return;
      }
      tried.add(backend);
      const outcome = await this.forward(backend, req, body, res);
      if (outcome === 'done') return;
      const retry = outcome === 'refused' || (outcome === 'before-headers' && idempotent);
      if (!retry) {
        res.writeHead(502, { 'content-type': 'application/json', 'x-drill-proxy': outcome });
        res.end(JSON.stringify({ statusCode: 502, message: `Bad gateway: ${backend.name} failed (${outcome})` }));
        return;
      }
      this.retried++;
    }
  }

  /** Passes one request to a backend and streams its response back. */
  private forward(
    backend: Backend,
    req: IncomingMessage,
    body: Buffer,
    res: ServerResponse,
  ): Promise<'done' | 'refused' | 'before-headers'> {
    return new Promise((resolve) => {
      const upstream = request(
        {
          host: '127.0.0.1',
          port: backend.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, connection: 'close', 'content-length': String(body.length) },
          agent: false,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, { ...answer.headers, 'x-drill-backend': backend.name });
          answer.pipe(res);
          // The backend died mid-response: the client sees its connection cut, as behind nginx.
          answer.on('error', () => res.destroy());
          answer.on('aborted', () => res.destroy());
          answer.on('end', () => resolve('done'));
          res.on('close', () => resolve('done'));
        },
      );
      upstream.on('error', (error: NodeJS.ErrnoException) => {
        if (res.headersSent) {
          res.destroy();
          resolve('done');
        } else resolve(NOT_SENT.has(error.code ?? '') ? 'refused' : 'before-headers');
      });
      upstream.end(body);
    });
  }
}
