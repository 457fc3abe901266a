import { Module } from '@nestjs/common';
import { SummariesProcessor } from './summaries.processor';
import { SummariesRepository } from './summaries.repository';
import { SummariesService } from './summaries.service';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Summary } from './summary.entity';
import { SourcesModule } from '../sources/sources.module';

@Module({
  imports: [MikroOrmModule.forFeature([Summary]), SourcesModule],
  providers: [SummariesRepository, SummariesService, SummariesProcessor],
  exports: [SummariesService],
})
export class SummariesModule {}
