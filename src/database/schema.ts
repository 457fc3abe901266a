import { type Logger } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { type AppConfig } from '../config/app-config';
import { buildOrmOptions, type OrmConnection } from './orm-options';

/** Any constant works; it only has to be the same for every Folio instance. */
const MIGRATION_LOCK_KEY = 0x464f4c49; // "FOLI"

/**
 * Runs before the application's ORM exists, so no provider can ever see an old schema: applies
 * pending migrations in zero-setup mode (or when MIGRATE_ON_START is set), and otherwise refuses
 * to start on an out-of-date schema, saying how to fix it.
 */
export async function prepareSchema(
  config: AppConfig,
  connection: OrmConnection,
  logger: Pick<Logger, 'log'>,
): Promise<void> {
  const orm = await MikroORM.init(buildOrmOptions({ ...connection, poolSize: 2 }));
  try {
    if (!config.database.url || config.database.migrateOnStart) {
      await migrate(orm, logger);
      return;
    }
    const pending = await orm.migrator.getPending();
    if (pending.length > 0) {
      throw new Error(
        `the database schema is ${pending.length} migration(s) behind (${pending.map((m) => m.name).join(', ')}); ` +
          'run `npm run migrate` or set MIGRATE_ON_START=true',
      );
    }
  } finally {
    await orm.close(true);
  }
}

/**
 * Runs pending migrations under a Postgres advisory lock, so instances starting together apply
 * them once.
 */
export async function migrate(orm: MikroORM, logger: Pick<Logger, 'log'>): Promise<string[]> {
  return orm.em
    .fork()
    .getKysely()
    .connection()
    .execute(async (db) => {
      await sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`.execute(db);
      try {
        const applied = await orm.migrator.up();
        if (applied.length > 0)
          logger.log(`applied ${applied.length} migration(s): ${applied.map((m) => m.name).join(', ')}`);
        return applied.map((m) => m.name);
      } finally {
        await sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.execute(db);
      }
    });
}
