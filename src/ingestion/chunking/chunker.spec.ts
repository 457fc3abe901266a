import { type Block } from '../document';
import { parseCode } from '../parsers/code.parser';
import { parseCsv } from '../parsers/csv.parser';
import { parseMarkdown } from '../parsers/markdown.parser';
import { chunkBlocks } from './chunker';
import { tokenizer } from '../../text/tokenizer';

const sentence = (i: number): string => `Sentence number ${i} talks about the kestrel cluster and its segments.`;

describe(chunkBlocks.name, () => {
  const options = { targetTokens: 64, overlapTokens: 16 };

  it('never exceeds the token target and numbers chunks in order', () => {
    const prose: Block = { text: Array.from({ length: 60 }, (_, i) => sentence(i)).join(' '), headingPath: ['Intro'] };
    const sut = chunkBlocks([prose], options);
    expect(sut.length).toBeGreaterThan(5);
    sut.forEach((chunk, i) => {
      expect(chunk.ordinal).toBe(i);
      expect(chunk.tokenCount).toBeLessThanOrEqual(options.targetTokens + 4);
      expect(Math.abs(chunk.tokenCount - tokenizer.count(chunk.text))).toBeLessThanOrEqual(2);
      expect(chunk.position.headingPath).toEqual(['Intro']);
      expect(chunk.contentHash).toMatch(/^[0-9a-f]{64}$/);
    });
  });

  it('overlaps consecutive chunks of one section', () => {
    const prose: Block = { text: Array.from({ length: 40 }, (_, i) => sentence(i)).join(' ') };
    const [a, b] = chunkBlocks([prose], options);
    const lastSentenceOfA = a.text.split(/(?<=\.)\s+/).pop()!;
    expect(b.text.startsWith(lastSentenceOfA)).toBe(true);
  });

  it('starts a new chunk at a heading, without overlap across sections', () => {
    const doc = parseMarkdown(
      [
        '# Guide',
        '',
        Array.from({ length: 12 }, (_, i) => sentence(i)).join(' '),
        '',
        '## Storage',
        '',
        'Segments are compacted nightly.',
      ].join('\n'),
    );
    const sut = chunkBlocks(doc.blocks, options);
    const storage = sut.find((c) => c.text.includes('## Storage'))!;
    expect(storage.text.startsWith('## Storage')).toBe(true);
    expect(storage.position.headingPath).toEqual(['Guide', 'Storage']);
    expect(storage.position.lineStart).toBe(5);
  });

  it('merges sections that are too small to stand alone', () => {
    const blocks: Block[] = ['A', 'B', 'C'].map((h) => ({ text: `${h} is short.`, headingPath: [h] }));
    expect(chunkBlocks(blocks, options)).toHaveLength(1);
  });

  it('splits code by lines and keeps exact line ranges', () => {
    const code = [
      'def first():',
      ...Array.from({ length: 40 }, (_, i) => `    value_${i} = compute(${i})`),
      '',
      'def second():',
      '    return 2',
    ].join('\n');
    const sut = chunkBlocks(parseCode(code, 'python').blocks, options);
    expect(sut[0].position).toEqual(expect.objectContaining({ lineStart: 1, headingPath: ['first'] }));
    for (const chunk of sut) {
      const lines = code.split('\n').slice(chunk.position.lineStart! - 1, chunk.position.lineEnd);
      expect(chunk.text).toBe(lines.join('\n').replace(/\s+$/, ''));
    }
    expect(sut.at(-1)!.position.headingPath).toEqual(['second']);
  });

  it('keeps CSV rows whole and numbered, each self-describing', () => {
    const csv = ['city,bird', ...Array.from({ length: 30 }, (_, i) => `City${i},bird${i}`)].join('\n');
    const sut = chunkBlocks(parseCsv(csv).blocks, options);
    expect(sut[0].text.split('\n')[0]).toBe('city: City0 | bird: bird0');
    expect(sut[0].position.rowStart).toBe(2);
    expect(sut.at(-1)!.position.rowEnd).toBe(31);
  });

  it('splits a single over-long line by tokens', () => {
    const line: Block = { text: 'x'.repeat(5000), split: 'lines' };
    const sut = chunkBlocks([line], { targetTokens: 64, overlapTokens: 0 });
    expect(sut.length).toBeGreaterThan(1);
    expect(sut.map((c) => c.text).join('')).toBe('x'.repeat(5000));
  });
});
