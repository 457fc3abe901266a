import request from 'supertest';
import { bearer, signup, type TestUser } from '../utils/auth';
import { query } from '../utils/db';
import { createNotebook, fixture, search, settled, type SourceBody, upload, uploadOne } from '../utils/notebooks';
import { createTestContext, startTestApp, type TestApp, type TestContext } from '../utils/test-app';

describe('sources and ingestion', () => {
  let context: TestContext;
  let sut: TestApp;
  let user: TestUser;
  let notebook: string;

  beforeAll(async () => {
    context = await createTestContext();
    // Small chunks, so the small fixtures split into several and positions can be checked.
    sut = await startTestApp(context, {
      UPLOAD_MAX_FILE_MB: '1',
      UPLOAD_MAX_FILES: '8',
      INGEST_CONCURRENCY: '2',
      CHUNK_TARGET_TOKENS: '48',
      CHUNK_OVERLAP_TOKENS: '8',
    });
    user = await signup(sut.http, 'ingest');
    notebook = await createNotebook(sut.http, user.accessToken, 'Fixtures');
  });

  afterAll(async () => {
    await sut?.close();
    await context?.destroy();
  });

  describe('real documents of every format', () => {
    const cases: [file: string, query: string, expected: string, position: Record<string, unknown>][] = [
      [
        'operations.pdf',
        'how many quorum votes before failover',
        'albatross protocol requires three quorum votes',
        { page: 1 },
      ],
      [
        'replication.docx',
        'replication lag budget milliseconds',
        'forty milliseconds',
        { headingPath: ['Heron Replication Guide', 'Lag budget'] },
      ],
      ['cache.html', 'pelican cache eviction', 'ninety seconds', { headingPath: ['Pelican Cache Notes', 'Eviction'] }],
      [
        'guide.md',
        'certificate rotation kestrel',
        'seventeen days',
        { headingPath: ['Kestrel Cluster Handbook', 'Security', 'Certificates'] },
      ],
      ['birds.csv', 'puffin colonies cliffs', 'puffin colonies nest', { rowStart: 2 }],
      ['checksum.py', 'osprey checksum rolling xor', 'rolling xor', { headingPath: ['compute_osprey_checksum'] }],
      ['endpoints.json', 'flamingo deprecated endpoints', 'Flamingo flags', {}],
    ];
    const ids = new Map<string, string>();

    beforeAll(async () => {
      const res = await upload(
        sut.http,
        user.accessToken,
        notebook,
        cases.map(([file]) => ({ name: file, data: fixture(file) })),
      ).expect(201);
      for (const source of res.body.sources as { id: string; title: string; status: string }[]) {
        expect(source.status).toBe('queued');
        ids.set(source.title, source.id);
      }
    });

    it.each(cases)('ingests %s, and search finds its passage', async (file, q, expected, position) => {
      const source = await settled(sut.http, user.accessToken, notebook, ids.get(file)!);
      expect([source.status, source.error]).toEqual(['ready', null]);
      expect(source.chunkCount).toBeGreaterThan(0);
      const [top] = await search(sut.http, user.accessToken, notebook, q, 3);
      expect(top.sourceTitle).toBe(file);
      expect(top.text).toContain(expected);
      expect(top.position).toEqual(expect.objectContaining(position));
    });

    it('the PDF keeps its pages: page two is page two', async () => {
      const hits = await search(sut.http, user.accessToken, notebook, 'cormorant checksum archive trailer', 5);
      expect(hits.find((h) => h.text.includes('cormorant'))?.position).toEqual(expect.objectContaining({ page: 2 }));
    });

    it('serves the extracted text page by page', async () => {
      const id = ids.get('guide.md')!;
      const first = await request(sut.http)
        .get(`/api/v1/notebooks/${notebook}/sources/${id}/content?limit=50`)
        .set(...bearer(user.accessToken))
        .expect(200);
      expect(first.body).toEqual(
        expect.objectContaining({ offset: 0, nextOffset: 50, text: fixture('guide.md').toString().slice(0, 50) }),
      );
      const rest = await request(sut.http)
        .get(`/api/v1/notebooks/${notebook}/sources/${id}/content?offset=50&limit=100000`)
        .set(...bearer(user.accessToken))
        .expect(200);
      expect(first.body.text + rest.body.text).toBe(fixture('guide.md').toString());
      expect(rest.body.nextOffset).toBeNull();
    });

    it('lists sources with status and counts the notebook without N+1 surprises', async () => {
      const list = await request(sut.http)
        .get(`/api/v1/notebooks/${notebook}/sources?limit=3`)
        .set(...bearer(user.accessToken))
        .expect(200);
      expect(list.body.items).toHaveLength(3);
      expect(list.body.nextCursor).toEqual(expect.any(String));
      const nb = await request(sut.http)
        .get(`/api/v1/notebooks/${notebook}`)
        .set(...bearer(user.accessToken))
        .expect(200);
      expect(nb.body.sourceCount).toBeGreaterThanOrEqual(cases.length);
      expect(nb.body.chunkCount).toBeGreaterThanOrEqual(cases.length);
    });
  });

  describe('bad input', () => {
    const sourceCount = async (): Promise<number> =>
      (await query<{ n: number }>(sut, `select count(*)::int as n from sources where notebook_id = '${notebook}'`))[0]
        .n;
    const blobCount = async (): Promise<number> =>
      (await query<{ n: number }>(sut, 'select count(distinct key)::int as n from blob_parts'))[0].n;

    it('a file over UPLOAD_MAX_FILE_MB → 413, and nothing is kept', async () => {
      const [sources, blobs] = [await sourceCount(), await blobCount()];
      const big = Buffer.alloc(1.5 * 1024 * 1024, 'a');
      const res = await upload(sut.http, user.accessToken, notebook, [
        { name: 'fine.txt', data: Buffer.from('a small file that is fine') },
        { name: 'big.txt', data: big },
      ]).expect(413);
      expect(res.body).toEqual(
        expect.objectContaining({ statusCode: 413, message: expect.stringMatching(/big.txt.*larger than 1 MB/) }),
      );
      expect([await sourceCount(), await blobCount()]).toEqual([sources, blobs]);
    });

    it('more files than UPLOAD_MAX_FILES → 413', async () => {
      const files = Array.from({ length: 9 }, (_, i) => ({ name: `f${i}.txt`, data: Buffer.from(`file ${i}`) }));
      await upload(sut.http, user.accessToken, notebook, files).expect(413);
    });

    it.each([
      ['a PNG named .pdf', 'picture.pdf', Buffer.from('89504e470d0a1a0a0000000d4948445200000001', 'hex')],
      ['an executable', 'setup.exe', Buffer.from('MZ\x90\x00binary')],
      ['binary named .txt', 'notes.txt', Buffer.from([0, 1, 2, 3, 4, 5])],
    ])('%s → 415 listing what is supported', async (_label, name, data) => {
      const res = await upload(sut.http, user.accessToken, notebook, [{ name, data }]).expect(415);
      expect(res.body.message).toMatch(/Supported: PDF \(\.pdf\), Word \(\.docx\)/);
    });

    it('refuses a batch with bad files whole, naming every refused file and why', async () => {
      const [sources, blobs] = [await sourceCount(), await blobCount()];
      const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001', 'hex');
      const res = await upload(sut.http, user.accessToken, notebook, [
        { name: 'good.md', data: Buffer.from('# Good\n\nThis one is fine.') },
        { name: 'picture.pdf', data: png },
        { name: 'setup.exe', data: Buffer.from('MZ\x90\x00binary') },
        { name: 'also-good.txt', data: Buffer.from('Fine as well.') },
      ]).expect(415);
      expect(res.body.message).toMatch(/^2 of 4 files were refused; nothing was added\. Supported: PDF/);
      expect(res.body.details).toEqual([
        { field: 'files[1]', message: '"picture.pdf" is named .pdf but is not a PDF' },
        { field: 'files[2]', message: expect.stringMatching(/^"setup\.exe"/) },
      ]);
      const mixed = await upload(sut.http, user.accessToken, notebook, [
        { name: 'empty.md', data: Buffer.alloc(0) },
        { name: 'picture.pdf', data: png },
      ]).expect(400);
      expect((mixed.body.details as { field: string }[]).map((d) => d.field)).toEqual(['files[0]', 'files[1]']);
      expect([await sourceCount(), await blobCount()]).toEqual([sources, blobs]);
    });

    it('an empty file → 400', async () => {
      const res = await upload(sut.http, user.accessToken, notebook, [
        { name: 'empty.md', data: Buffer.alloc(0) },
      ]).expect(400);
      expect(res.body.message).toMatch(/empty/);
    });

    it('not multipart → 415; no files → 400', async () => {
      await request(sut.http)
        .post(`/api/v1/notebooks/${notebook}/sources`)
        .set(...bearer(user.accessToken))
        .send({ files: 'x' })
        .expect(415);
      await request(sut.http)
        .post(`/api/v1/notebooks/${notebook}/sources`)
        .set(...bearer(user.accessToken))
        .field('note', 'no file here')
        .expect(400);
    });

    it('path-traversal filenames are only ever display names', async () => {
      const source = await uploadOne(
        sut.http,
        user.accessToken,
        notebook,
        '../../../../etc/passwd.txt',
        Buffer.from('root:x:0:0 traversal canary'),
      );
      expect(source.title).toBe('passwd.txt');
      const [row] = await query<{ storage_key: string; filename: string }>(
        sut,
        `select storage_key, filename from sources where id = '${source.id}'`,
      );
      expect(row.storage_key).toMatch(/^sources\/[0-9a-f-]{36}$/);
      expect(row.filename).toBe('passwd.txt');
    });

    it('a corrupt PDF and a scanned PDF fail with a clear message; nothing else breaks', async () => {
      const corrupt = await uploadOne(sut.http, user.accessToken, notebook, 'corrupt.pdf');
      const scanned = await uploadOne(sut.http, user.accessToken, notebook, 'scanned.pdf');
      const healthy = await uploadOne(
        sut.http,
        user.accessToken,
        notebook,
        'notes.md',
        Buffer.from('# Notes\n\nThe heron survey starts in May.'),
      );
      expect(await settled(sut.http, user.accessToken, notebook, corrupt.id)).toEqual(
        expect.objectContaining({
          status: 'failed',
          error: expect.stringMatching(/PDF could not be read/),
          chunkCount: 0,
        }),
      );
      expect(await settled(sut.http, user.accessToken, notebook, scanned.id)).toEqual(
        expect.objectContaining({
          status: 'failed',
          error: expect.stringMatching(/no extractable text.*OCR is not supported/),
        }),
      );
      expect((await settled(sut.http, user.accessToken, notebook, healthy.id)).status).toBe('ready');
      // A permanent failure is not retried: one attempt.
      const job = await request(sut.http)
        .get(`/api/v1/jobs/${corrupt.jobId!}`)
        .set(...bearer(user.accessToken))
        .expect(200);
      expect(job.body).toEqual(expect.objectContaining({ state: 'failed', attempts: 1 }));
    });
  });

  describe('duplicates, text, deletion, re-indexing', () => {
    it('the same content again returns the existing source with duplicate: true', async () => {
      const first = await uploadOne(
        sut.http,
        user.accessToken,
        notebook,
        'dup.md',
        Buffer.from('# Dup\n\nDuplicate detection canary.'),
      );
      const again = await uploadOne(
        sut.http,
        user.accessToken,
        notebook,
        'renamed.md',
        Buffer.from('# Dup\n\nDuplicate detection canary.'),
      );
      expect(again).toEqual(expect.objectContaining({ id: first.id, duplicate: true }));
      expect(first.duplicate).toBe(false);
    });

    it('one request with several files (one of them twice) answers in order, ingests each content once', async () => {
      const files = [
        { name: 'plover.md', data: Buffer.from('# Plover\n\nPlovers nest on shingle beaches.') },
        { name: 'curlew.md', data: Buffer.from('# Curlew\n\nCurlews probe mudflats with long bills.') },
        { name: 'plover-again.md', data: Buffer.from('# Plover\n\nPlovers nest on shingle beaches.') },
      ];
      const res = await upload(sut.http, user.accessToken, notebook, files).expect(201);
      const sources = (res.body as { sources: SourceBody[] }).sources;
      expect(sources.map((s) => [s.title, s.duplicate])).toEqual([
        ['plover.md', false],
        ['curlew.md', false],
        ['plover.md', true],
      ]);
      expect(sources[2].id).toBe(sources[0].id);
      for (const source of sources.slice(0, 2)) {
        expect(source.jobId).toEqual(expect.any(String));
        expect((await settled(sut.http, user.accessToken, notebook, source.id)).status).toBe('ready');
      }
      const hits = await search(sut.http, user.accessToken, notebook, 'plovers nest shingle beaches', 5);
      expect(hits.filter((h) => h.sourceTitle === 'plover.md')).toHaveLength(1);
    });

    it('pasted text becomes a searchable source', async () => {
      const res = await request(sut.http)
        .post(`/api/v1/notebooks/${notebook}/sources/text`)
        .set(...bearer(user.accessToken))
        .send({ title: 'Pasted', text: 'The gannet migration begins at dawn over the estuary.' })
        .expect(201);
      await settled(sut.http, user.accessToken, notebook, res.body.id as string);
      expect((await search(sut.http, user.accessToken, notebook, 'gannet migration estuary', 1))[0].sourceTitle).toBe(
        'Pasted',
      );
    });

    it('deleting a source removes its chunks atomically', async () => {
      const source = await uploadOne(
        sut.http,
        user.accessToken,
        notebook,
        'ephemeral.md',
        Buffer.from('# Tern\n\nThe tern colony relocates yearly.'),
      );
      await settled(sut.http, user.accessToken, notebook, source.id);
      await request(sut.http)
        .delete(`/api/v1/notebooks/${notebook}/sources/${source.id}`)
        .set(...bearer(user.accessToken))
        .expect(204);
      const chunks = await query<{ n: number }>(
        sut,
        `select count(*)::int as n from chunks where source_id = '${source.id}'`,
      );
      expect(chunks[0].n).toBe(0);
      expect(
        (await search(sut.http, user.accessToken, notebook, 'tern colony relocates', 5)).map((h) => h.sourceId),
      ).not.toContain(source.id);
      await request(sut.http)
        .get(`/api/v1/notebooks/${notebook}/sources/${source.id}`)
        .set(...bearer(user.accessToken))
        .expect(404);
    });

    it('re-indexing replaces the chunks: same count, new rows, never two copies', async () => {
      const source = await uploadOne(
        sut.http,
        user.accessToken,
        notebook,
        'reindex.md',
        Buffer.from(
          fixture('guide.md')
            .toString()
            .replace(/Kestrel/g, 'Skua'),
        ),
      );
      const before = await settled(sut.http, user.accessToken, notebook, source.id);
      const oldIds = await query<{ id: string }>(
        sut,
        `select id from chunks where source_id = '${source.id}' order by ordinal`,
      );
      const res = await request(sut.http)
        .post(`/api/v1/notebooks/${notebook}/sources/${source.id}/reindex`)
        .set(...bearer(user.accessToken))
        .expect(202);
      expect(res.body.status).toBe('queued');
      const after = await settled(sut.http, user.accessToken, notebook, source.id);
      const newIds = await query<{ id: string }>(
        sut,
        `select id from chunks where source_id = '${source.id}' order by ordinal`,
      );
      expect(after.chunkCount).toBe(before.chunkCount);
      expect(newIds).toHaveLength(before.chunkCount);
      expect(newIds.some((r) => oldIds.some((o) => o.id === r.id))).toBe(false);
    });
  });
});
