import { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { type TestApp } from './test-app';

/** Raw SQL against the app's own database (embedded or server), for assertions on stored bytes. */
export async function query<T = Record<string, unknown>>(app: TestApp, text: string): Promise<T[]> {
  const em = app.app.get(EntityManager).fork();
  const { rows } = await sql.raw<T>(text).execute(em.getKysely());
  return rows;
}

/** Every row of every table in the public schema, as text: a "full table dump". */
export async function dumpAllTables(app: TestApp): Promise<string> {
  const tables = await query<{ tablename: string }>(app, "select tablename from pg_tables where schemaname = 'public'");
  const parts: string[] = [];
  for (const { tablename } of tables) {
    const rows = await query<{ row: string }>(app, `select row_to_json(t)::text as row from "${tablename}" t`);
    parts.push(...rows.map((r) => r.row));
  }
  return parts.join('\n');
}
