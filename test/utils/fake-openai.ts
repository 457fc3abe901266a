import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { LocalEmbeddingProvider } from '../../src/embeddings/local-embedding.provider';

export interface RecordedRequest {
  path: string;
  authorization: string | undefined;
  body: Record<string, unknown>;
}

/**
 * A small OpenAI-compatible HTTP server for tests, so the real `openai` client and Folio's real
 * code path run against something that answers like OpenAI: /v1/embeddings (deterministic
 * vectors) and, later, /v1/chat/completions. Tests script failures and delays.
 */
export class FakeOpenAi {
  readonly requests: RecordedRequest[] = [];
  /** Status codes to answer the next embedding requests with, in order (e.g. [500]). */
  failEmbeddings: number[] = [];
  embeddingDelayMs = 0;
  /** Overrides the size of returned vectors (to simulate a model of another dimension). */
  dimensionsOverride?: number;
  private server?: Server;

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/v1`;
  }

  embeddingCalls(): number {
    return this.requests.filter((r) => r.path === '/v1/embeddings').length;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let raw = '';
    for await (const chunk of req) raw += (chunk as Buffer).toString('utf8');
    const body = (raw ? JSON.parse(raw) : {}) as Record<string, unknown>;
    const path = (req.url ?? '').split('?')[0];
    this.requests.push({ path, authorization: req.headers.authorization, body });
    if (req.headers.authorization !== 'Bearer test-openai-key')
      return this.json(res, 401, { error: { message: 'bad key' } });
    if (path === '/v1/embeddings') return this.embeddings(res, body);
    return this.json(res, 404, { error: { message: `no route ${path}` } });
  }

  private async embeddings(res: ServerResponse, body: Record<string, unknown>): Promise<void> {
    const failure = this.failEmbeddings.shift();
    if (failure) return this.json(res, failure, { error: { message: 'scripted failure', type: 'server_error' } });
    if (this.embeddingDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.embeddingDelayMs));
    const input = Array.isArray(body.input) ? (body.input as string[]) : [body.input as string];
    const dims = this.dimensionsOverride ?? (typeof body.dimensions === 'number' ? body.dimensions : 1536);
    const provider = new LocalEmbeddingProvider(dims);
    const data = input.map((text, index) => ({
      object: 'embedding',
      index,
      embedding: Array.from(provider.embedOne(text)),
    }));
    this.json(res, 200, { object: 'list', data, model: body.model, usage: { prompt_tokens: 0, total_tokens: 0 } });
  }

  private json(res: ServerResponse, status: number, payload: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(payload));
  }
}
