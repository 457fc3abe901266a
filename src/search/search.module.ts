import { Module } from '@nestjs/common';
import { RetrievalModule } from '../retrieval/retrieval.module';
import { SearchController } from './search.controller';

/** `/api/v1/notebooks/:id/search`: hybrid retrieval as an API (without an answer). */
@Module({ imports: [RetrievalModule], controllers: [SearchController] })
export class SearchModule {}
