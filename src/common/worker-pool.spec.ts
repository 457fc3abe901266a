import { join } from 'node:path';
import { type EchoInput } from '../../test/utils/echo.worker';
import { WorkerPool } from './worker-pool';

class OutOfRange extends Error {
  override name = 'OutOfRange';
}

const SCRIPT = join(__dirname, '../../test/utils/echo.worker.ts');
const OPTIONS = {
  size: 2,
  maxHeapMb: 64,
  reviveError: (name: string, message: string) =>
    name === 'RangeError' ? new OutOfRange(message) : new Error(message),
  outOfMemoryError: () => new Error('too big'),
};

describe('WorkerPool (real worker threads)', () => {
  let pool: WorkerPool<EchoInput, number, string>;

  beforeEach(() => {
    pool = new WorkerPool(SCRIPT, OPTIONS);
  });

  afterEach(() => pool.close());

  it('runs tasks in workers and passes their events on, in order', async () => {
    const events: string[] = [];
    await expect(pool.run({ op: 'double', value: 21 }, { onEvent: (e) => events.push(e) })).resolves.toBe(42);
    expect(events).toEqual(['started', 'halfway']);
  });

  it('moves transferred buffers instead of copying them', async () => {
    const data = new Uint8Array([1, 2, 3, 4]);
    await expect(pool.run({ op: 'bytes', data }, { transfer: [data.buffer] })).resolves.toBe(10);
    expect(data.byteLength).toBe(0); // detached: it now belongs to the worker
  });

  it('rebuilds errors by name and keeps the worker for the next task', async () => {
    await expect(pool.run({ op: 'fail' })).rejects.toThrow(OutOfRange);
    await expect(pool.run({ op: 'double', value: 1 })).resolves.toBe(2);
    expect(pool.size).toBe(1);
  });

  it('never runs more tasks at once than it has workers, and queues the rest', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => pool.run({ op: 'double', value: i })));
    expect(results).toEqual([0, 2, 4, 6, 8, 10]);
    expect(pool.size).toBeLessThanOrEqual(2);
  });

  it("starts waiting tasks in turns across groups: one group's backlog does not hold another's task", async () => {
    const single = new WorkerPool<EchoInput, number, string>(SCRIPT, { ...OPTIONS, size: 1 });
    try {
      const started: string[] = [];
      const run = (group: string, value: number) =>
        single.run(
          { op: 'double', value },
          { group, onEvent: (e) => e === 'started' && started.push(`${group}${value}`) },
        );
      const all = [1, 2, 3, 4].map((v) => run('a', v));
      all.push(run('b', 1), run('b', 2));
      await Promise.all(all);
      expect(started).toEqual(['a1', 'b1', 'a2', 'b2', 'a3', 'a4']);
    } finally {
      await single.close();
    }
  });

  it('an aborted task terminates its worker (even one stuck in a loop) and the pool carries on', async () => {
    const controller = new AbortController();
    const stuck = pool.run({ op: 'spin' }, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('cancelled by the test')), 200);
    await expect(stuck).rejects.toThrow('cancelled by the test');
    await expect(pool.run({ op: 'double', value: 4 })).resolves.toBe(8);
  });

  it('a queued task that is aborted never starts', async () => {
    const spinning = [new AbortController(), new AbortController()];
    const busy = spinning.map((c) => pool.run({ op: 'spin' }, { signal: c.signal }).catch(() => 'stopped'));
    const waiting = new AbortController();
    const queued = pool.run({ op: 'double', value: 1 }, { signal: waiting.signal });
    waiting.abort(new Error('not needed any more'));
    await expect(queued).rejects.toThrow('not needed any more');
    spinning.forEach((c) => c.abort());
    await expect(Promise.all(busy)).resolves.toEqual(['stopped', 'stopped']);
  });

  it('a worker that exits fails its task; the next task gets a fresh worker', async () => {
    await expect(pool.run({ op: 'exit' })).rejects.toThrow('exited with code 3');
    await expect(pool.run({ op: 'double', value: 5 })).resolves.toBe(10);
  });

  it('a worker past its heap ceiling dies alone, with the out-of-memory error', async () => {
    await expect(pool.run({ op: 'hog' })).rejects.toThrow('too big');
    await expect(pool.run({ op: 'double', value: 6 })).resolves.toBe(12);
  });

  it('rejects work after close', async () => {
    await pool.close();
    await expect(pool.run({ op: 'double', value: 1 })).rejects.toThrow('closed');
  });
});
