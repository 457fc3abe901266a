import { Module } from '@nestjs/common';
import { SourcesModule } from '../sources/sources.module';
import { IngestionProcessor } from './ingestion.processor';
import { IngestionService } from './ingestion.service';

@Module({
  imports: [SourcesModule],
  providers: [IngestionService, IngestionProcessor],
})
export class IngestionModule {}
