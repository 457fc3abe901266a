import { type Pool, type PoolClient } from 'pg';
import { type TargetConnection, withReadOnly } from './target-runner';

export interface SchemaColumn {
  name: string;
  type: string;
  nullable: boolean;
  comment: string | null;
}

export interface SchemaForeignKey {
  columns: string[];
  /** `schema.table` of the referenced table. */
  references: string;
  referencedColumns: string[];
}

export interface SchemaTable {
  schema: string;
  name: string;
  kind: 'table' | 'view' | 'materialized view' | 'foreign table';
  comment: string | null;
  /** The planner's row estimate; null where the table was never analysed. */
  rowEstimate: number | null;
  columns: SchemaColumn[];
  primaryKey: string[];
  foreignKeys: SchemaForeignKey[];
}

const KINDS: Record<string, SchemaTable['kind']> = {
  r: 'table',
  p: 'table',
  v: 'view',
  m: 'materialized view',
  f: 'foreign table',
};

/**
 * What SQL chat knows of a registered database: the tables, views, columns, types, keys, comments
 * and row estimates in its schemas that the connection's role may select from. Four catalog queries
 * in a read-only transaction, whatever the number of tables (PostgreSQL 12 and later).
 */
export function introspectSchema(pool: Pool, target: TargetConnection, timeoutMs = 30_000): Promise<SchemaTable[]> {
  return withReadOnly(pool, target, { statementTimeoutMs: timeoutMs, lockTimeoutMs: 1000 }, (client) =>
    readSchema(client, target.schemas),
  );
}

async function readSchema(client: PoolClient, schemas: string[]): Promise<SchemaTable[]> {
  const relations = await client.query<{
    oid: number;
    schema: string;
    name: string;
    relkind: string;
    comment: string | null;
    estimate: string;
  }>({
    text: `select c.oid::int as oid, n.nspname as schema, c.relname as name, c.relkind::text as relkind,
                  pg_catalog.obj_description(c.oid, 'pg_class') as comment, c.reltuples::bigint::text as estimate
             from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
            where c.relkind in ('r', 'p', 'v', 'm', 'f') and not c.relispartition
              and n.nspname = any($1::text[]) and pg_catalog.has_table_privilege(c.oid, 'SELECT')
            order by n.nspname, c.relname`,
    values: [schemas],
  });
  const oids = relations.rows.map((r) => r.oid);
  const [columns, constraints] = await Promise.all([
    client.query<{
      relid: number;
      attnum: number;
      name: string;
      type: string;
      notnull: boolean;
      comment: string | null;
    }>({
      text: `select a.attrelid::int as relid, a.attnum::int as attnum, a.attname as name,
                    pg_catalog.format_type(a.atttypid, a.atttypmod) as type, a.attnotnull as notnull,
                    pg_catalog.col_description(a.attrelid, a.attnum) as comment
               from pg_catalog.pg_attribute a
              where a.attrelid = any($1::oid[]) and a.attnum > 0 and not a.attisdropped
              order by a.attrelid, a.attnum`,
      values: [oids],
    }),
    client.query<{ relid: number; type: string; keys: number[]; target: string | null; targetKeys: string[] | null }>({
      text: `select k.conrelid::int as relid, k.contype::text as type, k.conkey::int[] as keys,
                    case when k.contype = 'f' then tn.nspname || '.' || t.relname end as target,
                    case when k.contype = 'f' then array(select ta.attname::text from unnest(k.confkey) with ordinality u(n, i)
                      join pg_catalog.pg_attribute ta on ta.attrelid = k.confrelid and ta.attnum = u.n order by u.i) end as "targetKeys"
               from pg_catalog.pg_constraint k
               left join pg_catalog.pg_class t on t.oid = k.confrelid
               left join pg_catalog.pg_namespace tn on tn.oid = t.relnamespace
              where k.contype in ('p', 'f') and k.conrelid = any($1::oid[])
              order by k.conrelid, k.conname`,
      values: [oids],
    }),
  ]);
  const columnsOf = new Map<number, { attnum: number; column: SchemaColumn }[]>();
  for (const c of columns.rows) {
    const list = columnsOf.get(c.relid) ?? [];
    list.push({ attnum: c.attnum, column: { name: c.name, type: c.type, nullable: !c.notnull, comment: c.comment } });
    columnsOf.set(c.relid, list);
  }
  const tables = new Map<number, SchemaTable>();
  for (const r of relations.rows) {
    const estimate = Number(r.estimate);
    tables.set(r.oid, {
      schema: r.schema,
      name: r.name,
      kind: KINDS[r.relkind],
      comment: r.comment,
      rowEstimate: estimate >= 0 ? estimate : null,
      columns: (columnsOf.get(r.oid) ?? []).map((c) => c.column),
      primaryKey: [],
      foreignKeys: [],
    });
  }
  for (const k of constraints.rows) {
    const table = tables.get(k.relid);
    if (!table) continue;
    const byNumber = new Map((columnsOf.get(k.relid) ?? []).map((c) => [c.attnum, c.column.name]));
    const names = k.keys.map((n) => byNumber.get(n) ?? String(n));
    if (k.type === 'p') table.primaryKey = names;
    else table.foreignKeys.push({ columns: names, references: k.target!, referencedColumns: k.targetKeys ?? [] });
  }
  return [...tables.values()];
}
