import request from 'supertest';
import { JobsService } from '../../src/queue/jobs.service';
import { type JobNameOf, type JobPayloadOf } from '../../src/queue/job.types';
import { bearer, createAdminUser, signup, type TestUser } from '../utils/auth';
import { JobProbe, TestJobsModule } from '../utils/test-jobs.module';
import {
  createTestContext,
  eventually,
  redisMode,
  startTestApp,
  type TestApp,
  type TestContext,
} from '../utils/test-app';

interface JobBody {
  id: string;
  state: string;
  attempts: number;
  error: string | null;
  progress: number;
  result: Record<string, unknown> | null;
  detail: Record<string, unknown> | null;
}

describe(`${JobsService.name} (${redisMode ? 'Bull on Redis' : 'in-process'})`, () => {
  let context: TestContext;
  let sut: TestApp;
  let jobs: JobsService;
  let probe: JobProbe;
  let owner: TestUser;

  beforeAll(async () => {
    context = await createTestContext();
    sut = await startTestApp(context, { JOB_ATTEMPTS: '3', JOB_CONCURRENCY: '4' }, [TestJobsModule]);
    jobs = sut.app.get(JobsService);
    probe = sut.app.get(JobProbe);
    owner = await signup(sut.http, 'owner');
  });

  /** Enqueues a test job on behalf of `owner`. */
  const enqueue = <N extends JobNameOf>(name: N, key: string, payload: JobPayloadOf<N>) =>
    jobs.enqueue(name, key, payload, { ownerId: owner.id });

  afterAll(async () => {
    await sut?.close();
    await context?.destroy();
  });

  const getJob = async (id: string): Promise<JobBody> =>
    (
      await request(sut.http)
        .get(`/api/v1/jobs/${id}`)
        .set(...bearer(owner.accessToken))
        .expect(200)
    ).body as JobBody;

  const finished = (id: string, state: string): Promise<JobBody> =>
    eventually(async () => {
      const job = await getJob(id);
      return job.state === state ? job : undefined;
    });

  it('a job enqueued twice with the same key is one job and runs once', async () => {
    const [a, b] = await Promise.all([
      enqueue('test.count', 'same-key', { tag: 'dedupe', sleepMs: 50 }),
      enqueue('test.count', 'same-key', { tag: 'dedupe', sleepMs: 50 }),
    ]);
    expect(a.id).toBe(b.id);
    const done = await finished(a.id, 'completed');
    expect(done.result).toEqual({ runs: 1 });
    expect(done.progress).toBe(100);

    // Enqueueing it again after it finished still does not run it again.
    const again = await enqueue('test.count', 'same-key', { tag: 'dedupe' });
    expect(again.id).toBe(a.id);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(probe.count('dedupe')).toBe(1);
  });

  it('the job id is deterministic: derived from name and key', async () => {
    const job = await enqueue('test.count', 'deterministic', { tag: 'det' });
    expect(job.id).toBe(jobs.jobId('test.count', 'deterministic'));
    expect(jobs.jobId('test.count', 'other')).not.toBe(job.id);
  });

  it('a failing job is retried with backoff, then lands in "failed" with its error', async () => {
    const job = await enqueue('test.fail', 'fails', { tag: 'fail' });
    const failed = await finished(job.id, 'failed');
    expect(failed.attempts).toBe(3);
    expect(failed.error).toBe('upstream exploded on attempt 3');
    expect(probe.count('fail')).toBe(3);
  });

  it('a transient failure is retried and then completes', async () => {
    const job = await enqueue('test.flaky', 'flaky', { tag: 'flaky' });
    const done = await finished(job.id, 'completed');
    expect(done.attempts).toBe(2);
    expect(done.result).toEqual({ attempt: 2 });
    expect(done.detail).toEqual({ stage: 'second try' });
    expect(probe.count('flaky')).toBe(2);
  });

  it('a permanent error fails at once, without retries', async () => {
    const job = await enqueue('test.permanent', 'perm', { tag: 'perm' });
    const failed = await finished(job.id, 'failed');
    expect(failed.attempts).toBe(1);
    expect(failed.error).toBe('the source file is corrupt');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(probe.count('perm')).toBe(1);
  });

  it('POST /jobs/:id/cancel stops a running job', async () => {
    const job = await enqueue('test.wait-for-cancel', 'cancel-me', { tag: 'cancel' });
    await eventually(async () => ((await getJob(job.id)).progress === 10 ? true : undefined));
    const res = await request(sut.http)
      .post(`/api/v1/jobs/${job.id}/cancel`)
      .set(...bearer(owner.accessToken))
      .expect(200);
    expect((res.body as JobBody).state).toBe('cancelled');
    await eventually(() => Promise.resolve(probe.aborted.has('cancel') ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await getJob(job.id)).state).toBe('cancelled');
  });

  it('cancelling a finished job changes nothing', async () => {
    const job = await enqueue('test.count', 'finish-then-cancel', { tag: 'fin' });
    await finished(job.id, 'completed');
    const res = await request(sut.http)
      .post(`/api/v1/jobs/${job.id}/cancel`)
      .set(...bearer(owner.accessToken))
      .expect(200);
    expect((res.body as JobBody).state).toBe('completed');
  });

  it('an unknown job id → 404 in the error shape', async () => {
    const res = await request(sut.http)
      .get('/api/v1/jobs/0190b3c2-0000-7000-8000-00000000ffff')
      .set(...bearer(owner.accessToken))
      .expect(404);
    expect(res.body).toEqual(expect.objectContaining({ statusCode: 404, message: 'Job not found' }));
  });

  it("another user's job answers 404, exactly like a missing one, on read and cancel", async () => {
    const job = await enqueue('test.count', 'private', { tag: 'private' });
    const stranger = await signup(sut.http, 'stranger');
    for (const call of [
      request(sut.http).get(`/api/v1/jobs/${job.id}`),
      request(sut.http).post(`/api/v1/jobs/${job.id}/cancel`),
    ]) {
      const res = await call.set(...bearer(stranger.accessToken)).expect(404);
      expect(res.body.message).toBe('Job not found');
    }
    await request(sut.http).get(`/api/v1/jobs/${job.id}`).expect(401);
    const admin = await createAdminUser(sut);
    await request(sut.http)
      .get(`/api/v1/jobs/${job.id}`)
      .set(...bearer(admin.accessToken))
      .expect(200);
  });

  it('counts job outcomes per queue in /metrics', async () => {
    const res = await request(sut.http).get('/metrics').expect(200);
    expect(res.text).toMatch(/folio_jobs_total\{queue="maintenance",name="test.fail",outcome="failed"\} 1/);
    expect(res.text).toMatch(/folio_jobs_total\{queue="maintenance",name="test.fail",outcome="retry"\} 2/);
    expect(res.text).toMatch(
      /folio_job_duration_seconds_count\{queue="maintenance",name="test.count",outcome="completed"\}/,
    );
  });
});

describe('in-process runner durability', () => {
  const maybe = redisMode ? it.skip : it;

  maybe('picks up unfinished jobs after a restart', async () => {
    const context = await createTestContext();
    try {
      const first = await startTestApp(context, { JOB_CONCURRENCY: '1' }, [TestJobsModule]);
      const service = first.app.get(JobsService);
      const user = await signup(first.http, 'durable');
      // The first job occupies the only slot; the second is still queued when the process stops.
      await service.enqueue('test.count', 'slow', { tag: 'slow', sleepMs: 500 }, { ownerId: user.id });
      const queued = await service.enqueue('test.count', 'queued', { tag: 'resumed' }, { ownerId: user.id });
      await first.close();

      const second = await startTestApp(context, {}, [TestJobsModule]);
      try {
        const done = await eventually(async () => {
          const res = await request(second.http)
            .get(`/api/v1/jobs/${queued.id}`)
            .set(...bearer(user.accessToken))
            .expect(200);
          return (res.body as JobBody).state === 'completed' ? (res.body as JobBody) : undefined;
        });
        expect(done.result).toEqual({ runs: 1 });
      } finally {
        await second.close();
      }
    } finally {
      await context.destroy();
    }
  });
});
