import { Injectable } from '@nestjs/common';
import { type Principal } from '../access/principal';
import { ChunksRepository } from '../chunks/chunks.repository';
import { EmbeddingProvider, toPgVector } from '../embeddings/embedding-provider';
import { NotebookAccessService } from '../notebooks/notebook-access';
import { type SearchDto, type SearchResultDto } from './dto/search.dto';

/** Semantic search over one notebook's chunks (hybrid retrieval builds on this). */
@Injectable()
export class RetrievalService {
  constructor(
    private readonly access: NotebookAccessService,
    private readonly chunks: ChunksRepository,
    private readonly embeddings: EmbeddingProvider,
  ) {}

  async search(auth: Principal, notebookId: string, dto: SearchDto): Promise<SearchResultDto> {
    await this.access.require(auth, notebookId, 'read');
    const [vector] = await this.embeddings.embed([dto.query]);
    const hits = await this.chunks.nearest(
      notebookId,
      toPgVector(vector),
      this.embeddings.dimensions,
      this.embeddings.id,
      dto.k ?? 10,
    );
    return {
      hits: hits.map((h) => ({
        chunkId: h.chunk_id,
        sourceId: h.source_id,
        sourceTitle: h.source_title,
        text: h.text,
        position: h.position,
        score: Number(h.score),
      })),
    };
  }
}
