import { cluster } from './clustering';

const unit = (...v: number[]): Float32Array => {
  const n = Math.hypot(...v);
  return Float32Array.from(v.map((x) => x / n));
};

describe(cluster.name, () => {
  it('groups similar vectors together', async () => {
    const vectors = [unit(1, 0.1), unit(0.1, 1), unit(1, 0), unit(0, 1), unit(0.9, 0.2), unit(0.2, 0.9)];
    const sut = await cluster(vectors, 3);
    expect(sut).toHaveLength(2);
    expect(sut).toEqual(
      expect.arrayContaining([
        [0, 2, 4],
        [1, 3, 5],
      ]),
    );
  });

  it('always makes fewer clusters than members, so trees reach a root', async () => {
    const random = Array.from({ length: 50 }, (_, i) => unit(Math.sin(i), Math.cos(i * 7), Math.sin(i * 3)));
    let n = random.length;
    let level = random;
    while (n > 1) {
      const groups = await cluster(level, 4);
      expect(groups.length).toBeLessThan(n);
      expect(groups.flat().sort((a, b) => a - b)).toEqual([...Array(n).keys()]);
      level = groups.map((g) => level[g[0]]);
      n = groups.length;
    }
    expect(await cluster([unit(1, 0)], 4)).toEqual([[0]]);
    expect(await cluster([], 4)).toEqual([]);
  });

  it('splits large inputs by bisection into groups of at most the size, covering every member once', async () => {
    const vectors = Array.from({ length: 2000 }, (_, i) => unit(Math.sin(i), Math.cos(i * 7), Math.sin(i * 3), 1));
    const sut = await cluster(vectors, 6);
    expect(sut.every((g) => g.length >= 1 && g.length <= 6)).toBe(true);
    expect(sut.flat().sort((a, b) => a - b)).toEqual([...Array(2000).keys()]);
    // Near neighbours end up together more often than chance would put them.
    const groupOf = new Map(sut.flatMap((g, gi) => g.map((m) => [m, gi] as const)));
    const sim = (a: number, b: number) => vectors[a].reduce((s, x, d) => s + x * vectors[b][d], 0);
    let together = 0;
    let pairs = 0;
    for (let i = 0; i < 2000; i += 7) {
      let best = -1;
      for (let j = 0; j < 2000; j++) if (j !== i && (best < 0 || sim(i, j) > sim(i, best))) best = j;
      pairs++;
      if (groupOf.get(i) === groupOf.get(best)) together++;
    }
    expect(together / pairs).toBeGreaterThan(0.3);
  });

  it('splits identical vectors too (by position)', async () => {
    const same = Array.from({ length: 300 }, () => unit(1, 0));
    const sut = await cluster(same, 6);
    expect(sut.every((g) => g.length <= 6)).toBe(true);
    expect(sut.flat()).toHaveLength(300);
  });
});
