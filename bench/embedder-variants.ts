/* eslint-disable no-console -- benchmarks report on stdout */
// npm run bench:embedder — the offline embedder's variants, an offline reranker and other fusions,
// measured on bench:quality's corpora without ingesting them again: reads the chunks that
// `npm run bench:quality` left in folio_bench_quality (run it first), embeds them with each
// variant in this process, and replays Folio's hybrid retrieval for each query (exact vector
// list, the same full-text list from the database, reciprocal rank fusion with the default
// weights), then, on the shipped variant, reranking and fusion experiments: BM25 (corpus
// statistics of the notebook) reranking the fused candidates or fused with them, parent-document
// lists (each chunk's source, or its section, ranked by full text over its whole text) fused in,
// and diversification (at most n chunks of a source or section first). The variant
// `v2 (shipped)` is what Folio ships; its hybrid figures must equal bench:quality's (a check on
// the replay); `v1` is the provider before identifier parts (its words without their parts).
// Prints recall@5 and MRR@10 over the judged units.
//
// Environment: BENCH_QUALITY_QUERIES (default 400), BENCH_QUALITY_CORPORA (default python,r),
// BENCH_VARIANTS (comma list, default all).
import { Client } from 'pg';
import { type ChunkPosition } from '../src/chunks/chunk.entity';
import { embeddingWords, LocalEmbeddingProvider } from '../src/embeddings/local-embedding.provider';
import { embeddingInput } from '../src/ingestion/processing/prepare-document';
import { envNumber, machineSummary } from './lib';
import { corpusByName, sampleOf, type Scores, score } from './quality-corpora';

const DIMENSIONS = 384;
const CANDIDATES = 40;
const RRF_K = 60;

interface Chunk {
  id: string;
  text: string;
  position: ChunkPosition;
  title: string;
  unit: string;
}

/** Word statistics of one notebook's chunks, for the variants that weight by rarity. */
interface Stats {
  df: Map<string, number>;
  n: number;
  avgLength: number;
}

type Variant = (text: string, stats: Stats, query: boolean) => Float32Array;

const WORD = /[\p{L}\p{N}]+/gu;
const words = (text: string): string[] => text.toLowerCase().match(WORD) ?? [];

function statsOf(chunks: readonly Chunk[]): Stats {
  const df = new Map<string, number>();
  let total = 0;
  for (const c of chunks) {
    const ws = words(embeddingInput(c));
    total += ws.length;
    for (const w of new Set(ws)) df.set(w, (df.get(w) ?? 0) + 1);
  }
  return { df, n: chunks.length, avgLength: total / Math.max(1, chunks.length) };
}

const idf = (stats: Stats, word: string): number => {
  const df = stats.df.get(word) ?? 0;
  return Math.log(1 + (stats.n - df + 0.5) / (df + 0.5));
};

const provider = new LocalEmbeddingProvider(DIMENSIONS);

/** v1: the provider over plain lower-case words (no identifier parts), each word's features weighted. */
const v1 = (text: string, weightOf: (word: string) => number = () => 1): Float32Array =>
  provider.embedWords(words(text), weightOf);
/** v2 with each word's features weighted. */
const v2 = (text: string, weightOf: (word: string) => number): Float32Array =>
  provider.embedWords(embeddingWords(text), weightOf);

const VARIANTS: Record<string, Variant> = {
  'v2 (shipped)': (text) => provider.embedOne(text),
  'v1 (no identifier parts)': (text) => v1(text),
  'v1 + idf query': (text, stats, query) => (query ? v1(text, (w) => idf(stats, w)) : v1(text)),
  'v1 + idf both': (text, stats) => v1(text, (w) => idf(stats, w)),
  'v2 + idf query': (text, stats, query) => (query ? v2(text, (w) => idf(stats, w)) : provider.embedOne(text)),
  'v2 + idf² query': (text, stats, query) => (query ? v2(text, (w) => idf(stats, w) ** 2) : provider.embedOne(text)),
  'v2 + sqrt idf both': (text, stats) => v2(text, (w) => Math.sqrt(idf(stats, w))),
  'v2 + idf both': (text, stats) => v2(text, (w) => idf(stats, w)),
};

/** Inputs per chunk: the chunk as Folio embeds it, or with its heading path twice. */
const INPUTS: Record<string, (c: Chunk) => string> = {
  'heading path once': (c) => embeddingInput(c),
  'heading path twice': (c) =>
    c.position.headingPath?.length ? `${c.position.headingPath.join(' › ')}\n${embeddingInput(c)}` : c.text,
};

/** Okapi BM25 (k1 1.2, b 0.75) over the fused candidates, with the notebook's word statistics. */
function bm25(query: string, texts: readonly string[], stats: Stats): number[] {
  const q = [...new Set(words(query))];
  return texts.map((text) => {
    const ws = words(text);
    const tf = new Map<string, number>();
    for (const w of ws) tf.set(w, (tf.get(w) ?? 0) + 1);
    let s = 0;
    for (const w of q) {
      const f = tf.get(w) ?? 0;
      if (f > 0) s += (idf(stats, w) * f * 2.2) / (f + 1.2 * (0.25 + (0.75 * ws.length) / stats.avgLength));
    }
    return s;
  });
}

const dot = (a: Float32Array, b: Float32Array): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

async function main(): Promise<void> {
  const sample = envNumber('BENCH_QUALITY_QUERIES', 400);
  const names = (process.env.BENCH_QUALITY_CORPORA ?? 'python,r').split(',').map((n) => n.trim());
  const only = process.env.BENCH_VARIANTS?.split(',').map((v) => v.trim());
  console.log(`bench embedder-variants on ${machineSummary()}`);
  const db = new Client({ connectionString: 'postgresql://postgres@127.0.0.1:5432/folio_bench_quality' });
  await db.connect();
  try {
    for (const name of names) {
      const corpus = corpusByName(name);
      const queries = sampleOf(corpus, sample);
      const nb = await db.query<{ id: string }>('select id from notebooks where name = $1 and deleted_at is null', [
        corpus.name,
      ]);
      if (nb.rows.length === 0) throw new Error(`${corpus.name} is not ingested: run npm run bench:quality first`);
      const notebook = nb.rows[0].id;
      const { rows } = await db.query<{ id: string; text: string; position: ChunkPosition; title: string }>(
        `select c.id, c.text, c.position, s.title from chunks c join sources s on s.id = c.source_id
         where c.notebook_id = $1 order by c.id`,
        [notebook],
      );
      const chunks: Chunk[] = rows.map((r) => ({
        ...r,
        unit: corpus.unitOf({ sourceTitle: r.title, position: r.position }),
      }));
      const byId = new Map(chunks.map((c) => [c.id, c]));
      const stats = statsOf(chunks);
      console.log(`\n${corpus.name}: ${chunks.length} chunks, ${queries.length} queries`);

      // The full-text list, as Folio's scan path ranks it (every word first, then cover density).
      const textLists: string[][] = [];
      for (const { query } of queries) {
        const t = await db.query<{ id: string }>(
          `with lexemes as (select quote_literal(l) as l from unnest(tsvector_to_array(to_tsvector('english', $2::text))) l),
                tq as (select to_tsquery('simple', coalesce((select string_agg(l, ' | ') from lexemes), '')) as q,
                              to_tsquery('simple', coalesce((select string_agg(l, ' & ') from lexemes), '')) as q_all),
                tm as (select c.id, c.tsv from chunks c, tq where c.notebook_id = $1 and c.tsv @@ tq.q
                       order by ts_match_vq(c.tsv, tq.q_all) desc limit 500)
           select x.id from tm x, tq order by x.tsv @@ tq.q_all desc, ts_rank_cd(x.tsv, tq.q, 32) desc, x.id limit $3`,
          [notebook, query, CANDIDATES],
        );
        textLists.push(t.rows.map((r) => r.id));
      }

      // Parent-document lists: each chunk's parent (its source; its section: source + heading path)
      // ranked by full text over the parent's whole text, as the whole-unit baseline ranks units.
      const parentOf = {
        source: (c: Chunk): string => c.title,
        section: (c: Chunk): string => `${c.title} › ${(c.position.headingPath ?? []).join(' › ')}`,
      };
      const parentLists: Record<keyof typeof parentOf, string[][]> = { source: [], section: [] };
      for (const kind of Object.keys(parentOf) as (keyof typeof parentOf)[]) {
        const groups = new Map<string, string[]>();
        for (const c of chunks) groups.set(parentOf[kind](c), [...(groups.get(parentOf[kind](c)) ?? []), c.text]);
        await db.query('drop table if exists lab_parents');
        // A tsvector holds at most 1 MB: a longer parent is indexed by its first 500,000 characters.
        await db.query(
          `create temp table lab_parents as
           select p as parent, to_tsvector('english', left(t, 500000)) as tsv from unnest($1::text[], $2::text[]) as x(p, t)`,
          [[...groups.keys()], [...groups.values()].map((texts) => texts.join('\n'))],
        );
        for (const { query } of queries) {
          const r = await db.query<{ parent: string }>(
            `with q as (select to_tsquery('simple', coalesce((select string_agg(quote_literal(l), ' | ')
                          from unnest(tsvector_to_array(to_tsvector('english', $1::text))) l), '')) as q)
             select parent from lab_parents, q where tsv @@ q.q order by ts_rank_cd(tsv, q.q, 32) desc, parent limit $2`,
            [query, CANDIDATES],
          );
          parentLists[kind].push(r.rows.map((x) => x.parent));
        }
      }

      console.log(`${'variant'.padEnd(44)} vector r@5/MRR   hybrid r@5/MRR`);
      const experiments = new Map<string, Scores>();
      for (const [inputName, input] of Object.entries(INPUTS)) {
        for (const [variantName, variant] of Object.entries(VARIANTS)) {
          if (only && !only.includes(variantName)) continue;
          if (inputName !== 'heading path once' && variantName !== 'v2 (shipped)') continue;
          const vectors = chunks.map((c) => variant(input(c), stats, false));
          const totals = { vector: zero(), hybrid: zero() };
          queries.forEach(({ query, relevant }, qi) => {
            const qv = variant(query, stats, true);
            const vlist = chunks
              .map((c, i) => ({ id: c.id, d: 1 - dot(qv, vectors[i]) }))
              .sort((a, b) => a.d - b.d || (a.id < b.id ? -1 : 1))
              .slice(0, CANDIDATES)
              .map((x) => x.id);
            const fused = new Map<string, number>();
            vlist.forEach((id, r) => fused.set(id, (fused.get(id) ?? 0) + 1 / (RRF_K + r + 1)));
            textLists[qi].forEach((id, r) => fused.set(id, (fused.get(id) ?? 0) + 1 / (RRF_K + r + 1)));
            const hybrid = [...fused.entries()]
              .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
              .slice(0, CANDIDATES)
              .map(([id]) => id);
            const bm = bm25(
              query,
              hybrid.map((id) => embeddingInput(byId.get(id)!)),
              stats,
            );
            const reranked = hybrid
              .map((id, i) => ({ id, s: bm[i], r: i }))
              .sort((a, b) => b.s - a.s || a.r - b.r)
              .map((x) => x.id);
            // BM25 as a third ranked list fused with the other two, instead of replacing their order.
            const bmFused = new Map(fused);
            reranked.forEach((id, r) => bmFused.set(id, (bmFused.get(id) ?? 0) + 1 / (RRF_K + r + 1)));
            const fused3 = hybrid
              .map((id, i) => ({ id, s: bmFused.get(id)!, r: i }))
              .sort((a, b) => b.s - a.s || a.r - b.r)
              .map((x) => x.id);
            const unit = (ids: string[]): string[] => ids.map((id) => byId.get(id)!.unit);
            plus(totals.vector, score(unit(vlist), relevant));
            plus(totals.hybrid, score(unit(hybrid), relevant));
            if (variantName !== 'v2 (shipped)' || inputName !== 'heading path once') return;
            const experiment = (name: string, ids: string[]): void => {
              const t = experiments.get(name) ?? zero();
              plus(t, score(unit(ids), relevant));
              experiments.set(name, t);
            };
            experiment('hybrid (as shipped)', hybrid);
            experiment('BM25 reranks the fused list', reranked);
            experiment('BM25 as a third fused list', fused3);
            // Parent-document scoring: the parent's rank as one more list every chunk inherits.
            for (const kind of Object.keys(parentOf) as (keyof typeof parentOf)[]) {
              const rank = new Map(parentLists[kind][qi].map((p, r) => [p, r]));
              const pool = [...new Set([...vlist, ...textLists[qi]])];
              for (const weight of [0.5, 1]) {
                const withParent = pool
                  .map((id) => {
                    const r = rank.get(parentOf[kind](byId.get(id)!));
                    return { id, s: (fused.get(id) ?? 0) + (r === undefined ? 0 : weight / (RRF_K + r + 1)) };
                  })
                  .sort((a, b) => b.s - a.s || (a.id < b.id ? -1 : 1))
                  .map((x) => x.id);
                experiment(`+ ${kind} list (weight ${weight})`, withParent);
              }
            }
            // Diversified: at most n chunks of one parent among the first ones, the rest after.
            for (const kind of Object.keys(parentOf) as (keyof typeof parentOf)[]) {
              for (const n of [1, 2]) {
                const seen = new Map<string, number>();
                const first: string[] = [];
                const later: string[] = [];
                for (const id of hybrid) {
                  const parent = parentOf[kind](byId.get(id)!);
                  const k = (seen.get(parent) ?? 0) + 1;
                  seen.set(parent, k);
                  (k <= n ? first : later).push(id);
                }
                experiment(`at most ${n} chunk(s) per ${kind} first`, [...first, ...later]);
              }
            }
          });
          const f = (s: Scores): string =>
            `${(s.recall5 / queries.length).toFixed(3)} / ${(s.mrr10 / queries.length).toFixed(3)}`;
          console.log(`${`${variantName}, ${inputName}`.padEnd(44)} ${f(totals.vector)}    ${f(totals.hybrid)}`);
        }
      }
      console.log(`\n${'reranking and fusion, on v2 (shipped)'.padEnd(44)} r@5/MRR`);
      for (const [name, t] of experiments) {
        console.log(
          `${name.padEnd(44)} ${(t.recall5 / queries.length).toFixed(3)} / ${(t.mrr10 / queries.length).toFixed(3)}`,
        );
      }
    }
  } finally {
    await db.end();
  }
}

const zero = (): Scores => ({ recall5: 0, mrr10: 0 });
const plus = (t: Scores, s: Scores): void => {
  t.recall5 += s.recall5;
  t.mrr10 += s.mrr10;
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
