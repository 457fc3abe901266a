import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { LocalEmbeddingProvider } from '../src/embeddings/local-embedding.provider';

export interface FakeLlmOptions {
  /** Delay before each embeddings answer (a slow embedding model makes an ingestion last a while). */
  embeddingDelayMs?: number;
  /** Delay between streamed words, and how many words a stream has (a stream to interrupt). */
  streamDelayMs?: number;
  streamWords?: number;
}

/**
 * An OpenAI-compatible server: chat completions that answer at once (plain or streamed), citing
 * source 1, so a benchmark measures Folio, not a model; and deterministic embeddings (the local
 * provider's vectors at the requested size). The options slow it down for fault drills.
 */
export async function startInstantLlm(
  options: FakeLlmOptions = {},
): Promise<{ baseUrl: string; calls: () => number; stop: () => Promise<void> }> {
  let calls = 0;
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      calls++;
      const body = JSON.parse(raw || '{}') as {
        model?: string;
        stream?: boolean;
        input?: string | string[];
        dimensions?: number;
      };
      if (req.url?.endsWith('/embeddings')) {
        const input = Array.isArray(body.input) ? body.input : [body.input ?? ''];
        const provider = new LocalEmbeddingProvider(body.dimensions ?? 1536);
        const payload = JSON.stringify({
          object: 'list',
          data: input.map((text, index) => ({
            object: 'embedding',
            index,
            embedding: Array.from(provider.embedOne(text)),
          })),
          model: body.model,
          usage: { prompt_tokens: 0, total_tokens: 0 },
        });
        setTimeout(() => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(payload);
        }, options.embeddingDelayMs ?? 0);
        return;
      }
      const text = 'The notebook answers this directly [1].';
      const usage = {
        prompt_tokens: Math.ceil(raw.length / 4),
        completion_tokens: 8,
        total_tokens: Math.ceil(raw.length / 4) + 8,
      };
      const base = { id: 'chatcmpl-bench', created: Math.floor(Date.now() / 1000), model: body.model ?? 'bench' };
      if (!body.stream) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            ...base,
            object: 'chat.completion',
            choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
            usage,
          }),
        );
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = (delta: object, finish: string | null) =>
        `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
      const words = text.split(' ');
      while (words.length < (options.streamWords ?? 0)) words.push(...text.split(' '));
      const parts = [
        chunk({ role: 'assistant', content: '' }, null),
        ...words.map((w) => chunk({ content: `${w} ` }, null)),
        chunk({}, 'stop') +
          `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [], usage })}\n\n` +
          'data: [DONE]\n\n',
      ];
      if (!options.streamDelayMs) {
        res.end(parts.join(''));
        return;
      }
      const next = (): void => {
        if (res.destroyed) return;
        const part = parts.shift();
        if (part === undefined) return void res.end();
        res.write(part);
        setTimeout(next, options.streamDelayMs);
      };
      next();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    calls: () => calls,
    stop: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
