import request from 'supertest';
import { bearer, signup, type TestUser } from '../utils/auth';
import { query } from '../utils/db';
import { FakeOpenAi } from '../utils/fake-openai';
import { createNotebook, search, settled, uploadOne } from '../utils/notebooks';
import { readEvents } from '../utils/sse';
import { createTestContext, eventually, startTestApp, type TestApp, type TestContext } from '../utils/test-app';

/** A document of many chunks, so a job spends a while embedding. */
const longDocument = (tag: string, paragraphs = 60): Buffer =>
  Buffer.from(
    `# ${tag}\n\n` +
      Array.from({ length: paragraphs }, (_, i) =>
        `Paragraph ${i} of ${tag} describes the skua survey and colony number ${i}. `.repeat(6),
      ).join('\n\n'),
  );

describe('ingestion jobs through an OpenAI-compatible embedding server', () => {
  let context: TestContext;
  let sut: TestApp;
  let fake: FakeOpenAi;
  let user: TestUser;
  let notebook: string;

  beforeAll(async () => {
    fake = await new FakeOpenAi().start();
    context = await createTestContext();
    sut = await startTestApp(context, {
      ...fake.env,
      // Summary jobs would call the same server and take scripted failures meant for ingestion.
      SUMMARIES_ENABLED: 'false',
      OPENAI_MAX_RETRIES: '0',
      EMBEDDING_PROVIDER: 'openai',
      EMBEDDING_MODEL: 'text-embedding-3-small',
      EMBEDDING_BATCH_SIZE: '8',
      CHUNK_TARGET_TOKENS: '64',
      CHUNK_OVERLAP_TOKENS: '8',
      JOB_ATTEMPTS: '3',
      JOB_BACKOFF_MS: '20',
      INGEST_CONCURRENCY: '4',
    });
    user = await signup(sut.http, 'jobs');
    notebook = await createNotebook(sut.http, user.accessToken, 'Jobs');
  });

  afterAll(async () => {
    await sut?.close();
    await context?.destroy();
    await fake?.stop();
  });

  beforeEach(() => {
    fake.failEmbeddings = [];
    fake.embeddingDelayMs = 0;
    fake.dimensionsOverride = undefined;
  });

  const chunkRows = (sourceId: string) =>
    query<{ n: number; distinct_ordinals: number }>(
      sut,
      `select count(*)::int as n, count(distinct ordinal)::int as distinct_ordinals from chunks where source_id = '${sourceId}'`,
    );

  it('embeds through the real openai client: model, dimensions and key reach the server', async () => {
    const before = fake.embeddingCalls();
    const source = await uploadOne(
      sut.http,
      user.accessToken,
      notebook,
      'client.md',
      Buffer.from('# C\n\nThe fulmar glides over the swell.'),
    );
    expect((await settled(sut.http, user.accessToken, notebook, source.id)).status).toBe('ready');
    const call = fake.requests.filter((r) => r.path === '/v1/embeddings')[before];
    expect(call.authorization).toBe('Bearer test-openai-key');
    expect(call.body).toEqual(
      expect.objectContaining({ model: 'text-embedding-3-small', dimensions: 384, encoding_format: 'float' }),
    );
    expect((await search(sut.http, user.accessToken, notebook, 'fulmar swell', 1))[0].sourceId).toBe(source.id);
  });

  it('a transient upstream failure is retried and ends with exactly one copy of the chunks', async () => {
    fake.failEmbeddings = [500, 503];
    const source = await uploadOne(sut.http, user.accessToken, notebook, 'flaky.md', longDocument('flaky', 10));
    const done = await settled(sut.http, user.accessToken, notebook, source.id);
    expect(done.status).toBe('ready');
    const job = await request(sut.http)
      .get(`/api/v1/jobs/${source.jobId!}`)
      .set(...bearer(user.accessToken))
      .expect(200);
    expect(job.body.attempts).toBe(3);
    const [rows] = await chunkRows(source.id);
    expect(rows).toEqual({ n: done.chunkCount, distinct_ordinals: done.chunkCount });
  });

  it('a model answering with the wrong dimension fails the source at once, with the reason', async () => {
    fake.dimensionsOverride = 1536;
    const source = await uploadOne(
      sut.http,
      user.accessToken,
      notebook,
      'dims.md',
      Buffer.from('# D\n\nWrong size vectors.'),
    );
    expect(await settled(sut.http, user.accessToken, notebook, source.id)).toEqual(
      expect.objectContaining({
        status: 'failed',
        error: expect.stringMatching(/returned 1536 dimensions; EMBEDDING_DIMENSIONS is 384/),
      }),
    );
  });

  it('streams progress as Server-Sent Events: state, progress through every stage, end', async () => {
    fake.embeddingDelayMs = 40;
    const source = await uploadOne(sut.http, user.accessToken, notebook, 'sse.md', longDocument('sse', 12));
    const { status, events } = await readEvents(sut.http, `/api/v1/jobs/${source.jobId!}/events`, {
      Authorization: `Bearer ${user.accessToken}`,
    });
    expect(status).toBe(200);
    expect(events[0].event).toBe('state');
    const stages = events
      .filter((e) => e.event === 'progress')
      .map((e) => (e.data as { detail: { stage: string } }).detail.stage);
    expect(stages).toEqual(expect.arrayContaining(['embedding', 'storing', 'ready']));
    expect(events.at(-1)).toEqual({
      event: 'end',
      data: expect.objectContaining({ state: 'completed', progress: 100 }),
    });
  });

  it('cancelling mid-way stops the job and leaves no chunks behind', async () => {
    fake.embeddingDelayMs = 150;
    const source = await uploadOne(sut.http, user.accessToken, notebook, 'cancel.md', longDocument('cancel', 40));
    await eventually(async () => {
      const res = await request(sut.http)
        .get(`/api/v1/notebooks/${notebook}/sources/${source.id}`)
        .set(...bearer(user.accessToken));
      return res.body.status === 'embedding' ? true : undefined;
    });
    await request(sut.http)
      .post(`/api/v1/jobs/${source.jobId!}/cancel`)
      .set(...bearer(user.accessToken))
      .expect(200);
    const done = await settled(sut.http, user.accessToken, notebook, source.id);
    expect(done.status).toBe('cancelled');
    const [rows] = await chunkRows(source.id);
    expect(rows.n).toBe(0);
    const job = await request(sut.http)
      .get(`/api/v1/jobs/${source.jobId!}`)
      .set(...bearer(user.accessToken))
      .expect(200);
    expect(job.body.state).toBe('cancelled');
  });

  it('many users ingest at the same time; nobody is told the system is busy', async () => {
    fake.embeddingDelayMs = 30;
    const users = await Promise.all([1, 2, 3, 4].map((i) => signup(sut.http, `concurrent${i}`)));
    const sources = await Promise.all(
      users.map(async (u, i) => {
        const nb = await createNotebook(sut.http, u.accessToken, `N${i}`);
        const s = await uploadOne(sut.http, u.accessToken, nb, `c${i}.md`, longDocument(`user${i}`, 8));
        return { u, nb, s };
      }),
    );
    const results = await Promise.all(sources.map(({ u, nb, s }) => settled(sut.http, u.accessToken, nb, s.id)));
    expect(results.map((r) => r.status)).toEqual(['ready', 'ready', 'ready', 'ready']);
  });

  it('deleting a source while it is being ingested leaves nothing behind', async () => {
    fake.embeddingDelayMs = 100;
    const source = await uploadOne(sut.http, user.accessToken, notebook, 'vanish.md', longDocument('vanish', 30));
    await eventually(async () => {
      const res = await request(sut.http)
        .get(`/api/v1/notebooks/${notebook}/sources/${source.id}`)
        .set(...bearer(user.accessToken));
      return res.body.status === 'embedding' ? true : undefined;
    });
    await request(sut.http)
      .delete(`/api/v1/notebooks/${notebook}/sources/${source.id}`)
      .set(...bearer(user.accessToken))
      .expect(204);
    await eventually(async () => {
      const res = await request(sut.http)
        .get(`/api/v1/jobs/${source.jobId!}`)
        .set(...bearer(user.accessToken));
      return ['cancelled', 'completed', 'failed'].includes(res.body.state as string) ? true : undefined;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const [rows] = await chunkRows(source.id);
    expect(rows.n).toBe(0);
  });
});
