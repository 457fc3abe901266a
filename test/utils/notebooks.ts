import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { bearer, type Target } from './auth';
import { eventually } from './test-app';

export interface SourceBody {
  id: string;
  title: string;
  status: string;
  error: string | null;
  chunkCount: number;
  jobId: string | null;
  duplicate?: boolean;
  [key: string]: unknown;
}

export const fixture = (name: string): Buffer => readFileSync(join(__dirname, '../fixtures', name));

export async function createNotebook(http: Target, token: string, name = 'Notebook'): Promise<string> {
  const res = await request(http)
    .post('/api/v1/notebooks')
    .set(...bearer(token))
    .send({ name })
    .expect(201);
  return (res.body as { id: string }).id;
}

export function upload(http: Target, token: string, notebookId: string, files: { name: string; data: Buffer }[]) {
  const req = request(http)
    .post(`/api/v1/notebooks/${notebookId}/sources`)
    .set(...bearer(token));
  for (const file of files) req.attach('files', file.data, file.name);
  return req;
}

export async function uploadOne(
  http: Target,
  token: string,
  notebookId: string,
  name: string,
  data = fixture(name),
): Promise<SourceBody> {
  const res = await upload(http, token, notebookId, [{ name, data }]).expect(201);
  return (res.body as { sources: SourceBody[] }).sources[0];
}

const TERMINAL = ['ready', 'failed', 'cancelled'];

/** Polls a source until it reaches a terminal status (ready, failed, cancelled). */
export async function settled(
  http: Target,
  token: string,
  notebookId: string,
  sourceId: string,
  timeoutMs = 60_000,
): Promise<SourceBody> {
  return eventually(
    async () => {
      const res = await request(http)
        .get(`/api/v1/notebooks/${notebookId}/sources/${sourceId}`)
        .set(...bearer(token))
        .expect(200);
      const body = res.body as SourceBody;
      return TERMINAL.includes(body.status) ? body : undefined;
    },
    timeoutMs,
    50,
  );
}

export async function search(http: Target, token: string, notebookId: string, query: string, k = 5) {
  const res = await request(http)
    .post(`/api/v1/notebooks/${notebookId}/search`)
    .set(...bearer(token))
    .send({ query, k })
    .expect(200);
  return (
    res.body as {
      hits: { sourceId: string; sourceTitle: string; text: string; position: Record<string, unknown>; score: number }[];
    }
  ).hits;
}
