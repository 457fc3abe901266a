import { MikroORM } from '@mikro-orm/postgresql';
import { Entity, Property } from '@mikro-orm/decorators/legacy';
import { SOFT_DELETE_FILTER, SoftDeletableEntity } from '../../src/database/base.entity';
import { EMBEDDED_POSTGRES } from '../../src/database/database.module';
import { type EmbeddedPostgres } from '../../src/database/embedded-postgres';
import { ENTITIES } from '../../src/database/entities';
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
      entities: [...ENTITIES, SoftNote],
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
    expect(diff.trim()).toBe('');
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
});
