import { Injectable } from '@nestjs/common';
import { DbContext, UnitOfWork } from '../database/unit-of-work';
import { sql } from 'kysely';
import { uuidv7 } from '../common/uuid';
import { BackgroundWrites } from '../database/background-writes';
import { embeddingModels, reembedRows } from '../database/embedded-rows';
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

/**
 * A chunk's full-text vector, from `heading` (its heading path, words joined) and `text`: heading
 * words weigh B, body words D, so ts_rank_cd counts a match in a section's title four times one in
 * its text (weights 0.4 and 0.1), and a question naming a section finds all of its chunks, not
 * only the first (which holds the heading line). bench:quality, with every-word matches ranked
 * first: A and B measured alike on both corpora; B is the milder. Every writer of chunks uses it.
 */
export const CHUNK_TSV = "setweight(to_tsvector('english', heading), 'B') || to_tsvector('english', text)";

/**
 * Chunks are inserted in batches that each take about this long (see inTimedBatches), each its
 * own statement: in zero-setup mode the embedded Postgres runs one statement at a time, and one
 * 7,240-chunk transaction held it — and every other request — for 11.7 s; batches of a fixed 100
 * rows still made every request wait 250–460 ms (3.3 ms per row there, HNSW entries above all).
 */
export const WRITE_BATCH_MS = 25;

/** Rows per DELETE of retired chunks (a delete adds no index entries: far cheaper than an insert). */
const DELETE_BATCH = 500;

@Injectable()
export class ChunksRepository {
  constructor(
    private readonly db: DbContext,
    private readonly uow: UnitOfWork,
    private readonly writes: BackgroundWrites,
  ) {}

  /**
   * Starts a write of a source's chunks: its rows stay invisible until {@link commitWrite}. An
   * earlier write of the source still pending (a crashed or superseded attempt) is retired: its
   * rows will be deleted, and its own commit fails.
   */
  async beginWrite(sourceId: string, writeId: string): Promise<void> {
    await this.uow.transaction(async () => {
      await this.db.rows(
        sql`update chunk_writes set state = 'retired' where source_id = ${sourceId} and state = 'pending'`,
      );
      await this.db.rows(sql`insert into chunk_writes (id, source_id) values (${writeId}, ${sourceId})`);
    });
  }

  /** Adds chunks to a pending write, in one statement (arrays as bind parameters, vectors included). */
  async insertBatch(
    write: { id: string; sourceId: string; notebookId: string; model: string },
    chunks: readonly NewChunk[],
  ): Promise<void> {
    await this.writes.run(() => this.insert(write, chunks));
  }

  private async insert(
    write: { id: string; sourceId: string; notebookId: string; model: string },
    chunks: readonly NewChunk[],
  ): Promise<void> {
    await this.db.rows(sql`
      insert into chunks (id, source_id, notebook_id, write_id, ordinal, text, token_count, content_hash, position, embedding, embedding_model, tsv)
      select id, ${write.sourceId}::uuid, ${write.notebookId}::uuid, ${write.id}::uuid, ordinal, text, token_count, content_hash, position, embedding::vector, ${write.model},
             ${sql.raw(CHUNK_TSV)}
      from unnest(${chunks.map(() => uuidv7())}::uuid[], ${chunks.map((c) => c.ordinal)}::int[], ${chunks.map((c) => c.text)}::text[],
                  ${chunks.map((c) => c.tokenCount)}::int[], ${chunks.map((c) => c.contentHash)}::text[],
                  ${chunks.map((c) => JSON.stringify(c.position))}::jsonb[], ${chunks.map((c) => c.embedding)}::text[],
                  ${chunks.map((c) => (c.position.headingPath ?? []).join(' '))}::text[])
        as t(id, ordinal, text, token_count, content_hash, position, embedding, heading)`);
  }

  /**
   * Makes a pending write the source's chunks, inside the caller's (short) transaction: false if
   * the write was retired meanwhile or does not hold exactly `expected` rows. What the source had
   * before is retired (invisible at once; {@link purgeRetired} deletes it), rows from before write
   * ids are deleted here.
   */
  async commitWrite(sourceId: string, writeId: string, expected: number): Promise<boolean> {
    const row = await this.db.one(sql<{ n: number }>`
      select (select count(*) from chunks where source_id = ${sourceId} and write_id = ${writeId})::int as n
      from chunk_writes where id = ${writeId} and state = 'pending' for update`);
    if (row?.n !== expected) return false;
    await this.db.rows(sql`
      insert into chunk_writes (id, source_id, state)
      select distinct c.write_id, ${sourceId}::uuid, 'retired' from chunks c
      where c.source_id = ${sourceId} and c.write_id is not null and c.write_id <> ${writeId}
      on conflict (id) do update set state = 'retired'`);
    await this.db.rows(sql`delete from chunks where source_id = ${sourceId} and write_id is null`);
    await this.db.rows(sql`delete from chunk_writes where id = ${writeId}`);
    return true;
  }

  /** The embedding models the stored chunks come from (see embeddingModels). */
  embeddingModels(): Promise<string[]> {
    return embeddingModels(this.db, 'chunks');
  }

  /** Re-embeds in place a batch of chunks of model `from` (see reembedRows), as a background write. */
  reembedBatch(
    models: { from: string; to: string },
    page: { after: string | null; limit: number },
    embed: (rows: readonly { id: string; text: string; position: ChunkPosition }[]) => string[],
  ): Promise<{ last: string | null; count: number }> {
    return this.writes.run(() =>
      this.uow.transaction(() => reembedRows(this.db, 'chunks', ['text', 'position'], models, page, embed)),
    );
  }

  /** Gives up a write (failed, cancelled): its rows are deleted by {@link purgeRetired}. */
  async retireWrite(writeId: string): Promise<void> {
    await this.db.rows(sql`update chunk_writes set state = 'retired' where id = ${writeId}`);
  }

  /**
   * Deletes the rows of retired writes — of one source, or of every source — in batches of
   * DELETE_BATCH rows, each its own statement, then the writes themselves. Pending writes older than
   * `abandonedBefore` (their process died) are retired first. Returns the rows deleted.
   */
  async purgeRetired(options: { sourceId?: string; abandonedBefore?: Date } = {}): Promise<number> {
    const source = options.sourceId ?? null;
    if (options.abandonedBefore) {
      await this.db.rows(
        sql`update chunk_writes set state = 'retired' where state = 'pending' and created_at < ${options.abandonedBefore}`,
      );
    }
    let deleted = 0;
    for (;;) {
      const n = await this.db.affected(sql`
        delete from chunks where id in (
          select c.id from chunk_writes w join chunks c on c.source_id = w.source_id and c.write_id = w.id
          where w.state = 'retired' and (${source}::uuid is null or w.source_id = ${source}::uuid)
          limit ${DELETE_BATCH})`);
      deleted += n;
      if (n < DELETE_BATCH) break;
    }
    await this.db.rows(sql`
      delete from chunk_writes w where w.state = 'retired' and (${source}::uuid is null or w.source_id = ${source}::uuid)
        and not exists (select 1 from chunks c where c.source_id = w.source_id and c.write_id = w.id)`);
    return deleted;
  }
}
