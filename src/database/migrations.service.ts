import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/core';
import { sql } from 'kysely';
import { type EntityManager } from '@mikro-orm/postgresql';
import { type AppConfig } from '../config/app-config';
import { InjectConfig } from '../config/config.module';

/** Any constant works; it only has to be the same for every Folio instance. */
const MIGRATION_LOCK_KEY = 0x464f4c49; // "FOLI"

/**
 * Applies pending migrations at start in zero-setup mode (or when MIGRATE_ON_START is set);
 * otherwise refuses to start on an out-of-date schema and says how to fix it.
 */
@Injectable()
export class MigrationsService implements OnModuleInit {
  private readonly logger = new Logger(MigrationsService.name);

  constructor(
    private readonly orm: MikroORM,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    const migrateOnStart = !this.config.database.url || this.config.database.migrateOnStart;
    if (migrateOnStart) {
      await migrate(this.orm, this.logger);
      return;
    }
    const pending = await this.orm.migrator.getPending();
    if (pending.length > 0) {
      throw new Error(
        `the database schema is ${pending.length} migration(s) behind (${pending.map((m) => m.name).join(', ')}); ` +
          'run `npm run migrate` or set MIGRATE_ON_START=true',
      );
    }
  }
}

/**
 * Runs pending migrations under a Postgres advisory lock, so instances starting together apply
 * them once.
 */
export async function migrate(orm: MikroORM, logger: Pick<Logger, 'log'>): Promise<string[]> {
  const em = orm.em.fork() as EntityManager;
  return em
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
