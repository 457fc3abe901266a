/* eslint-disable no-console -- benchmarks report on stdout */
// Synthetic notebooks at scale for bench:retrieval and bench:chat: chunks of pseudo-English
// (Zipf-distributed words from a fixed vocabulary, so full text has common and rare terms) with
// the local provider's real embeddings of that text, so vector and text search agree the way
// they do on real data. Loaded with the HNSW and GIN indexes dropped, then indexed once.
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { CHUNK_TSV } from '../src/chunks/chunks.repository';
import { toPgVector } from '../src/embeddings/embedding-provider';
import { LocalEmbeddingProvider } from '../src/embeddings/local-embedding.provider';

const SYLLABLES = 'ka lo mi ne ru sa te vo zi pa do fe gu hi ja ke li mo nu po ra si tu ve wa xo yu ze'.split(' ');
const BATCH = 2000;

/** Deterministic pseudo-random numbers (mulberry32), so every run builds the same corpus. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function vocabulary(size: number, random = rng(7)): string[] {
  const words = new Set<string>();
  while (words.size < size) {
    const n = 2 + Math.floor(random() * 3);
    let w = '';
    for (let i = 0; i < n; i++) w += SYLLABLES[Math.floor(random() * SYLLABLES.length)];
    words.add(w);
  }
  return [...words];
}

/** A word by Zipf's law over the vocabulary (rank r with probability ∝ 1/r). */
export function zipfWord(words: readonly string[], random: () => number): string {
  const h = Math.log(words.length + 1);
  const rank = Math.min(words.length - 1, Math.floor(Math.exp(random() * h)) - 1);
  return words[rank];
}

export function sentence(words: readonly string[], random: () => number, length: number): string {
  const out: string[] = [];
  for (let i = 0; i < length; i++) out.push(zipfWord(words, random));
  return out.join(' ');
}

/**
 * Loads `notebookIds.length × perNotebook` chunks (one synthetic source per notebook) into a
 * migrated Folio database, unless it already holds exactly that. Returns whether it loaded.
 */
export async function loadCorpus(
  databaseUrl: string,
  notebookIds: readonly string[],
  perNotebook: number,
  dimensions = 384,
): Promise<boolean> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    // Kept from an earlier run if complete and embedded by this version of the local provider.
    const model = new LocalEmbeddingProvider(dimensions).id;
    const { rows } = await db.query<{ n: string; other: boolean }>(
      'select count(*) as n, bool_or(embedding_model <> $1) as other from chunks',
      [model],
    );
    const target = notebookIds.length * perNotebook;
    if (Number(rows[0].n) === target && !rows[0].other) return false;
    await db.query('truncate chunks, summaries cascade');
    await db.query("delete from sources where kind = 'text' and title like 'synthetic %'");
    const indexes = await db.query<{ indexname: string; indexdef: string }>(
      "select indexname, indexdef from pg_indexes where tablename = 'chunks' and (indexdef like '%hnsw%' or indexdef like '%gin%')",
    );
    for (const { indexname } of indexes.rows) await db.query(`drop index "${indexname}"`);

    const provider = new LocalEmbeddingProvider(dimensions);
    const words = vocabulary(20_000);
    const random = rng(42);
    const started = Date.now();
    let loaded = 0;
    for (const notebookId of notebookIds) {
      const sourceId = randomUUID();
      await db.query(
        `insert into sources (id, notebook_id, kind, title, format, mime_type, size_bytes, content_hash, storage_key, status, progress, chunk_count, token_count)
         values ($1, $2, 'text', $3, 'text', 'text/plain', 0, $4, $4, 'ready', 100, $5, $6)`,
        [
          sourceId,
          notebookId,
          `synthetic ${notebookId.slice(0, 8)}`,
          `synthetic-${sourceId}`,
          perNotebook,
          perNotebook * 100,
        ],
      );
      for (let start = 0; start < perNotebook; start += BATCH) {
        const count = Math.min(BATCH, perNotebook - start);
        const texts: string[] = [];
        const vectors: string[] = [];
        const ordinals: number[] = [];
        for (let i = 0; i < count; i++) {
          const text = `${sentence(words, random, 40)}. ${sentence(words, random, 40)}.`;
          texts.push(text);
          vectors.push(toPgVector(provider.embedOne(text)));
          ordinals.push(start + i);
        }
        await db.query(
          `insert into chunks (id, source_id, notebook_id, ordinal, text, token_count, content_hash, position, embedding, embedding_model, tsv)
           select gen_random_uuid(), $1, $2, ordinal, text, 100, md5(text), '{}', embedding::vector, $3, ${CHUNK_TSV}
           from unnest($4::int[], $5::text[], $6::text[]) as t(ordinal, text, embedding), lateral (select '' as heading) h`,
          [sourceId, notebookId, model, ordinals, texts, vectors],
        );
        loaded += count;
        if (loaded % 100_000 < count) {
          console.log(
            `  loaded ${loaded} / ${notebookIds.length * perNotebook} chunks (${Math.round((Date.now() - started) / 1000)} s)`,
          );
        }
      }
    }
    const indexStarted = Date.now();
    await db.query("set maintenance_work_mem = '6GB'");
    await db.query('set max_parallel_maintenance_workers = 1');
    for (const { indexdef } of indexes.rows) await db.query(indexdef);
    if (!indexes.rows.some((r) => r.indexdef.includes('hnsw'))) {
      await db.query(
        `create index "chunks_embedding_hnsw_${dimensions}" on chunks using hnsw ((embedding::vector(${dimensions})) vector_cosine_ops) with (m = 12, ef_construction = 40) where vector_dims(embedding) = ${dimensions}`,
      );
    }
    await db.query('vacuum analyze chunks');
    console.log(
      `  loaded in ${Math.round((indexStarted - started) / 1000)} s, indexed (HNSW, GIN) in ${Math.round((Date.now() - indexStarted) / 1000)} s`,
    );
    return true;
  } finally {
    await db.end();
  }
}
