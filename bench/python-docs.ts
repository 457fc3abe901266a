// The Python 3.11 HTML manual from Debian's python3.11-doc: a real document collection not
// written by us, for bench:ingest and bench:quality.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { type Client } from 'pg';

export const FILES_PER_REQUEST = 25;

/** Downloads and unpacks a Debian documentation package if needed (scripts/fetch-debian-doc.sh); returns where. */
export function debianDoc(pkg: string): string {
  return execFileSync('bash', [join(__dirname, '../../scripts/fetch-debian-doc.sh'), pkg], { encoding: 'utf8' }).trim();
}

/** The HTML root of Debian's python3.11-doc, unpacked if needed. */
export function pythonDocsRoot(): string {
  return join(debianDoc('python3.11-doc'), 'usr/share/doc/python3.11/html');
}

export function htmlPages(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      if (name.startsWith('_')) continue; // _static, _sources, _images: not pages
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.html')) out.push(path);
    }
  };
  walk(root);
  return out.sort();
}

/** The name a page is uploaded under (and its source title): its path with `/` as `_`. */
export const pageTitle = (root: string, page: string): string => relative(root, page).replace(/[\\/]/g, '_');

/** Uploads pages in multipart requests of FILES_PER_REQUEST files, `parallel` requests at a time. */
export async function uploadPages(
  folio: string,
  auth: Record<string, string>,
  notebook: string,
  root: string,
  pages: readonly string[],
  parallel: number,
  /** The name each page is uploaded under (its source title); default: its path below `root`. */
  nameOf: (page: string) => string = (page) => pageTitle(root, page),
): Promise<void> {
  const batches: string[][] = [];
  for (let i = 0; i < pages.length; i += FILES_PER_REQUEST) batches.push(pages.slice(i, i + FILES_PER_REQUEST));
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < batches.length) {
        const batch = batches[next++];
        const form = new FormData();
        for (const page of batch) {
          form.append('files', new Blob([readFileSync(page)], { type: 'text/html' }), nameOf(page));
        }
        const res = await fetch(`${folio}/api/v1/notebooks/${notebook}/sources`, {
          method: 'POST',
          headers: auth,
          body: form,
        });
        if (res.status !== 201) throw new Error(`upload failed: ${res.status} ${await res.text()}`);
      }
    }),
  );
}

export type StatusCounts = Record<string, { n: number; chunks: number; tokens: number }>;

/** Polls the database until every source of the notebook is ready or failed. */
export async function waitUntilIngested(db: Client, notebook: string, total: number): Promise<StatusCounts> {
  for (;;) {
    const { rows } = await db.query<{ status: string; n: number; chunks: number; tokens: number }>(
      `select status, count(*)::int as n, coalesce(sum(chunk_count), 0)::int as chunks, coalesce(sum(token_count), 0)::int as tokens
       from sources where notebook_id = $1 group by status`,
      [notebook],
    );
    const counts: StatusCounts = Object.fromEntries(rows.map((r) => [r.status, r]));
    if ((counts.ready?.n ?? 0) + (counts.failed?.n ?? 0) >= total) return counts;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
