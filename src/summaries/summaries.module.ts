import { Module } from '@nestjs/common';
import { SummariesProcessor } from './summaries.processor';
import { SummariesRepository } from './summaries.repository';
import { SummariesService } from './summaries.service';

@Module({
  providers: [SummariesRepository, SummariesService, SummariesProcessor],
  exports: [SummariesService],
})
export class SummariesModule {}
