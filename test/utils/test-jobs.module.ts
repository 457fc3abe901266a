import { Injectable, Module } from '@nestjs/common';
import { JobHandler, JobProcessor } from '../../src/queue/job-handler.decorator';
import { type JobContext, PermanentJobError, QueueName } from '../../src/queue/job.types';

declare module '../../src/queue/job.types' {
  interface JobPayloads {
    'test.count': { tag: string; sleepMs?: number };
    'test.fail': { tag: string };
    'test.flaky': { tag: string };
    'test.permanent': { tag: string };
    'test.wait-for-cancel': { tag: string };
    'test.hold': { tag: string; holdMs: number };
  }
}

/** Records what the test handlers did, per tag, so tests can assert on real executions. */
@Injectable()
export class JobProbe {
  readonly runs = new Map<string, number>();
  readonly aborted = new Set<string>();

  count(tag: string): number {
    return this.runs.get(tag) ?? 0;
  }

  hit(tag: string): number {
    const n = this.count(tag) + 1;
    this.runs.set(tag, n);
    return n;
  }
}

@Injectable()
@JobProcessor()
class TestJobsProcessor {
  constructor(private readonly probe: JobProbe) {}

  @JobHandler({ queue: QueueName.Maintenance, name: 'test.count' })
  async count(payload: { tag: string; sleepMs?: number }): Promise<{ runs: number }> {
    const runs = this.probe.hit(payload.tag);
    if (payload.sleepMs) await new Promise((resolve) => setTimeout(resolve, payload.sleepMs));
    return { runs };
  }

  @JobHandler({ queue: QueueName.Maintenance, name: 'test.fail' })
  fail(payload: { tag: string }, context: JobContext): Promise<never> {
    this.probe.hit(payload.tag);
    return Promise.reject(new Error(`upstream exploded on attempt ${context.attempt}`));
  }

  @JobHandler({ queue: QueueName.Maintenance, name: 'test.flaky' })
  async flaky(payload: { tag: string }, context: JobContext): Promise<{ attempt: number }> {
    this.probe.hit(payload.tag);
    if (context.attempt === 1) throw new Error('transient failure');
    await context.progress(50, { stage: 'second try' });
    return { attempt: context.attempt };
  }

  @JobHandler({ queue: QueueName.Maintenance, name: 'test.permanent' })
  permanent(payload: { tag: string }): Promise<never> {
    this.probe.hit(payload.tag);
    return Promise.reject(new PermanentJobError('the source file is corrupt'));
  }

  /** Runs for `holdMs` (reporting progress), or until aborted (cancelled, handed back). */
  @JobHandler({ queue: QueueName.Maintenance, name: 'test.hold' })
  async hold(payload: { tag: string; holdMs: number }, context: JobContext): Promise<{ runs: number }> {
    const runs = this.probe.hit(payload.tag);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, payload.holdMs);
      context.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    });
    if (context.signal.aborted) this.probe.aborted.add(payload.tag);
    return { runs };
  }

  @JobHandler({ queue: QueueName.Maintenance, name: 'test.wait-for-cancel' })
  async waitForCancel(payload: { tag: string }, context: JobContext): Promise<void> {
    this.probe.hit(payload.tag);
    await context.progress(10, { stage: 'waiting' });
    await new Promise<void>((resolve) => {
      if (context.signal.aborted) resolve();
      context.signal.addEventListener('abort', () => resolve(), { once: true });
      setTimeout(resolve, 20_000).unref();
    });
    if (context.signal.aborted) this.probe.aborted.add(payload.tag);
  }
}

@Module({ providers: [JobProbe, TestJobsProcessor], exports: [JobProbe] })
export class TestJobsModule {}
