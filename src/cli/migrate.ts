import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { MikroORM } from '@mikro-orm/postgresql';
import { config as loadDotenv } from 'dotenv';
import { ConfigError, loadConfig } from '../config/app-config';
import { EmbeddedPostgres } from '../database/embedded-postgres';
import { migrate } from '../database/schema';
import { buildOrmOptions } from '../database/orm-options';

/** `npm run migrate`: applies pending migrations to DATABASE_URL, or to the embedded database in DATA_DIR. */
async function main(): Promise<void> {
  if (existsSync('.env')) loadDotenv({ path: '.env', quiet: true });
  const config = loadConfig();
  const embedded = config.database.url
    ? undefined
    : await EmbeddedPostgres.start({ dataDir: config.dataDir, maxConnections: 2 });
  try {
    const orm = await MikroORM.init(
      buildOrmOptions({ clientUrl: config.database.url, embedded: embedded?.connection, poolSize: 2 }),
    );
    try {
      const applied = await migrate(orm, { log: (m: string) => process.stdout.write(`${m}\n`) });
      if (applied.length === 0) process.stdout.write('the database schema is up to date\n');
    } finally {
      await orm.close(true);
    }
  } finally {
    await embedded?.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof ConfigError ? error.message : error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
