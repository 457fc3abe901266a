import { checkCitations, CitationStreamFilter } from './citations';

describe(checkCitations.name, () => {
  it('keeps markers of retrieved passages and drops invented ones, spaced or not', () => {
    const sut = checkCitations('Rotated every 17 days[1]. Also [4] and [2, 9]. Made up[42].', 3);
    expect(sut.text).toBe('Rotated every 17 days[1]. Also  and [2]. Made up.');
    expect([...sut.cited].sort()).toEqual([1, 2]);
  });

  it('leaves code and non-numeric brackets alone', () => {
    expect(checkCitations('Use `a[0]` or `xs[12]`, see [docs]', 2).text).toBe('Use `a[0]` or `xs[12]`, see [docs]');
  });
});

describe(CitationStreamFilter.name, () => {
  const run = (deltas: string[], count: number): string => {
    const sut = new CitationStreamFilter(count);
    return deltas.map((d) => sut.push(d)).join('') + sut.flush();
  };

  it('checks markers split across deltas', () => {
    expect(run(['Yes [', '1', '] and [', '7]', ' done'], 2)).toBe('Yes [1] and  done');
  });

  it('passes brackets that are not markers through', () => {
    expect(run(['x = a[i', '] + [b]'], 2)).toBe('x = a[i] + [b]');
  });

  it('flushes an unfinished bracket at the end', () => {
    expect(run(['see [2'], 2)).toBe('see [2');
  });
});
