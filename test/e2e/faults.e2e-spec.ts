import { Client } from 'pg';
import request from 'supertest';
import { JobsService } from '../../src/queue/jobs.service';
import { bearer, signup, type TestUser } from '../utils/auth';
import { query } from '../utils/db';
import { FakeOpenAi } from '../utils/fake-openai';
import { createNotebook, settled, upload, uploadOne } from '../utils/notebooks';
import { captureLogs, repeats } from '../utils/log-capture';
import { JobProbe, TestJobsModule } from '../utils/test-jobs.module';
import { proxyFor, type TcpProxy } from '../utils/tcp-proxy';
import {
  createTestContext,
  eventually,
  redisMode,
  serverMode,
  startTestApp,
  type TestApp,
  type TestContext,
} from '../utils/test-app';

interface JobRow {
  state: string;
  attempts: number;
  interruptions: number;
  lease_token: string | null;
  delivered_at: string | null;
  error: string | null;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A job's record, read straight from the test's database (not through the app, which may be cut off). */
async function jobRow(databaseUrl: string, id: string): Promise<JobRow> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<JobRow>(
      'select state, attempts, interruptions, lease_token, delivered_at, error from jobs where id = $1',
      [id],
    );
    return rows[0];
  } finally {
    await client.end();
  }
}

/** Milliseconds each of `n` sequential requests took. */
async function timings(
  n: number,
  send: () => Promise<{ status: number }>,
): Promise<{ ms: number[]; statuses: number[] }> {
  const ms: number[] = [];
  const statuses: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    statuses.push((await send()).status);
    ms.push(performance.now() - started);
  }
  return { ms, statuses };
}

(serverMode ? describe : describe.skip)('jobs and requests while the database is away (server mode)', () => {
  let context: TestContext;
  let proxy: TcpProxy;
  let sut: TestApp;
  let jobs: JobsService;
  let probe: JobProbe;
  let user: TestUser;
  const fake = new FakeOpenAi();

  beforeAll(async () => {
    await fake.start();
    context = await createTestContext();
    proxy = await proxyFor(context.databaseUrl!).start();
    sut = await startTestApp(
      context,
      {
        DATABASE_URL: proxy.rewrite(context.databaseUrl!),
        // Longer than any outage below: the attempts here keep their lease throughout.
        JOB_LOCK_MS: '15000',
        JOB_ATTEMPTS: '3',
        ...fake.ingestionEnv,
      },
      [TestJobsModule],
    );
    jobs = sut.app.get(JobsService);
    probe = sut.app.get(JobProbe);
    user = await signup(sut.http, 'db-outage');
  });

  afterAll(async () => {
    await proxy.resume().catch(() => undefined);
    await sut?.close().catch(() => undefined);
    await proxy?.cut();
    await context?.destroy();
    await fake.stop();
  });

  /** Cuts the database for `ms`, checking meanwhile that a request answers 503 at once. */
  async function outage(ms: number): Promise<void> {
    await proxy.cut();
    const started = Date.now();
    const res = await request(sut.http)
      .get('/api/v1/auth/me')
      .set(...bearer(user.accessToken));
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    await sleep(Math.max(0, ms - (Date.now() - started)));
    await proxy.resume();
  }

  // First in this block: a message said within the last minute is held back, and the tests below say these too.
  it('says a database outage once, not once per request, probe or retry', async () => {
    const capture = captureLogs();
    try {
      await proxy.cut();
      for (let i = 0; i < 10; i++) {
        await request(sut.http)
          .get('/api/v1/auth/me')
          .set(...bearer(user.accessToken))
          .expect(503);
        await request(sut.http).get('/health/ready').expect(503);
      }
      await sleep(2500); // the outbox and the reaper retry meanwhile
    } finally {
      await proxy.resume();
      capture.restore();
    }
    const http = capture.lines.filter((l) => l.context === 'HttpExceptions');
    expect(http.map((l) => `${l.level} ${l.message}`).sort()).toEqual([
      'warn answering 503 Not ready: database',
      expect.stringMatching(/^warn answering 503 The database is unavailable; try again shortly: /),
    ]);
    expect(repeats(capture.lines)[0]).toEqual([expect.any(String), 1]);
    await request(sut.http).get('/health/ready').expect(200);
  });

  it('a job whose outcome could not be recorded completes once the database is back, run once', async () => {
    const job = await jobs.enqueue('test.hold', 'outcome-during-outage', { tag: 'outcome', holdMs: 800 });
    await eventually(() => Promise.resolve(probe.count('outcome') === 1 ? true : undefined));
    await outage(3000); // the handler ends meanwhile: its "completed" cannot be written
    const done = await eventually(async () => {
      const row = await jobRow(context.databaseUrl!, job.id);
      return row.state === 'completed' ? row : undefined;
    }, 20_000);
    expect(done).toMatchObject({ attempts: 1, interruptions: 0, lease_token: null });
    expect(probe.count('outcome')).toBe(1);
    await request(sut.http).get('/health/ready').expect(200);
  });

  it('an attempt that fails while the database is away is retried once it is back, and completes', async () => {
    const job = await jobs.enqueue('test.flaky', 'retry-during-outage', { tag: 'flaky-outage' });
    // Its first attempt fails at once; the retry must be scheduled although the database is going away.
    await proxy.cut();
    await sleep(2000);
    await proxy.resume();
    const done = await eventually(async () => {
      const row = await jobRow(context.databaseUrl!, job.id);
      return row.state === 'completed' ? row : undefined;
    }, 20_000);
    expect(done.attempts).toBe(2);
    expect(probe.count('flaky-outage')).toBe(2);
  });

  it('a request the database drops mid-way answers 503, and the conversation is whole or absent', async () => {
    const notebook = await createNotebook(sut.http, user.accessToken, 'Mid-request');
    const source = await uploadOne(
      sut.http,
      user.accessToken,
      notebook,
      'plovers.md',
      Buffer.from('# Plovers\n\nRinged plovers nest on shingle above the tide line.'),
    );
    await settled(sut.http, user.accessToken, notebook, source.id);
    // The model takes a while: the database goes away after retrieval, before the turn is stored.
    fake.chatDelayMs = 1500;
    const chatCalls = fake.chatCalls().length;
    try {
      const pending = request(sut.http)
        .post('/api/v2/chat')
        .set(...bearer(user.accessToken))
        .send({ notebook_id: notebook, query: 'Where do ringed plovers nest?' });
      const answer: Promise<request.Response> = pending.then((res) => res); // sends it now
      await sleep(600);
      await proxy.cut();
      const res = await answer;
      expect(fake.chatCalls().length).toBe(chatCalls + 1); // cut mid-request: retrieval was done
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.body).toEqual(expect.objectContaining({ statusCode: 503, requestId: expect.any(String) }));
    } finally {
      fake.chatDelayMs = 0;
      await proxy.resume();
    }
    // Nothing half-written: every stored session of the notebook has its question and its answer.
    const turns = await query<{ roles: string[] }>(
      sut,
      `select array_agg(m.role order by m.created_at) as roles from chat_messages m join chat_sessions s on s.id = m.session_id
        where '${notebook}' = any(s.notebook_ids) group by m.session_id`,
    );
    for (const t of turns) expect(t.roles.length % 2).toBe(0);
  });

  it('an ingestion cut off mid-way by the database finishes with exactly one copy of the chunks', async () => {
    const notebook = await createNotebook(sut.http, user.accessToken, 'Outage');
    fake.embeddingDelayMs = 120;
    const text = Array.from({ length: 30 }, (_, i) => `Paragraph ${i} on tidal flats and their waders. `.repeat(6));
    const source = await uploadOne(
      sut.http,
      user.accessToken,
      notebook,
      'outage.md',
      Buffer.from(`# Outage\n\n${text.join('\n\n')}`),
    );
    await eventually(async () => {
      const res = await request(sut.http)
        .get(`/api/v1/notebooks/${notebook}/sources/${source.id}`)
        .set(...bearer(user.accessToken));
      return res.status === 200 && res.body.status === 'embedding' && (res.body.progress as number) > 20
        ? true
        : undefined;
    }, 30_000);
    await outage(3000);
    fake.embeddingDelayMs = 0;
    const done = await settled(sut.http, user.accessToken, notebook, source.id, 60_000);
    expect(done.status).toBe('ready');
    const [chunks] = await query<{ n: number; ordinals: number }>(
      sut,
      `select count(*)::int as n, count(distinct ordinal)::int as ordinals from chunks where source_id = '${source.id}'`,
    );
    expect(chunks).toEqual({ n: done.chunkCount, ordinals: done.chunkCount });
  });
});

describe(`a job whose worker is lost (${redisMode ? 'Bull' : 'in-process'})`, () => {
  let context: TestContext;
  let sut: TestApp;

  beforeAll(async () => {
    context = await createTestContext();
    sut = await startTestApp(context, { JOB_LOCK_MS: '1500', SHUTDOWN_TIMEOUT_MS: '300' }, [TestJobsModule]);
  });

  afterAll(async () => {
    await sut?.close();
    await context?.destroy();
  });

  it('is taken over by another worker once its lease lapses, and the lost attempt is not counted', async () => {
    const jobs = sut.app.get(JobsService);
    const probe = sut.app.get(JobProbe);
    const job = await jobs.enqueue('test.hold', 'lost-worker', { tag: 'lost', holdMs: 3000 });
    await eventually(() => Promise.resolve(probe.count('lost') === 1 ? true : undefined));
    // The worker "dies": another holder's lease, lapsed (as a killed process leaves it).
    await query(
      sut,
      `update jobs set lease_token = gen_random_uuid(), lease_owner = 'gone', lease_expires_at = now() - interval '1 second' where id = '${job.id}'`,
    );
    const done = await eventually(async () => {
      const [row] = await query<JobRow>(sut, `select * from jobs where id = '${job.id}'`);
      return row.state === 'completed' ? row : undefined;
    }, 15_000);
    expect(done).toMatchObject({ attempts: 1, interruptions: 1 });
    expect(probe.count('lost')).toBe(2);
    // The first run learnt at its next heartbeat that it no longer held the job, and stopped.
    expect(probe.aborted.has('lost')).toBe(true);
  });
});

describe(`shutdown hands running jobs back (${redisMode ? 'Bull' : 'in-process'})`, () => {
  it('a job that cannot finish in SHUTDOWN_TIMEOUT_MS goes back to the queue at once and the next start runs it', async () => {
    const context = await createTestContext();
    // A lease far longer than the test: only an immediate hand-back lets the next start run it in time.
    const env = { JOB_LOCK_MS: '120000', SHUTDOWN_TIMEOUT_MS: '300' };
    const first = await startTestApp(context, env, [TestJobsModule]);
    let second: TestApp | undefined;
    try {
      const job = await first.app
        .get(JobsService)
        .enqueue('test.hold', 'shutdown', { tag: 'shutdown', holdMs: 30_000 });
      const probe = first.app.get(JobProbe);
      await eventually(() => Promise.resolve(probe.count('shutdown') === 1 ? true : undefined));
      await first.close();
      expect(probe.aborted.has('shutdown')).toBe(true);

      second = await startTestApp(context, env, [TestJobsModule]);
      const [row] = await query<JobRow>(second, `select * from jobs where id = '${job.id}'`);
      expect(['retrying', 'active']).toContain(row.state);
      const probe2 = second.app.get(JobProbe);
      await eventually(() => Promise.resolve(probe2.count('shutdown') === 1 ? true : undefined), 10_000);
      const [running] = await query<JobRow>(second, `select * from jobs where id = '${job.id}'`);
      expect(running).toMatchObject({ state: 'active', attempts: 1, interruptions: 0 });
    } finally {
      await first.close();
      await second?.close();
      await context.destroy();
    }
  });
});

(redisMode ? describe : describe.skip)('the API while Redis is away (server mode)', () => {
  let context: TestContext;
  let proxy: TcpProxy;
  let sut: TestApp;
  let user: TestUser;

  beforeAll(async () => {
    context = await createTestContext();
    proxy = await proxyFor(context.env.REDIS_URL).start();
    sut = await startTestApp(context, {
      REDIS_URL: proxy.rewrite(context.env.REDIS_URL),
      RATE_LIMIT_MAX: '60',
      RATE_LIMIT_TTL_SECONDS: '60',
      METRICS_TOKEN: 'm'.repeat(24),
    });
    user = await signup(sut.http, 'redis-outage');
    await request(sut.http).get('/health/ready').expect(200);
  });

  afterAll(async () => {
    await proxy.resume().catch(() => undefined);
    await sut?.close().catch(() => undefined);
    await proxy?.cut();
    await context?.destroy();
  });

  it('keeps answering routes that need no Redis, takes uploads at once, and runs their jobs once Redis is back', async () => {
    const notebook = await createNotebook(sut.http, user.accessToken, 'Redis outage');
    const capture = captureLogs();
    await proxy.cut();

    // No request waits for a Redis reconnect (before: 1–6 s each).
    const me = await timings(10, () =>
      request(sut.http)
        .get('/api/v1/auth/me')
        .set(...bearer(user.accessToken)),
    );
    expect(me.statuses).toEqual(Array(10).fill(200));
    expect(Math.max(...me.ms)).toBeLessThan(1000);

    const res = await upload(sut.http, user.accessToken, notebook, [
      { name: 'while-redis-is-down.md', data: Buffer.from('# Waders\n\nKnots and godwits feed on the flats.') },
    ]);
    expect(res.status).toBe(201);
    const source = (res.body as { sources: { id: string; jobId: string }[] }).sources[0];
    const [waiting] = await query<JobRow>(sut, `select * from jobs where id = '${source.jobId}'`);
    expect(waiting).toMatchObject({ state: 'queued', delivered_at: null });

    const ready = await request(sut.http).get('/health/ready').expect(503);
    const redisDetail = (ready.body as { details: { field: string; message: string }[] }).details.find(
      (d) => d.field === 'redis',
    );
    expect(redisDetail?.message).toMatch(/rate limits are counted per instance/);
    const metrics = await request(sut.http)
      .get('/metrics')
      .set('authorization', `Bearer ${'m'.repeat(24)}`);
    expect(metrics.text).toMatch(/folio_dependency_up\{dependency="redis"\} 0/);
    expect(metrics.text).toMatch(/folio_rate_limit_fallback 1/);

    await sleep(3000); // several reconnect attempts (at most a second apart) while it stays away
    await proxy.resume();
    await eventually(
      async () => ((await request(sut.http).get('/health/ready')).status === 200 ? true : undefined),
      5000,
      100,
    );
    capture.restore();
    // Each connection says it lost Redis once, however many reconnects failed; nothing at error.
    expect(capture.lines.filter((l) => l.level === 'error')).toEqual([]);
    expect(capture.lines.some((l) => /^Redis:/.test(l.context) && /unreachable/.test(l.message))).toBe(true);
    expect(repeats(capture.lines)[0]).toEqual([expect.any(String), 1]);
    const done = await settled(sut.http, user.accessToken, notebook, source.id, 30_000);
    expect(done.status).toBe('ready');
  });

  it('still limits request rates while Redis is away, with per-instance counters', async () => {
    await proxy.cut();
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 70 && !statuses.includes(429); i++) {
        statuses.push(
          (
            await request(sut.http)
              .get('/api/v1/auth/me')
              .set(...bearer(user.accessToken))
          ).status,
        );
      }
      expect(statuses).toContain(429);
      expect(statuses.indexOf(429)).toBeLessThanOrEqual(60);
    } finally {
      await proxy.resume();
    }
  });
});
