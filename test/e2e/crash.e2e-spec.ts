import { type ChildProcess } from 'node:child_process';
import request from 'supertest';
import { bearer, signup } from '../utils/auth';
import { query } from '../utils/db';
import { FakeOpenAi } from '../utils/fake-openai';
import { freePort, startEntryPoint } from '../utils/entry-point';
import { createNotebook, settled, uploadOne } from '../utils/notebooks';
import { createTestContext, eventually, startTestApp } from '../utils/test-app';

describe('a worker killed mid-job (SIGKILL)', () => {
  it('leaves the job to be retried, and it finishes with exactly one copy of the chunks', async () => {
    const fake = await new FakeOpenAi().start();
    const context = await createTestContext();
    const port = await freePort();
    const env = {
      ...context.env,
      ...fake.ingestionEnv,
      JOB_LOCK_MS: '1500',
    };
    const base = `http://127.0.0.1:${port}`;
    let child: ChildProcess | undefined = startEntryPoint({ ...env, PORT: String(port), HOST: '127.0.0.1' });
    try {
      await eventually(async () => ((await fetch(`${base}/health/ready`)).ok ? true : undefined), 90_000, 200);
      const user = await signup(base, 'crash');
      const notebook = await createNotebook(base, user.accessToken, 'Crash');
      fake.embeddingDelayMs = 150;
      const text = Array.from({ length: 40 }, (_, i) =>
        `Paragraph ${i} about the petrel colony and its burrows. `.repeat(6),
      ).join('\n\n');
      const source = await uploadOne(base, user.accessToken, notebook, 'crash.md', Buffer.from(`# Crash\n\n${text}`));
      await eventually(async () => {
        const res = await request(base)
          .get(`/api/v1/notebooks/${notebook}/sources/${source.id}`)
          .set(...bearer(user.accessToken));
        return res.body.status === 'embedding' && (res.body.progress as number) > 30 ? true : undefined;
      }, 60_000);
      child.kill('SIGKILL');
      await new Promise((resolve) => child!.once('exit', resolve));
      child = undefined;

      // A new instance takes over: the in-process runner resumes the interrupted job at start;
      // in server mode Bull notices the dead worker's lock expiring and re-runs it.
      fake.embeddingDelayMs = 0;
      const survivor = await startTestApp(context, env);
      try {
        const done = await settled(survivor.http, user.accessToken, notebook, source.id, 90_000);
        expect(done.status).toBe('ready');
        const [rows] = await query<{ n: number; ordinals: number }>(
          survivor,
          `select count(*)::int as n, count(distinct ordinal)::int as ordinals from chunks where source_id = '${source.id}'`,
        );
        expect(rows).toEqual({ n: done.chunkCount, ordinals: done.chunkCount });
        const job = await request(survivor.http)
          .get(`/api/v1/jobs/${source.jobId!}`)
          .set(...bearer(user.accessToken))
          .expect(200);
        expect(job.body.state).toBe('completed');
      } finally {
        await survivor.close();
      }
    } finally {
      child?.kill('SIGKILL');
      await fake.stop();
      await context.destroy();
    }
  });
});
