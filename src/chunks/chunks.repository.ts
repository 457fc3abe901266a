import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { uuidv7 } from '../common/uuid';
import { type ChunkPosition } from './chunk.entity';

export interface NewChunk {
  ordinal: number;
  text: string;
  tokenCount: number;
  contentHash: string;
  position: ChunkPosition;
  /** pgvector text form, `[0.1,…]`. */
  embedding: string;
}

export interface ChunkHit {
  chunk_id: string;
  source_id: string;
  source_title: string;
  ordinal: number;
  text: string;
  position: ChunkPosition;
  score: number;
}

/** Rows per INSERT: bounded so a huge document does not become one enormous statement. */
const INSERT_BATCH = 500;

@Injectable()
export class ChunksRepository {
  constructor(private readonly em: EntityManager) {}

  /**
   * Replaces all chunks of a source inside the caller's transaction: delete, then insert in
   * batches with arrays as bind parameters (`unnest`), vectors included — never inlined into SQL.
   */
  async replaceForSource(
    em: EntityManager,
    sourceId: string,
    notebookId: string,
    model: string,
    chunks: readonly NewChunk[],
  ): Promise<void> {
    const db = em.getKysely();
    await sql`delete from chunks where source_id = ${sourceId}`.execute(db);
    for (let i = 0; i < chunks.length; i += INSERT_BATCH) {
      const batch = chunks.slice(i, i + INSERT_BATCH);
      await sql`
        insert into chunks (id, source_id, notebook_id, ordinal, text, token_count, content_hash, position, embedding, embedding_model)
        select id, ${sourceId}::uuid, ${notebookId}::uuid, ordinal, text, token_count, content_hash, position, embedding::vector, ${model}
        from unnest(${batch.map(() => uuidv7())}::uuid[], ${batch.map((c) => c.ordinal)}::int[], ${batch.map((c) => c.text)}::text[],
                    ${batch.map((c) => c.tokenCount)}::int[], ${batch.map((c) => c.contentHash)}::text[],
                    ${batch.map((c) => JSON.stringify(c.position))}::jsonb[], ${batch.map((c) => c.embedding)}::text[])
          as t(id, ordinal, text, token_count, content_hash, position, embedding)`.execute(db);
    }
  }

  /** Nearest chunks of one notebook by cosine similarity (exact over the notebook's rows). */
  async nearest(notebookId: string, vector: string, dimensions: number, model: string, k: number): Promise<ChunkHit[]> {
    const { rows } = await sql<ChunkHit>`
      select c.id as chunk_id, c.source_id, s.title as source_title, c.ordinal, c.text, c.position,
             1 - (c.embedding::vector(${sql.raw(String(dimensions))}) <=> ${vector}::vector(${sql.raw(String(dimensions))})) as score
      from chunks c join sources s on s.id = c.source_id
      where c.notebook_id = ${notebookId} and c.embedding_model = ${model}
        and vector_dims(c.embedding) = ${sql.raw(String(dimensions))}
      order by c.embedding::vector(${sql.raw(String(dimensions))}) <=> ${vector}::vector(${sql.raw(String(dimensions))})
      limit ${k}`.execute(this.em.fork().getKysely());
    return rows;
  }
}
