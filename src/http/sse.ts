import type { Request, Response } from 'express';

export interface SseEvent {
  event?: string;
  data: unknown;
}

/** Aborted when the client goes away before the response is complete. */
export function disconnectSignal(req: Request, res: Response): AbortSignal {
  const controller = new AbortController();
  const onClose = (): void => {
    if (!res.writableFinished) controller.abort();
  };
  res.on('close', onClose);
  req.on('aborted', onClose);
  return controller.signal;
}

/**
 * Writes events as Server-Sent Events (`event:` + one `data:` line of JSON, or a raw string) and
 * ends the response. Proxies are told not to buffer. Stops quietly if the client has gone.
 */
export async function sendSse(res: Response, events: AsyncIterable<SseEvent>, signal: AbortSignal): Promise<void> {
  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-cache, no-transform');
  res.setHeader('Connection', 'keep-alive');
  res.setHeader('X-Accel-Buffering', 'no');
  res.flushHeaders();
  for await (const item of events) {
    if (signal.aborted) break;
    const data = typeof item.data === 'string' ? item.data : JSON.stringify(item.data);
    res.write(`${item.event ? `event: ${item.event}\n` : ''}data: ${data}\n\n`);
  }
  res.end();
}
