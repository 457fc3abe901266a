import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { detectType, sanitizeFilename } from './formats';

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
