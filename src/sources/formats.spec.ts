import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { detectType, sanitizeFilename, SNIFF_BYTES } from './formats';

const fixture = (name: string): Buffer => readFileSync(join(__dirname, '../../test/fixtures', name));

describe(detectType.name, () => {
  it.each([
    ['operations.pdf', 'pdf'],
    ['replication.docx', 'docx'],
    ['cache.html', 'html'],
    ['guide.md', 'markdown'],
    ['birds.csv', 'csv'],
    ['endpoints.json', 'json'],
    ['checksum.py', 'code'],
  ])('recognises %s as %s', async (name, format) => {
    expect((await detectType(name, fixture(name))).format).toBe(format);
  });

  it('names the language of code', async () => {
    expect(await detectType('checksum.py', fixture('checksum.py'))).toEqual(
      expect.objectContaining({ language: 'python' }),
    );
  });

  it.each([
    ['a text file named .pdf', 'fake.pdf', Buffer.from('just text')],
    ['a PDF named .docx', 'fake.docx', fixture('operations.pdf')],
    ['a PDF named .txt', 'fake.txt', fixture('operations.pdf')],
    ['a PNG', 'image.png', Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex')],
    ['binary junk named .md', 'junk.md', Buffer.from([0x00, 0x01, 0x02, 0x41])],
    ['an unknown extension', 'program.exe', Buffer.from('MZ text')],
  ])('refuses %s with 415 listing what is supported', async (_label, name, data) => {
    await expect(detectType(name, data)).rejects.toMatchObject({
      status: 415,
      message: expect.stringMatching(/Supported: PDF/),
    });
  });
});

describe(`${detectType.name}: XML and XHTML`, () => {
  const xhtml = Buffer.from(
    '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" ' +
      '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n<html xmlns="http://www.w3.org/1999/xhtml"><head><title>T</title></head>' +
      '<body><h1>Tables</h1><p>Text.</p></body></html>\n',
  );
  const xml = Buffer.from('<?xml version="1.0"?>\n<config><setting name="a">1</setting></config>\n');

  it.each([
    ['an XHTML page named .html', 'page.html', xhtml, { format: 'html' }],
    ['an XHTML page named .xhtml', 'page.xhtml', xhtml, { format: 'html' }],
    ['an XHTML page named .xml', 'page.xml', xhtml, { format: 'html' }],
    ['an XHTML page without an extension', 'page', xhtml, { format: 'html' }],
    ['XML named .xml', 'config.xml', xml, { format: 'code', language: 'xml' }],
    ['XML without an extension', 'config', xml, { format: 'text' }],
  ])('reads %s', async (_label, name, data, expected) => {
    expect(await detectType(name, data)).toEqual(expect.objectContaining(expected));
  });
});

describe(`${detectType.name}: the end of the sample`, () => {
  // The sample (the first SNIFF_BYTES bytes) may end anywhere inside a character of 1 to 4 bytes.
  it.each([
    ['a', 1],
    ['é', 2],
    ['€', 3],
    ['🦅', 4],
  ])('accepts UTF-8 text with %s (%i bytes) across the sample boundary, at every offset', async (char) => {
    for (let before = SNIFF_BYTES - 8; before <= SNIFF_BYTES + 1; before++) {
      const file = Buffer.from(`${'a'.repeat(before)}${char}${'b'.repeat(100)}`);
      await expect(detectType('notes.txt', file.subarray(0, SNIFF_BYTES))).resolves.toEqual(
        expect.objectContaining({ format: 'text' }),
      );
      // A whole file shorter than the sample, ending with the character.
      const whole = Buffer.from(`${'a'.repeat(Math.min(before, SNIFF_BYTES - 5))}${char}`);
      await expect(detectType('notes.txt', whole)).resolves.toEqual(expect.objectContaining({ format: 'text' }));
    }
  });

  it('still refuses bytes that are not UTF-8 before the boundary, and a short file cut inside a character', async () => {
    const bad = Buffer.concat([Buffer.from('a'.repeat(100)), Buffer.from([0xc3, 0x28]), Buffer.from('b'.repeat(5000))]);
    await expect(detectType('bad.txt', bad.subarray(0, SNIFF_BYTES))).rejects.toMatchObject({ status: 415 });
    await expect(detectType('cut.txt', Buffer.from('abc€').subarray(0, 5))).rejects.toMatchObject({ status: 415 });
  });
});

describe(sanitizeFilename.name, () => {
  it.each([
    ['../../etc/passwd', 'passwd'],
    ['..\\..\\windows\\system.ini', 'system.ini'],
    ['notes\u0000.txt', 'notes.txt'],
    ['invoice\u202egpj.exe', 'invoicegpj.exe'],
    ['..', 'untitled'],
    ['', 'untitled'],
    ['  a   b.md ', 'a b.md'],
  ])('%j → %j', (raw, expected) => {
    expect(sanitizeFilename(raw)).toBe(expected);
  });
});
