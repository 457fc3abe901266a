import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';

/**
 * An OpenAI-compatible chat endpoint that answers at once (plain or streamed), citing source 1:
 * so a benchmark measures Folio, not a model.
 */
export async function startInstantLlm(): Promise<{ baseUrl: string; calls: () => number; stop: () => Promise<void> }> {
  let calls = 0;
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      calls++;
      const body = JSON.parse(raw || '{}') as { model?: string; stream?: boolean };
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
      res.end(
        chunk({ role: 'assistant', content: '' }, null) +
          text
            .split(' ')
            .map((w) => chunk({ content: `${w} ` }, null))
            .join('') +
          chunk({}, 'stop') +
          `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [], usage })}\n\n` +
          'data: [DONE]\n\n',
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    calls: () => calls,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
