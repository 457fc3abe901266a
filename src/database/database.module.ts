import { type DynamicModule, Inject, Injectable, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { type AppConfig } from '../config/app-config';
import { EmbeddedPostgres } from './embedded-postgres';
import { prepareSchema } from './schema';
import { BackgroundWrites } from './background-writes';
import { Sql } from './sql';
import { DbContext, UnitOfWork } from './unit-of-work';
import { buildOrmOptions } from './orm-options';

export const EMBEDDED_POSTGRES = Symbol('EMBEDDED_POSTGRES');

/**
 * Stops the embedded Postgres after MikroORM has closed its pool: this module is imported by
 * MikroORM's, so Nest runs its shutdown hook later.
 */
@Injectable()
class EmbeddedPostgresLifecycle implements OnApplicationShutdown {
  constructor(@Inject(EMBEDDED_POSTGRES) private readonly embedded: EmbeddedPostgres | null) {}

  async onApplicationShutdown(): Promise<void> {
    await this.embedded?.stop();
  }
}

@Module({})
class EmbeddedPostgresModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: EmbeddedPostgresModule,
      providers: [
        {
          provide: EMBEDDED_POSTGRES,
          // Starts the embedded database if there is no server, then brings the schema up to date
          // (or refuses to start): all before MikroORM, and so every other provider, exists.
          useFactory: async (): Promise<EmbeddedPostgres | null> => {
            const logger = new Logger('Database');
            let embedded: EmbeddedPostgres | null = null;
            if (!config.database.url) {
              const started = Date.now();
              embedded = await EmbeddedPostgres.start({
                dataDir: config.dataDir,
                maxConnections: config.database.poolSize,
              });
              logger.log(`embedded Postgres ready in ${Date.now() - started} ms`);
            }
            try {
              await prepareSchema(
                config,
                { clientUrl: config.database.url, embedded: embedded?.connection, poolSize: 2 },
                logger,
              );
            } catch (error) {
              await embedded?.stop();
              throw error;
            }
            return embedded;
          },
        },
        EmbeddedPostgresLifecycle,
      ],
      exports: [EMBEDDED_POSTGRES],
    };
  }
}

/** MikroORM on PostgreSQL: a real server (DATABASE_URL) or the embedded one. */
@Module({})
export class DatabaseModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      providers: [Sql, BackgroundWrites, DbContext, UnitOfWork],
      exports: [Sql, BackgroundWrites, DbContext, UnitOfWork],
      imports: [
        MikroOrmModule.forRootAsync({
          imports: [EmbeddedPostgresModule.forRoot(config)],
          inject: [EMBEDDED_POSTGRES],
          driver: PostgreSqlDriver,
          useFactory: (embedded: EmbeddedPostgres | null) =>
            buildOrmOptions(
              {
                clientUrl: config.database.url,
                embedded: embedded?.connection,
                // PGlite is one session: pglite-socket multiplexes client connections onto it message
                // by message, so two connections' extended-protocol exchanges (Parse/Bind/Execute)
                // can interleave and swap unnamed statements. One connection avoids that entirely,
                // and costs nothing: PGlite runs one statement at a time anyway.
                poolSize: embedded ? 1 : config.database.poolSize,
              },
              { entities: 'auto' },
            ),
        }),
      ],
    };
  }
}
