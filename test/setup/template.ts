import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MikroORM } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import { EmbeddedPostgres } from '../../src/database/embedded-postgres';
import { migrate } from '../../src/database/schema';
import { buildOrmOptions } from '../../src/database/orm-options';

/**
 * Test isolation: every test file gets its own database, copied from a template that already has
 * every migration applied (a Postgres template database in server mode, a PGlite data directory
 * in zero-setup mode). The template is keyed by the migrations' content, so it is rebuilt only
 * when they change.
 */
export function templateKey(): string {
  const hash = createHash('sha256');
  const dir = join(__dirname, '../../migrations');
  for (const file of readdirSync(dir).sort()) hash.update(file).update(readFileSync(join(dir, file)));
  hash.update(readFileSync(join(__dirname, '../../node_modules/@electric-sql/pglite/package.json')));
  return hash.digest('hex').slice(0, 12);
}

const quiet = { log: () => undefined };

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function ensureServerTemplate(adminUrl: string): Promise<string> {
  const name = `folio_test_tpl_${templateKey()}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const exists = await admin.query('select 1 from pg_database where datname = $1', [name]);
    if (exists.rowCount === 1) return name;
    const staging = `${name}_staging_${process.pid}`;
    await admin.query(`drop database if exists "${staging}"`);
    await admin.query(`create database "${staging}"`);
    const orm = await MikroORM.init(buildOrmOptions({ clientUrl: withDatabase(adminUrl, staging), poolSize: 2 }));
    try {
      await migrate(orm, quiet);
    } finally {
      await orm.close(true);
    }
    await admin.query(`alter database "${staging}" rename to "${name}"`);
    return name;
  } finally {
    await admin.end();
  }
}

export async function ensureEmbeddedTemplate(): Promise<string> {
  const dir = join(tmpdir(), `folio-test-tpl-${templateKey()}`);
  if (existsSync(dir)) return dir;
  const staging = `${dir}.staging-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const embedded = await EmbeddedPostgres.start({ dataDir: staging, maxConnections: 2 });
  try {
    const orm = await MikroORM.init(buildOrmOptions({ embedded: embedded.connection, poolSize: 2 }));
    try {
      await migrate(orm, quiet);
    } finally {
      await orm.close(true);
    }
  } finally {
    await embedded.stop();
  }
  renameSync(staging, dir);
  return dir;
}
