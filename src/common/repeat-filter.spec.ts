import { RepeatFilter } from './repeat-filter';

describe(RepeatFilter.name, () => {
  it('writes the first line of a run, holds back repeats within the window, then says how many it held', () => {
    let now = 0;
    const sut = new RepeatFilter(1000, () => now);
    expect(sut.filter('database down')).toBe('database down');
    for (let i = 0; i < 5; i++) expect(sut.filter('database down')).toBeUndefined();
    expect(sut.filter('another message')).toBe('another message');
    now = 1000;
    expect(sut.filter('database down')).toBe('database down (5 more like it held back)');
    expect(sut.filter('database down')).toBeUndefined();
  });

  it('keys lines by the key given, not the text', () => {
    const sut = new RepeatFilter(1000, () => 0);
    expect(sut.filter('GET /a answered 503', '503')).toBe('GET /a answered 503');
    expect(sut.filter('GET /b answered 503', '503')).toBeUndefined();
  });

  it('stays bounded with many distinct keys', () => {
    let now = 0;
    const sut = new RepeatFilter(10, () => now, 3);
    for (const key of ['a', 'b', 'c']) sut.filter(key);
    now = 20;
    expect(sut.filter('d')).toBe('d');
    // a–c were forgotten as stale; a comes back as new.
    expect(sut.filter('a')).toBe('a');
    for (const key of ['e', 'f', 'g', 'h']) sut.filter(key);
    expect(sut.filter('h')).toBeUndefined();
  });
});
