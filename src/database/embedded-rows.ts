import { sql } from 'kysely';
import { type Statements } from './unit-of-work';

/** The tables whose rows carry an embedding and the model that made it. */
export type EmbeddedTable = 'chunks' | 'summaries';

/**
 * The embedding models a table's rows hold, read from its (embedding_model, id) index one model
 * at a time (a loose index scan: one index probe per model, however many rows). Scanning the rows
 * instead read the whole table: 2.8 s and 500,000 pages (3.9 GB) for bench:retrieval's 1M chunks;
 * this reads 190 pages in 0.2 ms (EXPLAIN ANALYZE, same corpus).
 */
export async function embeddingModels(db: Statements, table: EmbeddedTable): Promise<string[]> {
  const t = sql.table(table);
  const rows = await db.rows(sql<{ model: string }>`
    with recursive m(model) as (
      (select embedding_model from ${t} order by embedding_model limit 1)
      union all
      select (select embedding_model from ${t} where embedding_model > m.model order by embedding_model limit 1)
      from m where m.model is not null
    )
    select model from m where model is not null`);
  return rows.map((r) => r.model);
}

/**
 * Re-embeds in place up to `limit` rows that `from` embedded, after `after` in key order (through
 * the same index), inside the caller's transaction: the rows are locked while `embed` runs (other
 * instances skip them), then get the new vectors and `to` as their model. Returns the last key
 * handled, null when none were left.
 */
export async function reembedRows<R extends { id: string }>(
  db: Statements,
  table: EmbeddedTable,
  columns: readonly (keyof R & string)[],
  models: { from: string; to: string },
  page: { after: string | null; limit: number },
  embed: (rows: readonly R[]) => string[],
): Promise<{ last: string | null; count: number }> {
  const t = sql.table(table);
  const rows = await db.rows(sql<R>`
    select id, ${sql.join(columns.map((c) => sql.ref(c)))} from ${t}
    where embedding_model = ${models.from} and (${page.after}::uuid is null or id > ${page.after}::uuid)
    order by embedding_model, id limit ${page.limit} for update skip locked`);
  if (rows.length === 0) return { last: null, count: 0 };
  const vectors = embed(rows);
  await db.rows(sql`
    update ${t} set embedding = v.embedding::vector, embedding_model = ${models.to}
    from unnest(${rows.map((r) => r.id)}::uuid[], ${vectors}::text[]) as v(id, embedding)
    where ${t}.id = v.id`);
  return { last: rows[rows.length - 1].id, count: rows.length };
}
