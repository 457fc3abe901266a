import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, type ClientConfig } from 'pg';
import { EmbeddedPostgres } from '../../src/database/embedded-postgres';
import { type TargetConnection } from '../../src/sql-chat/targets/target-runner';
import { withDatabase } from '../setup/template';
import { serverMode } from './test-app';

/** The sample database SQL chat asks questions of: a fresh copy per test file. */
export interface SqlFixture {
  /** As a SELECT-only role (server mode), or the embedded database's only user (zero-setup). */
  reader: TargetConnection;
  /** As the owner of every table: to look behind the gate's back in assertions. */
  owner: TargetConnection;
  /** True where `reader` is a SELECT-only role (server mode); PGlite has one superuser. */
  readerIsSelectOnly: boolean;
  /** Adds schema `wide`: `tables` tables in clusters of ten joined by foreign keys, with comments. */
  addWideSchema(tables: number): Promise<void>;
  /** Row counts of every table, as the owner sees them. */
  rowCounts(): Promise<Record<string, number>>;
  destroy(): Promise<void>;
}

const SHOP = readFileSync(join(__dirname, '../fixtures/sql/shop.sql'), 'utf8');

export async function createSqlFixture(): Promise<SqlFixture> {
  const id = randomBytes(4).toString('hex');
  let owner: TargetConnection;
  let reader: TargetConnection;
  let teardown: () => Promise<void>;
  if (serverMode) {
    const adminUrl = process.env.TEST_DATABASE_URL!;
    const name = `folio_sqlfx_${id}`;
    const role = `folio_reader_${id}`;
    const password = randomBytes(12).toString('hex');
    await run(adminUrl, `create database "${name}"`);
    const url = new URL(withDatabase(adminUrl, name));
    await run(url.toString(), SHOP);
    await run(
      url.toString(),
      `create role "${role}" login password '${password}';
       grant connect on database "${name}" to "${role}";
       grant usage on schema public to "${role}";
       grant select on all tables in schema public to "${role}";`,
    );
    const base = { host: url.hostname, port: Number(url.port || 5432), database: name, schemas: ['public'] };
    owner = { ...base, key: `owner-${id}`, user: decodeURIComponent(url.username) || 'postgres' };
    reader = { ...base, key: `reader-${id}`, user: role, password };
    teardown = async () => {
      await run(adminUrl, `drop database if exists "${name}" with (force)`);
      await run(adminUrl, `drop role if exists "${role}"`);
    };
  } else {
    const embedded = await EmbeddedPostgres.start({ maxConnections: 8 });
    const { host, port, user, dbName } = embedded.connection;
    const base = { host, port, database: dbName, user, schemas: ['public'] };
    owner = { ...base, key: `owner-${id}` };
    reader = { ...base, key: `reader-${id}` };
    await run(urlOf(owner), SHOP);
    teardown = () => embedded.stop();
  }
  return {
    owner,
    reader,
    readerIsSelectOnly: serverMode,
    addWideSchema: async (tables) => {
      await run(clientConfig(owner), wideSchema(tables));
      if (serverMode) {
        await run(
          clientConfig(owner),
          `grant usage on schema wide to "${reader.user}"; grant select on all tables in schema wide to "${reader.user}";`,
        );
      }
    },
    rowCounts: async () => {
      const client = new Client(clientConfig(owner));
      await client.connect();
      try {
        const { rows } = await client.query<{ table_name: string }>(
          "select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1",
        );
        const counts: Record<string, number> = {};
        for (const { table_name } of rows) {
          const res = await client.query<{ n: number }>(`select count(*)::int as n from "${table_name}"`);
          counts[table_name] = res.rows[0].n;
        }
        return counts;
      } finally {
        await client.end();
      }
    },
    destroy: () => teardown(),
  };
}

function clientConfig(target: TargetConnection) {
  return {
    host: target.host,
    port: target.port,
    database: target.database,
    user: target.user,
    password: target.password,
  };
}

function urlOf(target: TargetConnection): string {
  return `postgresql://${target.user}@localhost/${target.database}?host=${encodeURIComponent(target.host)}&port=${target.port}`;
}

async function run(connection: string | ClientConfig, sql: string): Promise<void> {
  const client = new Client(typeof connection === 'string' ? { connectionString: connection } : connection);
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * A generated schema of `tables` tables for schema selection at scale: subject areas of ten tables
 * (a hub and nine satellites referencing it), each with a comment naming its area.
 */
export function wideSchema(tables: number): string {
  const areas = [
    'billing',
    'shipping',
    'payroll',
    'inventory',
    'marketing',
    'support',
    'fleet',
    'clinic',
    'library',
    'farm',
  ];
  const parts = ['create schema wide;'];
  for (let i = 0; i < tables; i++) {
    const area = `${areas[Math.floor(i / 10) % areas.length]}_${Math.floor(i / 100)}`;
    const name = `${area}_t${String(i).padStart(4, '0')}`;
    const hub = `${area}_t${String(i - (i % 10)).padStart(4, '0')}`;
    const reference = i % 10 === 0 ? '' : `, ${hub}_id int references wide.${hub} (id)`;
    parts.push(
      `create table wide.${name} (id int primary key, label text not null, amount numeric(12, 2), created_at timestamptz${reference});`,
      `comment on table wide.${name} is 'Records of the ${area.replace('_', ' area ')} (table ${i})';`,
    );
  }
  return parts.join('\n');
}
