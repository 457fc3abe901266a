import { type Options, PostgreSqlDriver } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { MIGRATIONS } from '../../migrations';
import { BaseEntity, SoftDeletableEntity } from './base.entity';
import { type EmbeddedPostgresConnection } from './embedded-postgres';

export interface OrmConnection {
  /** A `postgres://` URL (server mode) … */
  clientUrl?: string;
  /** … or explicit settings (the embedded server's Unix socket). */
  embedded?: EmbeddedPostgresConnection;
  poolSize: number;
}

export interface OrmEntities {
  /**
   * `auto`: the entities that feature modules register with `MikroOrmModule.forFeature()` (the
   * application); `glob`: every `*.entity` file (the MikroORM CLI, which diffs them against the
   * database); `none`: only the base classes (migrations and raw connections).
   */
  entities?: 'auto' | 'glob' | 'none';
}

/** MikroORM settings shared by the app, the CLI tools and the tests. */
export function buildOrmOptions(
  connection: OrmConnection,
  { entities = 'none' }: OrmEntities = {},
): Options & { autoLoadEntities?: boolean } {
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
    // Database knows no feature: the base classes are its own, the rest is registered or found.
    entities: [BaseEntity, SoftDeletableEntity, ...(entities === 'glob' ? ['dist/src/**/*.entity.js'] : [])],
    ...(entities === 'glob' ? { entitiesTs: [BaseEntity, SoftDeletableEntity, 'src/**/*.entity.ts'] } : {}),
    ...(entities === 'auto' ? { autoLoadEntities: true } : {}),
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
    discovery: { warnWhenNoEntities: false },
    debug: false,
    colors: false,
  };
}
