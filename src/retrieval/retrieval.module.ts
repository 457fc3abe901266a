import { Module } from '@nestjs/common';
import { NotebooksModule } from '../notebooks/notebooks.module';
import { FusionOrderReranker, Reranker } from './reranker';
import { RetrievalRepository } from './retrieval.repository';
import { RetrievalService } from './retrieval.service';

@Module({
  imports: [NotebooksModule],
  providers: [RetrievalService, RetrievalRepository, { provide: Reranker, useClass: FusionOrderReranker }],
  exports: [RetrievalService],
})
export class RetrievalModule {}
