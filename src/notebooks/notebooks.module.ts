import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module';
import { NotebookAccessService } from './notebook-access';
import { NotebooksController } from './notebooks.controller';
import { NotebooksMaintenanceProcessor } from './notebooks-maintenance.processor';
import { NotebooksRepository } from './notebooks.repository';
import { NotebooksService } from './notebooks.service';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Notebook, NotebookGrant } from './notebook.entity';

@Module({
  imports: [MikroOrmModule.forFeature([Notebook, NotebookGrant]), UsersModule],
  controllers: [NotebooksController],
  providers: [NotebooksRepository, NotebooksService, NotebookAccessService, NotebooksMaintenanceProcessor],
  exports: [NotebooksService, NotebookAccessService],
})
export class NotebooksModule {}
