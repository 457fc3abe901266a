import type { Server } from 'node:http';
import request from 'supertest';

export interface SseEvent {
  event: string;
  data: unknown;
}

/** Reads a Server-Sent Events response to its end and parses the events. */
export async function readEvents(
  http: Server,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; events: SseEvent[] }> {
  const res = await request(http)
    .get(path)
    .set(headers)
    .buffer(true)
    .parse((response, callback) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => callback(null, text));
    });
  if (res.status !== 200) return { status: res.status, events: [] };
  return { status: res.status, events: parseEvents(res.body as string) };
}

/** POSTs a JSON body and reads the Server-Sent Events response to its end. */
export async function postEvents(
  http: Server,
  path: string,
  headers: Record<string, string>,
  body: unknown,
): Promise<{ status: number; events: SseEvent[]; body: unknown }> {
  const res = await request(http)
    .post(path)
    .set(headers)
    .send(body as object)
    .buffer(true)
    .parse((response, callback) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => callback(null, text));
    });
  if (res.status !== 200) return { status: res.status, events: [], body: JSON.parse(res.body as string) as unknown };
  return { status: res.status, events: parseEvents(res.body as string), body: null };
}

export function parseEvents(text: string): SseEvent[] {
  const events: SseEvent[] = [];
  for (const block of text.split('\n\n')) {
    const lines = block.split('\n').filter((l) => l && !l.startsWith(':'));
    if (lines.length === 0) continue;
    const event =
      lines
        .find((l) => l.startsWith('event:'))
        ?.slice(6)
        .trim() ?? 'message';
    const data = lines
      .filter((l) => l.startsWith('data:'))
      .map((l) => l.slice(5).trim())
      .join('\n');
    events.push({ event, data: data && data !== '[DONE]' ? (JSON.parse(data) as unknown) : data });
  }
  return events;
}
