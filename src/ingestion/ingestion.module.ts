import { Module } from '@nestjs/common';
import { SourcesModule } from '../sources/sources.module';
import { IngestionProcessor } from './ingestion.processor';
import { IngestionService } from './ingestion.service';
import { DocumentPreparer } from './processing/document-preparer';

@Module({
  imports: [SourcesModule],
  providers: [IngestionService, IngestionProcessor, DocumentPreparer],
})
export class IngestionModule {}
