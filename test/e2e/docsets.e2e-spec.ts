import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import request from 'supertest';
import { bearer, signup, type TestUser } from '../utils/auth';
import { createNotebook, upload } from '../utils/notebooks';
import { createTestContext, eventually, startTestApp, type TestApp, type TestContext } from '../utils/test-app';

/** Unpacks a Debian documentation package (scripts/fetch-debian-doc.sh) and lists its HTML pages. */
function debianDoc(pkg: string, under: string, limit = Infinity): string[] {
  const root = execFileSync('bash', [join(__dirname, '../../scripts/fetch-debian-doc.sh'), pkg], {
    encoding: 'utf8',
  }).trim();
  const pages: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.html?$/.test(name)) pages.push(realpathSync(path));
    }
  };
  walk(join(root, under));
  return [...new Set(pages)].slice(0, limit);
}

/**
 * Whole real documentation sets, made by different generators and not written by us, uploaded as
 * a user would: every page must become ready. Texinfo (the R manuals: seven single-page books of
 * up to 1 MB), DocBook XHTML with XML declarations (the Debian Reference; the PostgreSQL manual's
 * first pages) and Sphinx (the Python manual's first pages). The full sets run in
 * `BENCH_PARTS=docsets npm run bench:ingest`.
 */
describe('real documentation sets', () => {
  let context: TestContext;
  let sut: TestApp;
  let user: TestUser;

  beforeAll(async () => {
    context = await createTestContext();
    sut = await startTestApp(context, { SUMMARIES_ENABLED: 'false', UPLOAD_MAX_FILES: '20' });
    user = await signup(sut.http, 'docs');
  });

  afterAll(async () => {
    await sut?.close();
    await context?.destroy();
  });

  it.each([
    ['Texinfo: the R manuals (r-doc-html)', () => debianDoc('r-doc-html', 'usr/share/R/doc/manual')],
    [
      'DocBook XHTML: the Debian Reference (debian-reference-en)',
      () => debianDoc('debian-reference-en', 'usr/share/debian-reference'),
    ],
    [
      'DocBook XHTML: the PostgreSQL manual, first 60 pages (postgresql-doc-15)',
      () => debianDoc('postgresql-doc-15', 'usr/share/doc/postgresql-doc-15/html', 60),
    ],
    [
      'Sphinx: the Python manual, first 40 pages (python3.11-doc)',
      () => debianDoc('python3.11-doc', 'usr/share/doc/python3.11/html/library', 40),
    ],
  ])(
    '%s: every page becomes ready',
    async (label, pagesOf) => {
      const pages = pagesOf();
      expect(pages.length).toBeGreaterThan(5);
      const notebook = await createNotebook(sut.http, user.accessToken, label.slice(0, 100));
      const ids: string[] = [];
      for (let i = 0; i < pages.length; i += 20) {
        const files = pages.slice(i, i + 20).map((page) => ({ name: basename(page), data: readFileSync(page) }));
        const res = await upload(sut.http, user.accessToken, notebook, files);
        expect([res.status, res.body.details]).toEqual([201, undefined]);
        ids.push(...(res.body.sources as { id: string }[]).map((s) => s.id));
      }
      const statuses = await eventually(
        async () => {
          const res = await request(sut.http)
            .get(`/api/v1/notebooks/${notebook}/sources?limit=200`)
            .set(...bearer(user.accessToken))
            .expect(200);
          const items = res.body.items as { title: string; status: string; error: string | null }[];
          return items.every((s) => ['ready', 'failed', 'cancelled'].includes(s.status)) ? items : undefined;
        },
        240_000,
        500,
      );
      expect(statuses).toHaveLength(new Set(ids).size);
      expect(statuses.filter((s) => s.status !== 'ready').map((s) => `${s.title}: ${s.status} ${s.error}`)).toEqual([]);
    },
    300_000,
  );
});
