import { Injectable } from '@nestjs/common';
import { type ChunkPosition } from './chunk.entity';
import { ChunksRepository, type NewChunk, WRITE_BATCH_MS } from './chunks.repository';

export { WRITE_BATCH_MS };

/**
 * The exactly-once chunk store, as other modules use it (system operations: the ingestion job
 * and maintenance; reads for search go through retrieval). A source's chunks are written under a
 * write id, invisible until {@link commitWrite} makes them the source's in the caller's unit of work.
 */
@Injectable()
export class ChunksService {
  constructor(private readonly repository: ChunksRepository) {}

  /** Starts a write; an earlier pending write of the source is retired. */
  beginWrite(sourceId: string, writeId: string): Promise<void> {
    return this.repository.beginWrite(sourceId, writeId);
  }

  insertBatch(
    write: { id: string; sourceId: string; notebookId: string; model: string },
    chunks: readonly NewChunk[],
  ): Promise<void> {
    return this.repository.insertBatch(write, chunks);
  }

  /** In the caller's unit of work: false if the write was retired or does not hold `expected` rows. */
  commitWrite(sourceId: string, writeId: string, expected: number): Promise<boolean> {
    return this.repository.commitWrite(sourceId, writeId, expected);
  }

  retireWrite(writeId: string): Promise<void> {
    return this.repository.retireWrite(writeId);
  }

  purgeRetired(options: { sourceId?: string; abandonedBefore?: Date } = {}): Promise<number> {
    return this.repository.purgeRetired(options);
  }

  embeddingModels(): Promise<string[]> {
    return this.repository.embeddingModels();
  }

  reembedBatch(
    models: { from: string; to: string },
    page: { after: string | null; limit: number },
    embed: (rows: readonly { id: string; text: string; position: ChunkPosition }[]) => string[],
  ): Promise<{ last: string | null; count: number }> {
    return this.repository.reembedBatch(models, page, embed);
  }
}
