import { bearer, signup } from '../utils/auth';
import { FakeOpenAi } from '../utils/fake-openai';
import { createNotebook, search, uploadOne } from '../utils/notebooks';
import { readEvents } from '../utils/sse';
import { createTestContext, redisMode, startTestApp, type TestApp, type TestContext } from '../utils/test-app';

/** Several instances on one Postgres and one Redis, as behind a load balancer. */
(redisMode ? describe : describe.skip)('two instances sharing Postgres and Redis', () => {
  let context: TestContext;
  let fake: FakeOpenAi;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    fake = await new FakeOpenAi().start();
    context = await createTestContext();
    const env = {
      ...fake.env,
      // Summary jobs would call the same server and take scripted failures meant for ingestion.
      SUMMARIES_ENABLED: 'false',
      EMBEDDING_PROVIDER: 'openai',
      EMBEDDING_BATCH_SIZE: '4',
      CHUNK_TARGET_TOKENS: '64',
      CHUNK_OVERLAP_TOKENS: '8',
    };
    a = await startTestApp(context, env);
    // B serves HTTP only: every job runs on A, so B can only learn of progress through Redis.
    b = await startTestApp(context, { ...env, JOB_WORKER: 'false' });
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await context?.destroy();
    await fake?.stop();
  });

  it('a file uploaded through one instance streams its progress through the other', async () => {
    fake.embeddingDelayMs = 40;
    const user = await signup(a.http, 'multi');
    const notebook = await createNotebook(a.http, user.accessToken, 'Multi');
    const text = Array.from({ length: 12 }, (_, i) =>
      `Paragraph ${i} on the gannetry census and its plots. `.repeat(6),
    ).join('\n\n');
    const source = await uploadOne(a.http, user.accessToken, notebook, 'multi.md', Buffer.from(`# Multi\n\n${text}`));
    const { status, events } = await readEvents(b.http, `/api/v1/jobs/${source.jobId!}/events`, {
      Authorization: bearer(user.accessToken)[1],
    });
    expect(status).toBe(200);
    expect(events.filter((e) => e.event === 'progress').length).toBeGreaterThan(2);
    expect(events.at(-1)).toEqual({ event: 'end', data: expect.objectContaining({ state: 'completed' }) });
    // And the other instance serves what the first one ingested.
    expect((await search(b.http, user.accessToken, notebook, 'gannetry census plots', 1))[0].sourceId).toBe(source.id);
  });
});
