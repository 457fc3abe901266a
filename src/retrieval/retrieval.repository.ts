import { Injectable } from '@nestjs/common';
import { type ChunkPosition } from '../chunks/chunk.entity';
import { VISIBLE_CHUNK } from '../chunks/chunk-visibility';
import { Sql } from '../database/sql';

export type HitKind = 'chunk' | 'summary';

export interface HitRow {
  id: string;
  kind: HitKind;
  score: number;
  vector_score: number | null;
  text_score: number | null;
  notebook_id: string;
  source_id: string | null;
  source_title: string;
  text: string;
  position: ChunkPosition | null;
  level: number | null;
}

export interface HybridQuery {
  notebookIds: readonly string[];
  /** Only these sources (their chunks and source-level summaries); null for all. */
  sourceIds: readonly string[] | null;
  /** The query embedding in pgvector's binary form (toPgVectorBinary). */
  vector: Buffer;
  text: string;
  model: string;
  dimensions: number;
  candidates: number;
  k: number;
  vectorWeight: number;
  textWeight: number;
  summaryWeight: number;
  rrfK: number;
}

/** Vector candidates found through the HNSW index, handed to the fusion query. */
interface Candidates {
  ids: string[];
  distances: number[];
}

/**
 * The retrieval queries: vector nearest neighbours and full-text matches over chunks and summary
 * nodes, fused by reciprocal rank in the database, in one statement. Vector candidates come from
 * an exact scan of the notebooks' own rows (small notebooks: exact and fast) or from the HNSW
 * index with pgvector's iterative scan (large ones), which keeps scanning the graph until enough
 * rows pass the notebook filter instead of returning the filter's leftovers of a fixed ef_search.
 */
@Injectable()
export class RetrievalRepository {
  constructor(private readonly sql: Sql) {}

  /**
   * Exact: vector distances over every row of the notebooks, full-text matches from the index,
   * fused with the same ranking as the indexed path, in one round trip.
   */
  async hybridExact(q: HybridQuery): Promise<HitRow[]> {
    const d = dims(q.dimensions);
    const summaries = q.summaryWeight > 0;
    return this.sql.rows<HitRow>(statementName('exact', d, summaries), fusionSql(d, 'scan', summaries), params(q));
  }

  /**
   * Vector candidates through the HNSW index (iterative scan), then the same fusion. Returns null
   * when the index gave fewer candidates than the notebooks hold (a scan limit was hit): the caller
   * then falls back to the exact scan, so results never come back short.
   */
  async hybridIndexed(q: HybridQuery, expectedCandidates: number): Promise<HitRow[] | null> {
    const d = dims(q.dimensions);
    let candidates: Candidates = { ids: [], distances: [] };
    if (q.vectorWeight > 0) {
      const efSearch = Math.min(1000, Math.max(40, q.candidates * 2));
      const rows = await this.sql.transaction(
        { 'hnsw.iterative_scan': 'relaxed_order', 'hnsw.ef_search': String(efSearch) },
        (query) =>
          query<{ id: string; d: number }>(
            `retrieval_hnsw_${d}`,
            `select id, d from (
               select c.id, c.embedding::vector(${d}) <=> (select $1::vector(${d})) as d
               from chunks c
               where c.notebook_id = any($2::uuid[]) and ($3::uuid[] is null or c.source_id = any($3::uuid[]))
                 and c.embedding_model = $4 and vector_dims(c.embedding) = ${d} and ${VISIBLE_CHUNK}
               order by c.embedding::vector(${d}) <=> $1::vector(${d})
               limit $5) x
             order by d`,
            [q.vector, q.notebookIds, q.sourceIds, q.model, q.candidates],
          ),
      );
      if (rows.length < expectedCandidates) return null;
      candidates = { ids: rows.map((r) => r.id), distances: rows.map((r) => r.d) };
    }
    const summaries = q.summaryWeight > 0;
    return this.sql.rows<HitRow>(statementName('indexed', d, summaries), fusionSql(d, 'index', summaries), [
      ...params(q),
      candidates.ids,
      candidates.distances,
    ]);
  }
}

/**
 * Small notebooks, exact: vector distances over all their rows; full-text matches from the
 * (notebook_id, tsv) GIN index, one index probe per notebook (the index cannot take a list of
 * notebooks), chunks holding every word of the question ranked first.
 */
function scanCandidates(d: number, inScope: string): string {
  return `
    vc as (
      select id, d from (
        select c.id, c.embedding::vector(${d}) <=> (select v from qv) as d
        from chunks c
        where $8::float8 > 0 and ${inScope} and vector_dims(c.embedding) = ${d}
        offset 0
      ) x
      order by d, id
      limit $6
    ),
    tm as (
      select c.id, c.tsv, ts_match_vq(c.tsv, tq.q_all) as every
      from unnest($1::uuid[]) as nb(id) join chunks c on c.notebook_id = nb.id, tq
      where $9::float8 > 0 and ${IN_SOURCES} and c.tsv @@ tq.q
      order by every desc
      limit ${TEXT_MATCH_CAP}
    ),`;
}

/**
 * Large notebooks, through the GIN index, in tiers that each run only if the ones before found
 * fewer than $6 chunks: every word of the question (an AND: cheap), then all words but one, then
 * any word. A common word matches most of a large notebook, and only TEXT_MATCH_CAP of the
 * matches of a tier (ANY_WORD_CAP of the last) are ranked (in index order, not by relevance), so the tiers put the chunks
 * sharing most of the question's words in front of that cap.
 */
function indexCandidates(inScope: string): string {
  return `
    vc as (select id, d from unnest($12::uuid[], $13::float8[]) as v(id, d) where $8::float8 > 0),
    t_all as (
      select c.id, c.tsv from chunks c, tq
      where $9::float8 > 0 and ${inScope} and c.tsv @@ tq.q_all
      limit ${TEXT_MATCH_CAP}
    ),
    t_most as (
      select c.id, c.tsv from chunks c, tq
      where $9::float8 > 0 and (select count(*) from t_all) < $6 and ${inScope} and c.tsv @@ tq.q_most
        and not c.tsv @@ tq.q_all
      limit ${TEXT_MATCH_CAP}
    ),
    t_any as (
      select c.id, c.tsv from chunks c, tq
      where $9::float8 > 0 and (select count(*) from t_all) + (select count(*) from t_most) < $6
        and ${inScope} and c.tsv @@ tq.q and not c.tsv @@ tq.q_most and not c.tsv @@ tq.q_all
      limit ${ANY_WORD_CAP}
    ),
    tm as (
      select id, tsv, true as every from t_all
      union all select id, tsv, false from t_most
      union all select id, tsv, false from t_any
    ),`;
}

/** The source filter, embedding model and visibility (no write in flight) of every candidate chunk `c`. */
const IN_SOURCES = `($2::uuid[] is null or c.source_id = any($2::uuid[])) and c.embedding_model = $5 and ${VISIBLE_CHUNK}`;

/** Questions with more distinct words skip the all-but-one-word tier (its query grows as n²). */
const MOST_WORDS_MAX = 8;

/** The all-but-one-word query (large notebooks only): (b & c) | (a & c) | (a & b) for a, b, c. */
const ALL_BUT_ONE_WORD = `
             to_tsquery('simple', coalesce((
               select string_agg('(' || conj || ')', ' | ') from (
                 select string_agg(l.l, ' & ') as conj
                 from lexemes o join lexemes l on l.i <> o.i
                 where (select count(*) from lexemes) between 3 and ${MOST_WORDS_MAX}
                 group by o.i
               ) x), '')) as q_most`;

/** Most full-text matches ranked per list (see fusionSql). */
const TEXT_MATCH_CAP = 500;

/**
 * Most any-word matches ranked in a large notebook: they come in index order, and each one ranked
 * costs a heap read and ts_rank_cd (500 → 200: retrieval p50 about 12.2 → 10.5 ms on bench:chat's
 * 100k-chunk notebook, single client, a noisy probe).
 */
const ANY_WORD_CAP = 200;

const dims = (n: number): number => {
  if (!Number.isInteger(n) || n < 1 || n > 16_000) throw new Error(`bad dimension ${n}`);
  return n;
};

function params(q: HybridQuery): unknown[] {
  return [
    q.notebookIds,
    q.sourceIds,
    q.vector,
    q.text,
    q.model,
    q.candidates,
    q.k,
    q.vectorWeight,
    q.textWeight,
    q.summaryWeight,
    q.rrfK,
  ];
}

/**
 * $1 notebooks, $2 sources|null, $3 query vector, $4 query text, $5 embedding model, $6 candidates
 * per list, $7 k, $8 vector weight, $9 text weight, $10 summary weight, $11 RRF k. Full text is an
 * OR over the query's lexemes (questions are not keyword lists), ranked by cover density; a
 * weight of 0 switches its list off without running it (one-time filter). The query vector is
 * parsed once (`qv`, an init plan), never per row: under a generic plan `$3::vector` in a row
 * expression is re-parsed for every row scanned (87 µs per row at 384 dimensions).
 *
 * Full-text matches of small notebooks (`scan`) come from the (notebook_id, tsv) GIN index probed
 * once per notebook (`unnest($1)` joined on notebook_id: the index takes one notebook per probe,
 * not a list); given a list, the planner intersects the notebook btree with a tsv-only index scan
 * over every chunk containing a common word instead (EXPLAIN on bench:retrieval's 1M chunks: 1.7 ms instead of 0.06). The
 * vector list computes each distance once, in a subquery the planner cannot turn into an HNSW scan
 * (`offset 0`); ordering by a copy of the expression computed it twice per row. Without summary
 * weight the statement leaves the summary lists and joins out (its own prepared statement); `qv`
 * still names $10, because Postgres cannot type a parameter the statement never uses.
 *
 * Ranking is bounded to TEXT_MATCH_CAP matches, chunks holding every word of the question first:
 * in a notebook of 100k chunks a common word matches nearly all of them, and ranking them all cost
 * ~0.4 s per question (bench:chat). Large notebooks ask the index for chunks with every word (an
 * AND query: cheap), then with all words but one, and only if both are too few for any word
 * (indexCandidates). In every notebook size, the text list itself ranks chunks with every word of
 * the question above the others, then by cover density (heading words weigh more, see CHUNK_TSV):
 * ranked by cover density alone, a chunk repeating one common word of the question outranked one
 * holding all of them (bench:quality hybrid MRR@10 with heading words weighted, Python manual: 0.461 → 0.519; R
 * manuals: 0.506 → 0.556). Whether a match holds every word is known from how it was found
 * (the scan path orders its matches by it, the index path's first tier holds only such chunks),
 * never tested a second time.
 */
function fusionSql(d: number, path: 'scan' | 'index', summaries: boolean): string {
  const inScope = `c.notebook_id = any($1::uuid[]) and ${IN_SOURCES}`;
  return `
    with qv as (select $3::vector(${d}) as v, $10::float8 as summary_weight),
    lexemes as (
      select quote_literal(l) as l, i
      from unnest(tsvector_to_array(to_tsvector('english', $4::text))) with ordinality as x(l, i)
    ),
    tq as (
      select to_tsquery('simple', coalesce((select string_agg(l, ' | ') from lexemes), '')) as q,
             to_tsquery('simple', coalesce((select string_agg(l, ' & ') from lexemes), '')) as q_all${
               path === 'index' ? `,${ALL_BUT_ONE_WORD}` : ''
             }
    ),
${path === 'scan' ? scanCandidates(d, inScope) : indexCandidates(inScope)}
    tc as (
      select x.id, ts_rank_cd(x.tsv, tq.q, 32) as s, x.every
      from tm x, tq
      order by x.every desc, s desc, x.id
      limit $6
    ),
${summaries ? summaryCandidates(d) : ''}    ranked as (
      select id, 'chunk' as kind, $8::float8 / ($11 + row_number() over (order by d, id)) as rrf, 1 - d as vscore, null::float8 as tscore from vc
      union all
      select id, 'chunk', $9::float8 / ($11 + row_number() over (order by every desc, s desc, id)), null, s from tc${
        summaries
          ? `
      union all
      select id, 'summary', $10::float8 * $8::float8 / ($11 + row_number() over (order by d, id)), 1 - d, null from vs
      union all
      select id, 'summary', $10::float8 * $9::float8 / ($11 + row_number() over (order by every desc, s desc, id)), null, s from ts`
          : ''
      }
    ),
    fused as (
      select id, kind, sum(rrf) as score, max(vscore) as vscore, max(tscore) as tscore
      from ranked group by id, kind
      order by score desc, id
      limit $7
    )
    select f.id, f.kind, f.score, f.vscore as vector_score, f.tscore as text_score, ${summaries ? SUMMARY_ROWS : CHUNK_ROWS}
    order by f.score desc, f.id`;
}

/** Summary nodes' candidate lists (RAPTOR), beside the chunks' ones. */
function summaryCandidates(d: number): string {
  return `
    vs as (
      select s.id, s.embedding::vector(${d}) <=> (select v from qv) as d
      from summaries s
      where $10::float8 > 0 and $8::float8 > 0 and s.notebook_id = any($1::uuid[])
        and ($2::uuid[] is null or s.source_id = any($2::uuid[]))
        and s.embedding_model = $5 and vector_dims(s.embedding) = ${d}
      order by d
      limit $6
    ),
    ts as (
      select s.id, ts_rank_cd(s.tsv, tq.q, 32) as s, s.tsv @@ tq.q_all as every
      from summaries s, tq
      where $10::float8 > 0 and $9::float8 > 0 and s.notebook_id = any($1::uuid[])
        and ($2::uuid[] is null or s.source_id = any($2::uuid[])) and s.embedding_model = $5 and ts_match_vq(s.tsv, tq.q)
      order by every desc, s desc, s.id
      limit $6
    ),`;
}

/** The hits' details when the lists held chunks and summary nodes. */
const SUMMARY_ROWS = `
           coalesce(c.notebook_id, sm.notebook_id) as notebook_id, coalesce(c.source_id, sm.source_id) as source_id,
           coalesce(src.title, 'Summary of notebook ' || nb.name) as source_title,
           coalesce(c.text, sm.text) as text, c.position, sm.level
    from fused f
    left join chunks c on f.kind = 'chunk' and c.id = f.id
    left join summaries sm on f.kind = 'summary' and sm.id = f.id
    left join sources src on src.id = coalesce(c.source_id, sm.source_id)
    left join notebooks nb on nb.id = coalesce(c.notebook_id, sm.notebook_id)`;

/** The hits' details when the lists held chunks only. */
const CHUNK_ROWS = `
           c.notebook_id, c.source_id, src.title as source_title, c.text, c.position, null::integer as level
    from fused f
    join chunks c on c.id = f.id
    join sources src on src.id = c.source_id`;

const statementName = (path: 'exact' | 'indexed', d: number, summaries: boolean): string =>
  `retrieval_${path}_${d}${summaries ? '' : '_chunks'}`;
