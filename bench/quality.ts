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
import { basename } from 'node:path';
import { Client } from 'pg';
import { LocalEmbeddingProvider } from '../src/embeddings/local-embedding.provider';
import { benchUser, ensureDatabase, envNumber, folioServerEnv, machineSummary, startNode, stopNode } from './lib';
import { waitUntilIngested, uploadPages } from './python-docs';
import { type Corpus, corpusByName, type Hit, sampleOf, type Scores, score } from './quality-corpora';

const FOLIO = 'http://127.0.0.1:3807';

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
  if (existing && existing.sourceCount === corpus.files.length) {
    // Kept from an earlier run, unless it did not finish or its chunks were embedded by another
    // version of the local provider (they would be invisible to vector search).
    const { rows } = await db.query<{ stale: boolean }>(
      `select exists (select 1 from chunks where notebook_id = $1 and embedding_model <> $2)
           or exists (select 1 from sources where notebook_id = $1 and status <> 'ready') as stale`,
      [existing.id, new LocalEmbeddingProvider(384).id],
    );
    if (!rows[0].stale) return existing.id;
  }
  if (existing) await fetch(`${FOLIO}/api/v1/notebooks/${existing.id}`, { method: 'DELETE', headers: auth });
  const { id } = await post<{ id: string }>('/api/v1/notebooks', auth, { name: corpus.name });
  console.log(`ingesting ${corpus.name}…`);
  const byName = new Map(corpus.files.map(([path, name]) => [path, name]));
  await uploadPages(FOLIO, auth, id, '', [...byName.keys()], 4, (path) => byName.get(path) ?? basename(path));
  await waitUntilIngested(db, id, corpus.files.length);
  return id;
}

async function evaluate(corpus: Corpus, sample: number, auth: Record<string, string>, db: Client): Promise<void> {
  const queries = sampleOf(corpus, sample);
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
  const corpora = names.map(corpusByName);

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
