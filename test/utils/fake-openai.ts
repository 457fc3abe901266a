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
 * vectors) and /v1/chat/completions (plain and streamed). Tests script failures, delays and
 * replies, and see which streams the client abandoned.
 */
export class FakeOpenAi {
  readonly requests: RecordedRequest[] = [];
  /** Status codes to answer the next embedding requests with, in order (e.g. [500]). */
  failEmbeddings: number[] = [];
  embeddingDelayMs = 0;
  /** Overrides the size of returned vectors (to simulate a model of another dimension). */
  dimensionsOverride?: number;
  /** Status codes to answer the next chat requests with, in order (e.g. [500]). */
  failChat: number[] = [];
  /** Delay before a chat answer starts. */
  chatDelayMs = 0;
  /** Delay between streamed words. */
  streamDelayMs = 0;
  /** What the model says; by default it cites source 1 and an invented source 42. */
  reply: (body: ChatBody) => string = defaultReply;
  /** Streams whose client went away before the end. */
  abortedStreams = 0;
  completedStreams = 0;
  private server?: Server;

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/v1`;
  }

  /** The settings that point Folio's OpenAI client at this server. */
  get env(): { OPENAI_API_KEY: string; OPENAI_BASE_URL: string } {
    return { OPENAI_API_KEY: 'test-openai-key', OPENAI_BASE_URL: this.baseUrl };
  }

  /**
   * Ingestion through this server's embeddings, in many small batches (a job that takes a while,
   * to be interrupted mid-way), with no summary jobs competing for its scripted replies.
   */
  get ingestionEnv(): Record<string, string> {
    return {
      ...this.env,
      SUMMARIES_ENABLED: 'false',
      OPENAI_MAX_RETRIES: '0',
      EMBEDDING_PROVIDER: 'openai',
      EMBEDDING_BATCH_SIZE: '4',
      CHUNK_TARGET_TOKENS: '64',
      CHUNK_OVERLAP_TOKENS: '8',
    };
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
    if (path === '/v1/chat/completions') return this.chat(req, res, body as unknown as ChatBody);
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

  chatCalls(): RecordedRequest[] {
    return this.requests.filter((r) => r.path === '/v1/chat/completions');
  }

  private async chat(_req: IncomingMessage, res: ServerResponse, body: ChatBody): Promise<void> {
    const failure = this.failChat.shift();
    if (failure) return this.json(res, failure, { error: { message: 'scripted failure', type: 'server_error' } });
    let gone = false;
    res.on('close', () => {
      if (!res.writableFinished) gone = true;
    });
    if (this.chatDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.chatDelayMs));
    if (gone) return;
    const text = this.reply(body);
    const usage = {
      prompt_tokens: Math.ceil(JSON.stringify(body.messages).length / 4),
      completion_tokens: text.split(' ').length,
    };
    const base = { id: 'chatcmpl-fake', created: Math.floor(Date.now() / 1000), model: body.model };
    if (!body.stream) {
      return this.json(res, 200, {
        ...base,
        object: 'chat.completion',
        choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
        usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
      });
    }
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const send = (payload: unknown): void => {
      res.write(`data: ${JSON.stringify(payload)}\n\n`);
    };
    const chunk = (delta: Record<string, unknown>, finish: string | null) =>
      send({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] });
    chunk({ role: 'assistant', content: '' }, null);
    for (const word of text.match(/\S+\s*/g) ?? []) {
      if (this.streamDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.streamDelayMs));
      if (gone) {
        this.abortedStreams++;
        return;
      }
      chunk({ content: word }, null);
    }
    chunk({}, 'stop');
    if (body.stream_options?.include_usage) {
      send({
        ...base,
        object: 'chat.completion.chunk',
        choices: [],
        usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
      });
    }
    res.write('data: [DONE]\n\n');
    res.end();
    this.completedStreams++;
  }

  private json(res: ServerResponse, status: number, payload: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(payload));
  }
}

export interface ChatBody {
  model: string;
  messages: { role: string; content: string }[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  temperature?: number;
  max_tokens?: number;
}

/** The sources of the last user message, by number: `<source id="n" …>text</source>`. */
export function sourcesIn(body: ChatBody): Map<number, string> {
  const last = [...body.messages].reverse().find((m) => m.role === 'user')?.content ?? '';
  const out = new Map<number, string>();
  for (const m of last.matchAll(/<source id="(\d+)"[^>]*>\n([\s\S]*?)\n<\/source>/g)) out.set(Number(m[1]), m[2]);
  return out;
}

function defaultReply(body: ChatBody): string {
  const sources = sourcesIn(body);
  if (body.messages[0]?.content.startsWith('Summarise')) return 'A fake summary of the passages.';
  if (sources.size === 0) return 'I could not find this in the sources.';
  const first = sources.get(1)!.split(/(?<=\.)\s/)[0];
  return `${first} [1] This is also claimed by an invented source [42].`;
}
