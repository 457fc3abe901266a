/* eslint-disable no-console -- benchmarks report on stdout */
// npm run bench:quality — retrieval quality on a real corpus with human-made relevance
// judgements: the Python 3.11 manual (Debian's python3.11-doc) and its general index. Each index
// entry is a query (its term, without qualifiers); the pages its links point to are the relevant
// answers. Prints recall@5 and MRR@10 over pages for chunk-level hybrid retrieval, vector only
// and full text only (through Folio's search route, local embedding provider), and for a
// whole-page full-text baseline (each page as one document, same OR query, cover-density rank).
//
// Environment: BENCH_QUALITY_QUERIES (default 400), BENCH_REDIS_URL. The ingested manual is kept
// in folio_bench_quality between runs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'htmlparser2';
import { type ChildNode, type Element, isTag, isText } from 'domhandler';
import { Client } from 'pg';
import { benchUser, ensureDatabase, envNumber, folioServerEnv, machineSummary, startNode, stopNode } from './lib';
import { htmlPages, pageTitle, pythonDocsRoot, uploadPages, waitUntilIngested } from './python-docs';

const FOLIO = 'http://127.0.0.1:3807';
/** Pages that are indexes or navigation, not content: not part of the searched corpus. */
const NOT_CONTENT = /(^|\/)(genindex[^/]*|py-modindex|search|contents)\.html$/;

interface Judgement {
  query: string;
  relevant: Set<string>;
}

function textOf(nodes: readonly ChildNode[]): string {
  return nodes.map((n) => (isText(n) ? n.data : isTag(n) && n.name !== 'ul' ? textOf(n.children) : '')).join('');
}

/** Index entries of genindex-*.html: the term and the pages of every link under it. */
function judgements(root: string): Judgement[] {
  const out: Judgement[] = [];
  const pages = htmlPages(root).filter((p) => /genindex-[A-Z_]+\.html$/.test(p));
  for (const page of pages) {
    const doc = parseDocument(readFileSync(page, 'utf8'));
    const visit = (node: ChildNode, inTable: boolean): void => {
      if (!isTag(node)) return;
      const table = inTable || (node.name === 'table' && (node.attribs.class ?? '').split(' ').includes('indextable'));
      // Top-level entries: <td> → <ul> → <li>.
      if (table && node.name === 'td') {
        for (const ul of node.children.filter((c): c is Element => isTag(c) && c.name === 'ul')) {
          for (const li of ul.children.filter((c): c is Element => isTag(c) && c.name === 'li')) entry(li);
        }
        return;
      }
      node.children.forEach((c) => visit(c, table));
    };
    const entry = (li: Element): void => {
      const term = textOf(li.children)
        .replace(/\([^)]*\)/g, ' ')
        .replace(/\s+/g, ' ')
        .trim();
      const relevant = new Set<string>();
      const links = (n: ChildNode): void => {
        if (!isTag(n)) return;
        if (n.name === 'a' && n.attribs.href && !n.attribs.href.startsWith('http')) {
          relevant.add(pageTitle(root, join(root, n.attribs.href.split('#')[0])));
        }
        n.children.forEach(links);
      };
      li.children.forEach(links);
      if (term.length >= 3 && relevant.size >= 1 && relevant.size <= 5) out.push({ query: term, relevant });
    };
    doc.children.forEach((c) => visit(c, false));
  }
  return out;
}

interface Scores {
  recall5: number;
  mrr10: number;
}

function score(ranked: readonly string[], relevant: ReadonlySet<string>): Scores {
  const pages = [...new Set(ranked)];
  const hits5 = pages.slice(0, 5).filter((p) => relevant.has(p)).length;
  const first = pages.slice(0, 10).findIndex((p) => relevant.has(p));
  return { recall5: hits5 / relevant.size, mrr10: first < 0 ? 0 : 1 / (first + 1) };
}

async function main(): Promise<void> {
  const sample = envNumber('BENCH_QUALITY_QUERIES', 400);
  console.log(`bench:quality on ${machineSummary()}`);
  const root = pythonDocsRoot();
  const pages = htmlPages(root).filter((p) => !NOT_CONTENT.test(p.slice(root.length + 1)));
  const all = judgements(root).filter((j) => [...j.relevant].every((p) => pages.some((x) => pageTitle(root, x) === p)));
  // A deterministic, evenly spread sample of the index.
  const step = Math.max(1, Math.floor(all.length / sample));
  const queries = all.filter((_, i) => i % step === 0).slice(0, sample);
  console.log(
    `corpus: ${pages.length} pages; index entries usable as queries: ${all.length}; sampled: ${queries.length}`,
  );

  const databaseUrl = await ensureDatabase('postgresql://postgres@127.0.0.1:5432/folio_bench_quality');
  const folio = await startNode(
    'src/main.js',
    {
      ...folioServerEnv(databaseUrl, process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379', 3807),
      EMBEDDING_PROVIDER: 'local',
      LLM_PROVIDER: 'local',
      SUMMARIES_ENABLED: 'false',
      UPLOAD_MAX_FILES: '25',
    },
    `${FOLIO}/health/ready`,
  );
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const user = await benchUser(FOLIO, 'bench-quality@example.test');
    const auth = { authorization: `Bearer ${user.accessToken}` };
    const list = (await (await fetch(`${FOLIO}/api/v1/notebooks?limit=1`, { headers: auth })).json()) as {
      items: { id: string; sourceCount: number }[];
    };
    let notebook = list.items[0]?.id;
    if (!notebook || list.items[0].sourceCount !== pages.length) {
      if (notebook) await fetch(`${FOLIO}/api/v1/notebooks/${notebook}`, { method: 'DELETE', headers: auth });
      const created = await fetch(`${FOLIO}/api/v1/notebooks`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Python 3.11 manual (quality)' }),
      });
      notebook = ((await created.json()) as { id: string }).id;
      console.log('ingesting the manual…');
      await uploadPages(FOLIO, auth, notebook, root, pages, 4);
      await waitUntilIngested(db, notebook, pages.length);
    }
    await db.query('drop table if exists bench_pages');
    await db.query(
      `create table bench_pages as select s.title, to_tsvector('english', t.text) as tsv
       from sources s join source_texts t on t.source_id = s.id where s.notebook_id = $1 and s.status = 'ready'`,
      [notebook],
    );

    const totals: Record<string, Scores> = {};
    const add = (name: string, s: Scores): void => {
      totals[name] ??= { recall5: 0, mrr10: 0 };
      totals[name].recall5 += s.recall5;
      totals[name].mrr10 += s.mrr10;
    };
    for (const { query, relevant } of queries) {
      for (const mode of ['hybrid', 'vector', 'text'] as const) {
        const res = await fetch(`${FOLIO}/api/v1/notebooks/${notebook}/search`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify({ query, k: 40, mode }),
        });
        const hits = ((await res.json()) as { hits: { sourceTitle: string }[] }).hits;
        add(
          `chunks, ${mode}`,
          score(
            hits.map((h) => h.sourceTitle),
            relevant,
          ),
        );
      }
      const { rows } = await db.query<{ title: string }>(
        `with q as (select to_tsquery('simple', coalesce((select string_agg(quote_literal(l), ' | ')
                      from unnest(tsvector_to_array(to_tsvector('english', $1::text))) l), '')) as q)
         select title from bench_pages, q where tsv @@ q.q order by ts_rank_cd(tsv, q.q, 32) desc, title limit 10`,
        [query],
      );
      add(
        'whole pages, full text (baseline)',
        score(
          rows.map((r) => r.title),
          relevant,
        ),
      );
    }
    console.log(`\n${'retrieval'.padEnd(36)} recall@5  MRR@10`);
    for (const [name, s] of Object.entries(totals)) {
      console.log(
        `${name.padEnd(36)} ${(s.recall5 / queries.length).toFixed(3)}     ${(s.mrr10 / queries.length).toFixed(3)}`,
      );
    }
    await db.query('drop table if exists bench_pages');
  } finally {
    await db.end();
    await stopNode(folio);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
