import { type SourceFormat } from '../../sources/source.entity';
import { tokenizer } from '../../text/tokenizer';
import { prepareDocument } from './prepare-document';

const chunking = { targetTokens: 512, overlapTokens: 64 };
const MB = 1_000_000;

/**
 * Inputs that used to take minutes to chunk (a pasted megabyte without a sentence break: 275 s
 * for 279 chunks) or to overflow the stack. Each must come out in chunks within the token budget,
 * losing no text. How long they take is measured by `npm run bench:chunking` (not here: tests do
 * not time); a quadratic path would take far longer than this file's timeout.
 */
describe('preparing pathological documents', () => {
  const cases: [label: string, format: SourceFormat, input: () => string, mustContain: string][] = [
    ['1,000,000 × "A" (no sentence, no newline)', 'text', () => 'A'.repeat(MB), 'AAAA'],
    ['one 1 MB line of words without a full stop', 'text', () => 'word '.repeat(MB / 5), 'word word'],
    ['300,000 CJK characters without punctuation', 'text', () => '鸟'.repeat(300_000), '鸟鸟'],
    ['1,000,000 spaces around a word', 'text', () => `${' '.repeat(MB / 2)}kestrel${' '.repeat(MB / 2)}`, 'kestrel'],
    ['a 1 MB minified line of code', 'code', () => 'a=b+c;'.repeat(MB / 6), 'a=b+c;'],
    ['a CSV row of 1 MB', 'csv', () => `name,value\nx,${'y'.repeat(MB)}\n`, 'yyyy'],
    ['50,000 nested blockquotes', 'markdown', () => `${'>'.repeat(50_000)} deep`, 'deep'],
    [
      '5,000 nested list levels',
      'markdown',
      () => Array.from({ length: 5000 }, (_, i) => `${'  '.repeat(i)}- item ${i}`).join('\n'),
      'item 4999',
    ],
    ['100,000 unclosed link brackets', 'markdown', () => `${'['.repeat(100_000)}x`, '[[[['],
    [
      '100,000 nested divs',
      'html',
      () => `<html><body>${'<div>'.repeat(100_000)}kestrel${'</div>'.repeat(100_000)}</body></html>`,
      'kestrel',
    ],
    ['JSON nested 100,000 deep', 'json', () => `${'['.repeat(100_000)}"kestrel"${']'.repeat(100_000)}`, 'kestrel'],
  ];

  it.each(cases)(
    '%s',
    async (_label, format, input, mustContain) => {
      const text = input();
      const sut = await prepareDocument({ format, data: Buffer.from(text), chunking });
      expect(sut.chunks.length).toBeGreaterThan(0);
      for (const chunk of sut.chunks) expect(chunk.tokenCount).toBeLessThanOrEqual(chunking.targetTokens + 8);
      expect(sut.chunks.some((c) => c.text.includes(mustContain))).toBe(true);
      expect(sut.chunks.every((c) => !c.text.includes('\ufffd'))).toBe(true);
    },
    60_000,
  );

  it('keeps every character of a long run, in order, across chunks', async () => {
    const text = `${'鸟'.repeat(5000)}${'🦅'.repeat(3000)}${'A'.repeat(20_000)}`;
    const sut = await prepareDocument({
      format: 'text',
      data: Buffer.from(text),
      chunking: { targetTokens: 512, overlapTokens: 0 },
    });
    expect(sut.chunks.map((c) => c.text).join('')).toBe(text);
    // Pieces cut at token boundaries re-tokenize alike, give or take a token at each cut.
    const total = sut.chunks.reduce((n, c) => n + c.tokenCount, 0);
    expect(Math.abs(total - tokenizer.count(text))).toBeLessThanOrEqual(sut.chunks.length);
  });
});
