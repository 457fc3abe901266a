import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MikroORM } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import request from 'supertest';
import { createApp } from '../../src/app.factory';
import { loadConfig } from '../../src/config/app-config';
import { withDatabase } from '../setup/template';
import { Entity, Property } from '@mikro-orm/decorators/legacy';
import { BaseEntity, SOFT_DELETE_FILTER, SoftDeletableEntity } from '../../src/database/base.entity';
import { EMBEDDED_POSTGRES } from '../../src/database/database.module';
import { type EmbeddedPostgres } from '../../src/database/embedded-postgres';
import { buildOrmOptions } from '../../src/database/orm-options';
import { createTestContext, serverMode, startTestApp, type TestApp, type TestContext } from '../utils/test-app';

@Entity({ tableName: 'test_soft_notes' })
class SoftNote extends SoftDeletableEntity {
  @Property({ type: 'text' })
  title!: string;
}

describe('database conventions', () => {
  let context: TestContext;
  let sut: TestApp;
  let orm: MikroORM;

  beforeAll(async () => {
    context = await createTestContext();
    sut = await startTestApp(context);
    const embedded = serverMode ? undefined : sut.app.get<EmbeddedPostgres | null>(EMBEDDED_POSTGRES)!.connection;
    orm = await MikroORM.init({
      ...buildOrmOptions({ clientUrl: context.databaseUrl, embedded, poolSize: 2 }),
      entities: [BaseEntity, SoftDeletableEntity, SoftNote],
    });
  });

  afterAll(async () => {
    await orm?.close(true);
    await sut?.close();
    await context?.destroy();
  });

  it('the migrations produce exactly the schema the entities describe', async () => {
    const app = sut.app.get(MikroORM);
    const diff = await app.schema.getUpdateSchemaSQL({ wrap: false, safe: false, dropTables: true });
    // The HNSW index on embeddings is kept by EmbeddingIndex for the configured dimension, not
    // declared on the entity (the dimension is a setting): the ORM would drop it, on purpose ignored.
    const statements = diff
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !/^drop index "chunks_embedding_hnsw_\d+";$/.test(l));
    expect(statements).toEqual([]);
  });

  it('the HNSW cosine index on embeddings exists for the configured dimension', async () => {
    const rows = await orm.em
      .fork()
      .getConnection()
      .execute<{ indexdef: string }[]>("select indexdef from pg_indexes where indexname = 'chunks_embedding_hnsw_384'");
    expect(rows[0]?.indexdef).toMatch(/USING hnsw \(\(\(embedding\)::vector\(384\)\) vector_cosine_ops\)/);
  });

  it('the vector extension is installed', async () => {
    const rows = await orm.em
      .fork()
      .getConnection()
      .execute<{ extname: string }[]>("select extname from pg_extension where extname = 'vector'");
    expect(rows).toHaveLength(1);
  });

  it('soft-deleted rows are hidden by default and visible on request', async () => {
    await orm.em.getConnection().execute(
      `create table test_soft_notes (id uuid primary key, created_at timestamptz not null default now(),
       updated_at timestamptz not null default now(), deleted_at timestamptz null, title text not null)`,
    );
    const em = orm.em.fork();
    const kept = em.create(SoftNote, { title: 'kept' });
    const gone = em.create(SoftNote, { title: 'gone' });
    await em.flush();
    gone.deletedAt = new Date();
    await em.flush();

    const read = orm.em.fork();
    expect((await read.find(SoftNote, {})).map((n) => n.title)).toEqual(['kept']);
    expect(await read.findOne(SoftNote, gone.id)).toBeNull();
    const all = await read.find(SoftNote, {}, { filters: { [SOFT_DELETE_FILTER]: false }, orderBy: { title: 'asc' } });
    expect(all.map((n) => n.title)).toEqual(['gone', 'kept']);
    expect(kept.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/); // UUIDv7 primary keys
    expect(kept.createdAt).toBeInstanceOf(Date);
  });

  (serverMode ? it : it.skip)('survives its idle database connections being closed by the server', async () => {
    const signup = await request(sut.http)
      .post('/api/v1/auth/signup')
      .send({ email: 'terminated@example.test', password: 'a long enough password' })
      .expect(201);
    const token = (signup.body as { tokens: { accessToken: string } }).tokens.accessToken;
    const me = () => request(sut.http).get('/api/v1/auth/me').set('authorization', `Bearer ${token}`);
    await me().expect(200); // both pools (the ORM's and the hot-path statements') hold idle connections
    const admin = new Client({ connectionString: context.databaseUrl });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ n: number }>(
        `select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
         where datname = current_database() and pid <> pg_backend_pid() and state = 'idle'`,
      );
      expect(rows[0].n).toBeGreaterThan(0);
    } finally {
      await admin.end();
    }
    await new Promise((resolve) => setTimeout(resolve, 200)); // the 'error' event reaches the pool
    await me().expect(200);
  });
});

describe('first start on an empty database', () => {
  const adminUrl = process.env.TEST_DATABASE_URL;
  let dataDir: string | undefined;
  let databaseName: string | undefined;

  afterEach(async () => {
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    if (databaseName && adminUrl) await adminQuery(adminUrl, `drop database if exists "${databaseName}" with (force)`);
    dataDir = databaseName = undefined;
  });

  async function emptyDatabase(): Promise<Record<string, string>> {
    if (!serverMode) {
      dataDir = mkdtempSync(join(tmpdir(), 'folio-fresh-'));
      return { DATA_DIR: dataDir };
    }
    databaseName = `folio_t_fresh_${randomBytes(4).toString('hex')}`;
    await adminQuery(adminUrl!, `create database "${databaseName}"`);
    return {
      DATABASE_URL: withDatabase(adminUrl!, databaseName),
      JWT_SECRET: randomBytes(32).toString('base64url'),
      VAULT_KEYS: `t1:${randomBytes(32).toString('base64')}`,
    };
  }

  const base = { NODE_ENV: 'test', LOG_LEVEL: 'silent', JOB_SCHEDULE: 'false' };

  it('migrates before anything reads the schema, then serves (zero-setup, or MIGRATE_ON_START)', async () => {
    const env = { ...base, ...(await emptyDatabase()), MIGRATE_ON_START: 'true' };
    const app = await createApp(loadConfig(env));
    try {
      await request(app.getHttpServer()).get('/health/ready').expect(200);
      await request(app.getHttpServer())
        .post('/api/v1/auth/signup')
        .send({ email: 'first@example.test', password: 'correct horse battery staple' })
        .expect(201);
    } finally {
      await app.close();
    }
  });

  (serverMode ? it : it.skip)('server mode refuses to start on an out-of-date schema, naming the fix', async () => {
    const env = { ...base, ...(await emptyDatabase()) };
    await expect(createApp(loadConfig(env))).rejects.toThrow(/migration\(s\) behind .*npm run migrate/);
  });
});

async function adminQuery(url: string, text: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}
