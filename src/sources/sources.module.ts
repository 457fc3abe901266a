import { SummariesModule } from '../summaries/summaries.module';
import { Module } from '@nestjs/common';
import { NotebooksModule } from '../notebooks/notebooks.module';
import { SourcesController } from './sources.controller';
import { SourcesRepository } from './sources.repository';
import { SourcesService } from './sources.service';

@Module({
  imports: [NotebooksModule, SummariesModule],
  controllers: [SourcesController],
  providers: [SourcesService, SourcesRepository],
  exports: [SourcesService, SourcesRepository],
})
export class SourcesModule {}
