import { Module } from '@nestjs/common';
import { NotebooksModule } from '../notebooks/notebooks.module';
import { SourcesController } from './sources.controller';
import { SourcesRepository } from './sources.repository';
import { SourcesService } from './sources.service';
import { SourceEvents } from './source-events';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Source, SourceText } from './source.entity';

@Module({
  imports: [MikroOrmModule.forFeature([Source, SourceText]), NotebooksModule],
  controllers: [SourcesController],
  providers: [SourcesService, SourcesRepository, SourceEvents],
  exports: [SourcesService, SourceEvents],
})
export class SourcesModule {}
