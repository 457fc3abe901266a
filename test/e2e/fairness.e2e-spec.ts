import request from 'supertest';
import { bearer, signup, type TestUser } from '../utils/auth';
import { query } from '../utils/db';
import { createNotebook, settled, upload } from '../utils/notebooks';
import { createTestContext, eventually, startTestApp, type TestApp, type TestContext } from '../utils/test-app';

interface JobRow {
  id: string;
  owner_id: string;
  state: string;
  started: number | null;
  finished: number | null;
}

/** A text of about `kb` kilobytes: enough work that a job takes a noticeable while. */
const document = (tag: string, kb: number): Buffer =>
  Buffer.from(
    Array.from(
      { length: kb * 10 },
      (_, i) => `${tag} paragraph ${i} tells of kestrels, herons and the certificates they rotate.\n\n`,
    ).join(''),
  );

/**
 * Fair scheduling across users: one user's batch never holds every ingestion slot, and another
 * user's source starts at once instead of waiting behind the batch.
 */
describe('fair ingestion scheduling', () => {
  let context: TestContext;
  let sut: TestApp;
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    context = await createTestContext();
    sut = await startTestApp(context, {
      INGEST_CONCURRENCY: '2',
      INGEST_USER_CONCURRENCY: '1',
      SUMMARIES_ENABLED: 'false',
      UPLOAD_MAX_FILES: '20',
    });
    alice = await signup(sut.http, 'batch');
    bob = await signup(sut.http, 'single');
  });

  afterAll(async () => {
    await sut?.close();
    await context?.destroy();
  });

  const jobsOf = (user: TestUser): Promise<JobRow[]> =>
    query<JobRow>(
      sut,
      `select id, owner_id, state, extract(epoch from started_at) * 1000 as started,
              extract(epoch from finished_at) * 1000 as finished
       from jobs where owner_id = '${user.id}' and queue = 'ingestion' order by started_at nulls last`,
    );

  it("starts another user's source at once while a batch ingests, and never runs more of one user's jobs than allowed", async () => {
    const batchNotebook = await createNotebook(sut.http, alice.accessToken, 'Batch');
    const singleNotebook = await createNotebook(sut.http, bob.accessToken, 'Single');
    const files = Array.from({ length: 8 }, (_, i) => ({ name: `part-${i}.md`, data: document(`part${i}`, 150) }));
    await upload(sut.http, alice.accessToken, batchNotebook, files).expect(201);
    const res = await upload(sut.http, bob.accessToken, singleNotebook, [
      { name: 'note.md', data: document('note', 1) },
    ]).expect(201);
    const note = (res.body as { sources: { id: string }[] }).sources[0].id;
    await settled(sut.http, bob.accessToken, singleNotebook, note);

    await eventually(
      async () => ((await jobsOf(alice)).every((j) => j.state === 'completed') ? true : undefined),
      120_000,
    );
    const batch = await jobsOf(alice);
    const [single] = await jobsOf(bob);
    expect(batch).toHaveLength(8);
    // Bob's job started before Alice's second one: it did not wait behind her batch.
    expect(Number(single.started)).toBeLessThan(Number(batch[1].started));
    // Alice never had two jobs running at once (INGEST_USER_CONCURRENCY=1, two slots).
    for (let i = 1; i < batch.length; i++) {
      expect(Number(batch[i].started)).toBeGreaterThanOrEqual(Number(batch[i - 1].finished) - 5);
    }
  });

  it('a cancelled job that was waiting for its turn never runs, and the turns go on', async () => {
    const notebook = await createNotebook(sut.http, alice.accessToken, 'Cancelled');
    const files = Array.from({ length: 4 }, (_, i) => ({ name: `c-${i}.md`, data: document(`c${i}`, 100) }));
    const res = await upload(sut.http, alice.accessToken, notebook, files).expect(201);
    const sources = (res.body as { sources: { id: string; jobId: string }[] }).sources;
    const waiting = sources[3];
    await request(sut.http)
      .post(`/api/v1/jobs/${waiting.jobId}/cancel`)
      .set(...bearer(alice.accessToken))
      .expect(200);
    for (const source of sources.slice(0, 3)) {
      expect((await settled(sut.http, alice.accessToken, notebook, source.id)).status).toBe('ready');
    }
    const [row] = await query<{ state: string; started_at: string | null }>(
      sut,
      `select state, started_at from jobs where id = '${waiting.jobId}'`,
    );
    expect(row).toEqual({ state: 'cancelled', started_at: null });
  });
});
