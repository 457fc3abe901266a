import { type Options, PostgreSqlDriver } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { MIGRATIONS } from '../../migrations';
import { ENTITIES } from './entities';
import { type EmbeddedPostgresConnection } from './embedded-postgres';

export interface OrmConnection {
  /** A `postgres://` URL (server mode) … */
  clientUrl?: string;
  /** … or explicit settings (the embedded server's Unix socket). */
  embedded?: EmbeddedPostgresConnection;
  poolSize: number;
}

/** MikroORM settings shared by the app, the CLI tools and the tests. */
export function buildOrmOptions(connection: OrmConnection): Options {
  return {
    driver: PostgreSqlDriver,
    ...(connection.embedded
      ? {
          host: connection.embedded.host,
          port: connection.embedded.port,
          user: connection.embedded.user,
          dbName: connection.embedded.dbName,
        }
      : { clientUrl: connection.clientUrl }),
    entities: ENTITIES,
    extensions: [Migrator],
    migrations: {
      migrationsList: MIGRATIONS,
      path: 'migrations',
      pathTs: 'migrations',
      tableName: 'mikro_orm_migrations',
      transactional: true,
      silent: true,
      allOrNothing: true,
      snapshot: false,
      emit: 'ts',
    },
    pool: { min: 0, max: connection.poolSize, idleTimeoutMillis: 30_000 },
    // A request that cannot get a connection for this long fails (503) instead of hanging.
    driverOptions: { connectionTimeoutMillis: 30_000 },
    forceUtcTimezone: true,
    allowGlobalContext: false,
    // Entities are declared explicitly; nothing is discovered from the filesystem at run time.
    discovery: { warnWhenNoEntities: true },
    debug: false,
    colors: false,
  };
}
