import { Global, Module } from '@nestjs/common';
import { ChunksRepository } from './chunks.repository';
import { EmbeddingIndex } from './embedding-index';

@Global()
@Module({
  providers: [ChunksRepository, EmbeddingIndex],
  exports: [ChunksRepository, EmbeddingIndex],
})
export class ChunksModule {}
