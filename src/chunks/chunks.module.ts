import { Global, Module } from '@nestjs/common';
import { ChunksRepository } from './chunks.repository';
import { ChunksService } from './chunks.service';
import { EmbeddingIndex } from './embedding-index';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Chunk } from './chunk.entity';
import { ChunkWrite } from './chunk-write.entity';

@Global()
@Module({
  imports: [MikroOrmModule.forFeature([Chunk, ChunkWrite])],
  providers: [ChunksRepository, ChunksService, EmbeddingIndex],
  exports: [ChunksService, EmbeddingIndex],
})
export class ChunksModule {}
