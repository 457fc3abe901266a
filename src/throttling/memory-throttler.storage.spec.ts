import { MemoryThrottlerStorage } from './memory-throttler.storage';

describe(MemoryThrottlerStorage.name, () => {
  afterEach(() => jest.useRealTimers());

  it('counts hits in a fixed window and blocks past the limit until the window ends', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const sut = new MemoryThrottlerStorage();
    for (let i = 1; i <= 3; i++) {
      const r = await sut.increment('ip', 60_000, 3, 0, 'default');
      expect(r).toEqual(expect.objectContaining({ totalHits: i, isBlocked: false }));
    }
    const blocked = await sut.increment('ip', 60_000, 3, 0, 'default');
    expect(blocked.isBlocked).toBe(true);
    expect(blocked.timeToBlockExpire).toBe(60);

    jest.setSystemTime(1_000_000 + 60_001);
    expect(await sut.increment('ip', 60_000, 3, 0, 'default')).toEqual(
      expect.objectContaining({ totalHits: 1, isBlocked: false }),
    );
  });

  it('keeps a block for blockDuration even after the window resets', async () => {
    jest.useFakeTimers({ now: 0 });
    const sut = new MemoryThrottlerStorage();
    await sut.increment('k', 1000, 1, 5000, 'login');
    expect((await sut.increment('k', 1000, 1, 5000, 'login')).isBlocked).toBe(true);
    jest.setSystemTime(2000);
    const r = await sut.increment('k', 1000, 1, 5000, 'login');
    expect(r.isBlocked).toBe(true);
    expect(r.timeToBlockExpire).toBe(3);
    jest.setSystemTime(5001);
    expect((await sut.increment('k', 1000, 1, 5000, 'login')).isBlocked).toBe(false);
  });

  it('keeps keys and throttler names apart', async () => {
    const sut = new MemoryThrottlerStorage();
    await sut.increment('a', 1000, 1, 0, 'default');
    expect((await sut.increment('b', 1000, 1, 0, 'default')).isBlocked).toBe(false);
    expect((await sut.increment('a', 1000, 1, 0, 'other')).isBlocked).toBe(false);
  });
});
