import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UnprocessableDocumentError } from '../document';
import { parseDocument } from './index';

const fixture = (name: string): Buffer => readFileSync(join(__dirname, '../../../test/fixtures', name));

describe(parseDocument.name, () => {
  it('reads a PDF page by page', async () => {
    const sut = await parseDocument('pdf', fixture('operations.pdf'));
    expect(sut.pageCount).toBe(2);
    expect(sut.blocks.find((b) => b.text.includes('albatross protocol'))?.page).toBe(1);
    expect(sut.blocks.find((b) => b.text.includes('cormorant checksum'))?.page).toBe(2);
  });

  it('refuses a PDF without text, and a corrupt one, with a clear message', async () => {
    await expect(parseDocument('pdf', fixture('scanned.pdf'))).rejects.toThrow(/no extractable text.*OCR/);
    await expect(parseDocument('pdf', fixture('corrupt.pdf'))).rejects.toBeInstanceOf(UnprocessableDocumentError);
  });

  it('reads DOCX headings and paragraphs', async () => {
    const sut = await parseDocument('docx', fixture('replication.docx'));
    const lag = sut.blocks.find((b) => b.text.includes('forty milliseconds'))!;
    expect(lag.headingPath).toEqual(['Heron Replication Guide', 'Lag budget']);
  });

  it('reads HTML under its headings, without scripts or styles', async () => {
    const sut = await parseDocument('html', fixture('cache.html'));
    expect(sut.title).toBe('Pelican Cache Notes');
    expect(sut.blocks.find((b) => b.text.includes('ninety seconds'))?.headingPath).toEqual([
      'Pelican Cache Notes',
      'Eviction',
    ]);
    expect(sut.text).not.toMatch(/<style|font-family|function\s*\(/);
  });

  it('reads Markdown, CSV, JSON and code', async () => {
    expect(
      (await parseDocument('markdown', fixture('guide.md'))).blocks.find((b) => b.text.includes('seventeen days'))
        ?.headingPath,
    ).toEqual(['Kestrel Cluster Handbook', 'Security', 'Certificates']);
    expect((await parseDocument('csv', fixture('birds.csv'))).blocks[0].text).toMatch(
      /^city: Reykjavik \| bird: puffin/,
    );
    expect((await parseDocument('json', fixture('endpoints.json'))).text).toContain('Flamingo flags');
    const code = await parseDocument('code', fixture('checksum.py'), 'python');
    expect(code.blocks.find((b) => b.text.includes('rolling xor'))?.headingPath).toEqual(['compute_osprey_checksum']);
  });

  it('refuses invalid JSON and empty documents', async () => {
    await expect(parseDocument('json', Buffer.from('{"a": '))).rejects.toThrow(/JSON is not valid/);
    await expect(parseDocument('text', Buffer.from('   \n\n  '))).rejects.toThrow(/no text/);
  });

  it('cleans what Postgres cannot store (NUL, unpaired surrogates) from text and headings instead of failing', async () => {
    const sut = await parseDocument(
      'markdown',
      Buffer.from('# Ops\u0000 guide\n\nRotate\u0000 the certificates.\n\n\u0000\n'),
    );
    expect(sut.text).not.toContain('\u0000');
    expect(sut.blocks.map((b) => b.text)).toEqual(['# Ops guide', 'Rotate the certificates.']);
    expect(sut.blocks[1].headingPath).toEqual(['Ops guide']);
    const json = await parseDocument('json', Buffer.from('{"a\\ud800b": 1}'));
    expect(json.blocks[0].headingPath).toEqual(['a\ufffdb']);
  });
});
