import { LocalEmbeddingProvider } from './local-embedding.provider';

const cosine = (a: Float32Array, b: Float32Array): number => a.reduce((s, v, i) => s + v * b[i], 0);

describe(LocalEmbeddingProvider.name, () => {
  const sut = new LocalEmbeddingProvider(384);

  it('is deterministic, of the configured size and L2-normalised', async () => {
    const [a, b] = await sut.embed(['Kestrel nodes rotate certificates', 'Kestrel nodes rotate certificates']);
    expect(a).toHaveLength(384);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(cosine(a, a)).toBeCloseTo(1, 5);
  });

  it('scores texts sharing words and word pieces above unrelated ones', () => {
    const query = sut.embedOne('how often are certificates rotated?');
    const relevant = sut.embedOne('Kestrel nodes rotate their certificates every seventeen days.');
    const unrelated = sut.embedOne('The pelican cache evicts entries after ninety seconds.');
    expect(cosine(query, relevant)).toBeGreaterThan(cosine(query, unrelated) + 0.1);
  });

  it('gives an empty text a zero vector instead of NaNs', () => {
    expect(Array.from(sut.embedOne('  ...  ')).every((v) => v === 0)).toBe(true);
  });
});

describe(`${LocalEmbeddingProvider.name}: identifiers`, () => {
  const sut = new LocalEmbeddingProvider(384);

  it('matches a part of a camelCase or letter-digit identifier, which v1 did not', () => {
    const page = sut.embedOne('Set IntervalStyle to choose how intervals are printed; see also utf8mb4.');
    const other = sut.embedOne('Set DateOrder to choose how dates are read; see also latin1.');
    expect(cosine(sut.embedOne('style'), page)).toBeGreaterThan(0.05);
    expect(cosine(sut.embedOne('style'), page)).toBeGreaterThan(cosine(sut.embedOne('style'), other) + 0.05);
    expect(cosine(sut.embedOne('mb4'), page)).toBeGreaterThan(cosine(sut.embedOne('mb4'), other) + 0.05);
  });

  it('still ranks the whole identifier above its parts written apart', () => {
    const whole = sut.embedOne('IntervalStyle');
    expect(cosine(whole, sut.embedOne('The IntervalStyle parameter'))).toBeGreaterThan(
      cosine(whole, sut.embedOne('The interval style parameter')),
    );
  });

  it('names its version in its id', () => {
    expect(sut.id).toBe('local-hash-v2:384');
  });
});
