import { cluster } from './clustering';

const unit = (...v: number[]): Float32Array => {
  const n = Math.hypot(...v);
  return Float32Array.from(v.map((x) => x / n));
};

describe(cluster.name, () => {
  it('groups similar vectors together', () => {
    const vectors = [unit(1, 0.1), unit(0.1, 1), unit(1, 0), unit(0, 1), unit(0.9, 0.2), unit(0.2, 0.9)];
    const sut = cluster(vectors, 3);
    expect(sut).toHaveLength(2);
    expect(sut).toEqual(
      expect.arrayContaining([
        [0, 2, 4],
        [1, 3, 5],
      ]),
    );
  });

  it('always makes fewer clusters than members, so trees reach a root', () => {
    const random = Array.from({ length: 50 }, (_, i) => unit(Math.sin(i), Math.cos(i * 7), Math.sin(i * 3)));
    let n = random.length;
    let level = random;
    while (n > 1) {
      const groups = cluster(level, 4);
      expect(groups.length).toBeLessThan(n);
      expect(groups.flat().sort((a, b) => a - b)).toEqual([...Array(n).keys()]);
      level = groups.map((g) => level[g[0]]);
      n = groups.length;
    }
    expect(cluster([unit(1, 0)], 4)).toEqual([[0]]);
    expect(cluster([], 4)).toEqual([]);
  });
});
