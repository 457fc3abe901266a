/* eslint-disable no-console -- benchmarks report on stdout */
// The docsets part of bench:ingest: whole real documentation sets from Debian, made by different
// generators — Sphinx (the Python manual), DocBook XHTML (the PostgreSQL manual, the Debian
// Reference), Texinfo (the R manuals) — uploaded through the API in server mode. Prints, for
// each, how many pages became ready or failed (and why), the chunks and the time.
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { json, notebook, user, withFolio } from './fairness';
import { debianDoc } from './python-docs';

const SETS: { label: string; pkg: string; under: string }[] = [
  { label: 'Sphinx: Python 3.11 manual', pkg: 'python3.11-doc', under: 'usr/share/doc/python3.11/html' },
  {
    label: 'DocBook XHTML: PostgreSQL 15 manual',
    pkg: 'postgresql-doc-15',
    under: 'usr/share/doc/postgresql-doc-15/html',
  },
  { label: 'DocBook XHTML: Debian Reference', pkg: 'debian-reference-en', under: 'usr/share/debian-reference' },
  { label: 'Texinfo: R manuals', pkg: 'r-doc-html', under: 'usr/share/R/doc/manual' },
];

function pagesOf(pkg: string, under: string): string[] {
  const root = debianDoc(pkg);
  const pages = new Set<string>();
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      if (name.startsWith('_')) continue; // Sphinx's _static, _sources, _images: not pages
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.html?$/.test(name)) pages.add(realpathSync(path));
    }
  };
  walk(join(root, under));
  return [...pages];
}

export async function runDocsets(redisUrl: string): Promise<void> {
  console.log('\nreal documentation sets, server mode, one notebook each');
  await withFolio('server', 3811, redisUrl, { UPLOAD_MAX_FILES: '25' }, async (base) => {
    const client = await user(base, 'docsets');
    for (const set of SETS) {
      const pages = pagesOf(set.pkg, set.under);
      const id = await notebook(client, set.label);
      const started = Date.now();
      for (let i = 0; i < pages.length; i += 25) {
        const form = new FormData();
        // Names keep their directory, as a user uploading a tree would see them.
        for (const page of pages.slice(i, i + 25)) form.append('files', new Blob([readFileSync(page)]), basename(page));
        const res = await fetch(`${base}/api/v1/notebooks/${id}/sources`, {
          method: 'POST',
          headers: client.auth,
          body: form,
        });
        if (res.status !== 201) console.log(`  upload refused: ${res.status} ${(await res.text()).slice(0, 300)}`);
      }
      type Item = { title: string; status: string; error: string | null; chunkCount: number };
      let items: Item[];
      for (;;) {
        items = [];
        for (let cursor: string | null = null; ;) {
          const page: { items: Item[]; nextCursor: string | null } = await json(
            await fetch(`${base}/api/v1/notebooks/${id}/sources?limit=200${cursor ? `&cursor=${cursor}` : ''}`, {
              headers: client.auth,
            }),
          );
          items.push(...page.items);
          if (!page.nextCursor) break;
          cursor = page.nextCursor;
        }
        if (items.every((s) => ['ready', 'failed', 'cancelled'].includes(s.status))) break;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
      const ready = items.filter((s) => s.status === 'ready');
      const failed = items.filter((s) => s.status !== 'ready');
      console.log(
        `  ${set.label} (${set.pkg}): ${pages.length} pages, ${ready.length} ready, ${failed.length} failed, ` +
          `${ready.reduce((n, s) => n + s.chunkCount, 0)} chunks, ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
      for (const s of failed.slice(0, 10)) console.log(`    failed: ${s.title}: ${s.error}`);
    }
  });
}
