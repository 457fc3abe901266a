import { Coalescer } from './coalescer';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('Coalescer', () => {
  it('writes at once after a quiet interval, then coalesces to the latest value at the interval end', async () => {
    const written: number[] = [];
    const coalescer = new Coalescer<number>(
      100,
      (v) => {
        written.push(v);
        return Promise.resolve();
      },
      () => undefined,
      Date.now() - 1000,
    );
    await coalescer.push(1); // quiet for a second: immediate
    expect(written).toEqual([1]);
    for (const v of [2, 3, 4]) await coalescer.push(v);
    expect(written).toEqual([1]); // within the interval: held back
    await sleep(150);
    expect(written).toEqual([1, 4]); // trailing write of the latest only
    await coalescer.close();
  });

  it('a job shorter than the interval writes nothing in between, and close() drops what is pending', async () => {
    const written: number[] = [];
    const coalescer = new Coalescer<number>(
      100,
      (v) => {
        written.push(v);
        return Promise.resolve();
      },
      () => undefined,
    );
    await coalescer.push(1);
    await coalescer.push(2);
    await coalescer.close();
    await sleep(150);
    expect(written).toEqual([]);
    await coalescer.push(3); // ignored after close
    expect(written).toEqual([]);
  });

  it('never overlaps writes and keeps their order', async () => {
    const log: string[] = [];
    const coalescer = new Coalescer<number>(
      0,
      async (v) => {
        log.push(`start ${v}`);
        await sleep(20);
        log.push(`end ${v}`);
      },
      () => undefined,
    );
    void coalescer.push(1);
    await coalescer.flush();
    void coalescer.push(2);
    await coalescer.flush();
    expect(log).toEqual(['start 1', 'end 1', 'start 2', 'end 2']);
  });

  it('reports errors of trailing writes to onError, of immediate writes to the caller', async () => {
    const errors: unknown[] = [];
    const coalescer = new Coalescer<number>(
      50,
      () => Promise.reject(new Error('database down')),
      (e) => errors.push(e),
      0,
    );
    await expect(coalescer.push(1)).rejects.toThrow('database down');
    await coalescer.push(2);
    await sleep(100);
    expect(errors).toHaveLength(1);
    await coalescer.close();
  });
});
