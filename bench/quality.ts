/* eslint-disable no-console -- benchmarks report on stdout */
// npm run bench:quality — retrieval quality on real corpora with human-made relevance judgements,
// from different documentation generators:
// - the Python 3.11 manual (Sphinx; Debian's python3.11-doc) and its general index: each index
//   entry is a query (its term, without qualifiers), the pages its links point to are relevant;
// - the R manuals (Texinfo; Debian's r-doc-html: seven books, one HTML page each) and their
//   concept and function indexes: each entry is a query, the sections it points to are relevant.
// For each it prints recall@5 and MRR@10 over the judged units (pages; sections) for chunk-level
// hybrid retrieval, vector only and full text only (Folio's search route, local embedding
// provider), for a whole-unit full-text baseline (each page or section as one document, the
// question's words OR-ed, cover-density rank), and recall@5 of the passages /api/v1/query hands
// the model (what chat sees).
//
// Environment: BENCH_QUALITY_QUERIES (per corpus, default 400), BENCH_QUALITY_CORPORA
// (python,r; `postgres` adds the PostgreSQL 15 manual and its index, kept as an independent check:
// nothing is tuned on it), BENCH_REDIS_URL. The ingested corpora are kept in folio_bench_quality between runs.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { type ChildNode, type Element, isTag, isText } from 'domhandler';
import { parseDocument } from 'htmlparser2';
import { Client } from 'pg';
import { benchUser, ensureDatabase, envNumber, folioServerEnv, machineSummary, startNode, stopNode } from './lib';
import { htmlPages, pageTitle, pythonDocsRoot, uploadPages, waitUntilIngested } from './python-docs';

const FOLIO = 'http://127.0.0.1:3807';

interface Judgement {
  query: string;
  relevant: Set<string>;
}

interface Hit {
  sourceTitle: string;
  position: { headingPath?: string[] } | null;
}

/** A corpus: its files, its judgements, what a retrieved passage counts as, and its baseline documents. */
interface Corpus {
  name: string;
  /** The files to upload: [path, the name to upload it under]. */
  files: [path: string, name: string][];
  judgements: Judgement[];
  /** The judged unit a hit belongs to. */
  unitOf(hit: Hit): string;
  /** SQL building `bench_units (unit text, tsv tsvector)` from the notebook's sources ($1). */
  unitsSql: string;
}

function textOf(nodes: readonly ChildNode[]): string {
  return nodes.map((n) => (isText(n) ? n.data : isTag(n) && n.name !== 'ul' ? textOf(n.children) : '')).join('');
}

// --- The Python manual: pages, judged by the general index -------------------------------------

/** Pages that are indexes or navigation, not content: not part of the searched corpus. */
const NOT_CONTENT = /(^|\/)(genindex[^/]*|py-modindex|search|contents)\.html$/;

function pythonCorpus(): Corpus {
  const root = pythonDocsRoot();
  const pages = htmlPages(root).filter((p) => !NOT_CONTENT.test(p.slice(root.length + 1)));
  const titles = new Set(pages.map((p) => pageTitle(root, p)));
  const judgements: Judgement[] = [];
  for (const page of htmlPages(root).filter((p) => /genindex-[A-Z_]+\.html$/.test(p))) {
    const doc = parseDocument(readFileSync(page, 'utf8'));
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
      if (term.length >= 3 && relevant.size >= 1 && relevant.size <= 5 && [...relevant].every((r) => titles.has(r))) {
        judgements.push({ query: term, relevant });
      }
    };
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
    doc.children.forEach((c) => visit(c, false));
  }
  return {
    name: 'Python 3.11 manual (Sphinx), pages',
    files: pages.map((p) => [p, pageTitle(root, p)]),
    judgements,
    unitOf: (hit) => hit.sourceTitle,
    unitsSql: `create table bench_units as select s.title as unit, to_tsvector('english', t.text) as tsv
               from sources s join source_texts t on t.source_id = s.id where s.notebook_id = $1 and s.status = 'ready'`,
  };
}

// --- The R manuals: sections, judged by the concept and function indexes ------------------------

/** A section title as a unit name: no numbering ("5.2", "A.1"), no markup, lower case. */
const sectionKey = (title: string): string =>
  title
    .replace(/¶/g, '')
    .replace(/^\s*(?:(?:[A-Z]|\d+)(?:\.\d+)*\.?)\s+/, '')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();

function rCorpus(): Corpus {
  const root = execFileSync('bash', [join(__dirname, '../../scripts/fetch-debian-doc.sh'), 'r-doc-html'], {
    encoding: 'utf8',
  }).trim();
  const dir = join(root, 'usr/share/R/doc/manual');
  const manuals = readdirSync(dir)
    .filter((f) => f.endsWith('.html'))
    .sort();
  const byTerm = new Map<string, Set<string>>();
  for (const manual of manuals) {
    const doc = parseDocument(readFileSync(join(dir, manual), 'utf8'));
    // Index rows: <td><a href="#index-…">term</a>:</td><td/><td><a href="#node">section title</a></td>.
    const visit = (node: ChildNode): void => {
      if (!isTag(node)) return;
      if (node.name === 'tr') {
        const anchors: Element[] = [];
        const collect = (n: ChildNode): void => {
          if (!isTag(n)) return;
          if (n.name === 'a' && n.attribs.href?.startsWith('#')) anchors.push(n);
          n.children.forEach(collect);
        };
        node.children.forEach(collect);
        if (anchors.length === 2 && anchors[0].attribs.href.startsWith('#index-')) {
          const term = textOf(anchors[0].children).replace(/\s+/g, ' ').trim();
          const section = sectionKey(textOf(anchors[1].children));
          if (term.length >= 3 && section) {
            const key = `${manual}\u0000${term}`;
            byTerm.set(key, (byTerm.get(key) ?? new Set()).add(`${manual}#${section}`));
          }
        }
        return;
      }
      node.children.forEach(visit);
    };
    doc.children.forEach(visit);
  }
  const judgements = [...byTerm.entries()]
    .map(([key, relevant]) => ({ query: key.split('\u0000')[1], relevant }))
    .filter((j) => j.relevant.size <= 5);
  return {
    name: 'R manuals (Texinfo), sections',
    files: manuals.map((m) => [join(dir, m), m]),
    judgements,
    unitOf: (hit) => `${hit.sourceTitle}#${sectionKey(hit.position?.headingPath?.at(-1) ?? '')}`,
    // Sections as documents: the chunks of each (source, last heading), text joined.
    unitsSql: `create table bench_units as select unit, to_tsvector('english', string_agg(text, ' ' order by ordinal)) as tsv
               from (select s.title || '#' || lower(regexp_replace(regexp_replace(coalesce(c.position->'headingPath'->>-1, ''),
                       '^\\s*(?:(?:[A-Z]|\\d+)(?:\\.\\d+)*\\.?)\\s+', ''), '\\s+', ' ', 'g')) as unit, c.text, c.ordinal
                     from chunks c join sources s on s.id = c.source_id where s.notebook_id = $1) x
               group by unit`,
  };
}

// --- The PostgreSQL manual: pages, judged by its index (an independent check, not in the default run) ---

function postgresCorpus(): Corpus {
  const root = execFileSync('bash', [join(__dirname, '../../scripts/fetch-debian-doc.sh'), 'postgresql-doc-15'], {
    encoding: 'utf8',
  }).trim();
  const dir = join(root, 'usr/share/doc/postgresql-doc-15/html');
  const pages = readdirSync(dir)
    .filter((f) => f.endsWith('.html') && f !== 'bookindex.html')
    .sort();
  const known = new Set(pages);
  const judgements: Judgement[] = [];
  const doc = parseDocument(readFileSync(join(dir, 'bookindex.html'), 'utf8'));
  // Top-level entries: <dt id="ientry-…">term, <a class="indexterm" href="page.html#…">…</a>, …</dt>.
  const visit = (node: ChildNode): void => {
    if (!isTag(node)) return;
    if (node.name === 'dt' && node.attribs.id?.startsWith('ientry-')) {
      const term = textOf(node.children.filter((c) => !(isTag(c) && c.name === 'a')))
        .split(',')[0]
        .replace(/\s+/g, ' ')
        .trim();
      const relevant = new Set<string>();
      for (const a of node.children) {
        if (isTag(a) && a.name === 'a' && a.attribs.href) relevant.add(a.attribs.href.split('#')[0]);
      }
      if (term.length >= 3 && relevant.size >= 1 && relevant.size <= 5 && [...relevant].every((r) => known.has(r))) {
        judgements.push({ query: term, relevant });
      }
      return;
    }
    node.children.forEach(visit);
  };
  doc.children.forEach(visit);
  return {
    name: 'PostgreSQL 15 manual (DocBook), pages',
    files: pages.map((p) => [join(dir, p), p]),
    judgements,
    unitOf: (hit) => hit.sourceTitle,
    unitsSql: `create table bench_units as select s.title as unit, to_tsvector('english', t.text) as tsv
               from sources s join source_texts t on t.source_id = s.id where s.notebook_id = $1 and s.status = 'ready'`,
  };
}

// --- Scoring --------------------------------------------------------------------------------

interface Scores {
  recall5: number;
  mrr10: number;
}

function score(ranked: readonly string[], relevant: ReadonlySet<string>): Scores {
  const units = [...new Set(ranked)];
  const hits5 = units.slice(0, 5).filter((u) => relevant.has(u)).length;
  const first = units.slice(0, 10).findIndex((u) => relevant.has(u));
  return { recall5: hits5 / relevant.size, mrr10: first < 0 ? 0 : 1 / (first + 1) };
}

async function post<T>(path: string, auth: Record<string, string>, body: unknown): Promise<T> {
  const res = await fetch(`${FOLIO}${path}`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function notebookFor(corpus: Corpus, auth: Record<string, string>, db: Client): Promise<string> {
  const list = (await (await fetch(`${FOLIO}/api/v1/notebooks?limit=100`, { headers: auth })).json()) as {
    items: { id: string; name: string; sourceCount: number }[];
  };
  const existing = list.items.find((n) => n.name === corpus.name);
  if (existing && existing.sourceCount === corpus.files.length) return existing.id;
  if (existing) await fetch(`${FOLIO}/api/v1/notebooks/${existing.id}`, { method: 'DELETE', headers: auth });
  const { id } = await post<{ id: string }>('/api/v1/notebooks', auth, { name: corpus.name });
  console.log(`ingesting ${corpus.name}…`);
  const byName = new Map(corpus.files.map(([path, name]) => [path, name]));
  await uploadPages(FOLIO, auth, id, '', [...byName.keys()], 4, (path) => byName.get(path) ?? basename(path));
  await waitUntilIngested(db, id, corpus.files.length);
  return id;
}

async function evaluate(corpus: Corpus, sample: number, auth: Record<string, string>, db: Client): Promise<void> {
  // A deterministic, evenly spread sample of the index.
  const step = Math.max(1, Math.floor(corpus.judgements.length / sample));
  const queries = corpus.judgements.filter((_, i) => i % step === 0).slice(0, sample);
  console.log(
    `\n${corpus.name}: ${corpus.files.length} files; index entries usable as queries: ${corpus.judgements.length}; sampled: ${queries.length}`,
  );
  const notebook = await notebookFor(corpus, auth, db);
  await db.query('drop table if exists bench_units');
  await db.query(corpus.unitsSql, [notebook]);

  const totals = new Map<string, Scores>();
  const add = (name: string, s: Scores): void => {
    const t = totals.get(name) ?? { recall5: 0, mrr10: 0 };
    totals.set(name, { recall5: t.recall5 + s.recall5, mrr10: t.mrr10 + s.mrr10 });
  };
  for (const { query, relevant } of queries) {
    for (const mode of ['hybrid', 'vector', 'text'] as const) {
      const { hits } = await post<{ hits: Hit[] }>(`/api/v1/notebooks/${notebook}/search`, auth, {
        query,
        k: 40,
        mode,
      });
      add(
        `chunks, ${mode}`,
        score(
          hits.map((hit) => corpus.unitOf(hit)),
          relevant,
        ),
      );
    }
    const { rows } = await db.query<{ unit: string }>(
      `with q as (select to_tsquery('simple', coalesce((select string_agg(quote_literal(l), ' | ')
                    from unnest(tsvector_to_array(to_tsvector('english', $1::text))) l), '')) as q)
       select unit from bench_units, q where tsv @@ q.q order by ts_rank_cd(tsv, q.q, 32) desc, unit limit 10`,
      [query],
    );
    add(
      'whole units, full text (baseline)',
      score(
        rows.map((r) => r.unit),
        relevant,
      ),
    );
    const answer = await post<{ sources: { title: string; position: Hit['position'] }[] }>('/api/v1/query', auth, {
      notebook_id: notebook,
      query,
    });
    const passages = answer.sources.map((s) => corpus.unitOf({ sourceTitle: s.title, position: s.position }));
    add('/api/v1/query passages (what chat sees)', { recall5: score(passages, relevant).recall5, mrr10: NaN });
  }
  console.log(`${'retrieval'.padEnd(42)} recall@5  MRR@10`);
  for (const [name, s] of totals) {
    const mrr = Number.isNaN(s.mrr10) ? '   –' : (s.mrr10 / queries.length).toFixed(3);
    console.log(`${name.padEnd(42)} ${(s.recall5 / queries.length).toFixed(3)}     ${mrr}`);
  }
  await db.query('drop table if exists bench_units');
}

async function main(): Promise<void> {
  const sample = envNumber('BENCH_QUALITY_QUERIES', 400);
  const names = (process.env.BENCH_QUALITY_CORPORA ?? 'python,r').split(',').map((n) => n.trim());
  console.log(`bench:quality on ${machineSummary()}`);
  const corpora = names.map((n) => (n === 'python' ? pythonCorpus() : n === 'postgres' ? postgresCorpus() : rCorpus()));

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
    for (const corpus of corpora) await evaluate(corpus, sample, auth, db);
  } finally {
    await db.end();
    await stopNode(folio);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
