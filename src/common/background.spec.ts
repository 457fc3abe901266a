import { BackgroundWork } from './background';

describe(BackgroundWork.name, () => {
  it('stop waits for a task still running and starts no new one', async () => {
    const work = new BackgroundWork();
    let finished = false;
    let starts = 0;
    work.every(5, async () => {
      starts++;
      await new Promise((resolve) => setTimeout(resolve, 50));
      finished = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    await work.stop();
    expect(finished).toBe(true);
    expect(starts).toBe(1); // the interval never overlaps a running task
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(starts).toBe(1);
  });

  it('passes a failing task to onError instead of rejecting', async () => {
    const errors: unknown[] = [];
    const work = new BackgroundWork((error) => errors.push(error));
    await work.run(() => Promise.reject(new Error('boom')));
    expect(errors).toHaveLength(1);
    await work.stop();
    await work.run(() => Promise.reject(new Error('after stop')));
    expect(errors).toHaveLength(1);
  });
});
