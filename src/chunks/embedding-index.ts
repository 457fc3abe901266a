import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { sql } from 'kysely';
import { DbContext } from '../database/unit-of-work';
import { type AppConfig } from '../config/app-config';
import { InjectConfig } from '../config/config.module';

const LOCK_KEY = 0x464f4c4a; // any constant shared by all instances

/**
 * Graph parameters. m = 12, ef_construction = 40 halves the insert cost of pgvector's defaults
 * (16, 64) — inserting into the index is the most expensive part of storing a chunk — at the same
 * recall@10 on this workload (0.92 vs 0.93, measured on 20k chunks of the Python manual).
 */
const HNSW = { m: 12, efConstruction: 40 } as const;

export const embeddingIndexName = (dimensions: number): string => `chunks_embedding_hnsw_${dimensions}`;

/**
 * The HNSW (cosine) index on chunk embeddings, for the deployment's dimension. The column has no
 * fixed size (the dimension is a setting, not a schema constant), so the index is on
 * `embedding::vector(N)`, partial to the rows of that dimension (so chunks of a previous model
 * do not stop it from being built; queries repeat the predicate), and kept here: created at start
 * if missing, under an advisory lock so instances starting together build it once. Declared nowhere else on purpose (see the schema test).
 */
@Injectable()
export class EmbeddingIndex implements OnApplicationBootstrap {
  private readonly logger = new Logger(EmbeddingIndex.name);

  constructor(
    private readonly db: DbContext,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.ensure(this.config.embeddings.dimensions);
  }

  async ensure(dimensions: number): Promise<void> {
    const name = embeddingIndexName(dimensions);
    await this.db
      .em()
      .getKysely()
      .connection()
      .execute(async (db) => {
        await sql`select pg_advisory_lock(${LOCK_KEY})`.execute(db);
        try {
          const { rows } = await sql<{
            n: number;
          }>`select count(*)::int as n from pg_indexes where indexname = ${name}`.execute(db);
          if (rows[0].n > 0) return;
          const started = Date.now();
          await sql
            .raw(
              `create index if not exists "${name}" on chunks using hnsw ((embedding::vector(${dimensions})) vector_cosine_ops) with (m = ${HNSW.m}, ef_construction = ${HNSW.efConstruction}) where vector_dims(embedding) = ${dimensions}`,
            )
            .execute(db);
          this.logger.log(`built ${name} in ${Date.now() - started} ms`);
        } finally {
          await sql`select pg_advisory_unlock(${LOCK_KEY})`.execute(db);
        }
      });
  }

  /** Drops the indexes of other dimensions (after a model change and `npm run reindex`). */
  async dropOthers(dimensions: number): Promise<void> {
    const db = this.db.em().getKysely();
    const { rows } = await sql<{ indexname: string }>`
      select indexname from pg_indexes where tablename = 'chunks' and indexname like 'chunks_embedding_hnsw_%'`.execute(
      db,
    );
    for (const { indexname } of rows) {
      if (indexname !== embeddingIndexName(dimensions))
        await sql.raw(`drop index if exists "${indexname}"`).execute(db);
    }
  }
}
