import { Module } from '@nestjs/common';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { AuthModule } from '../auth/auth.module';
import { NotebooksModule } from '../notebooks/notebooks.module';
import { UsersModule } from '../users/users.module';
import { AdminNotebooksController } from './admin-notebooks.controller';
import { AdminController } from './admin.controller';
import { AdminService } from './admin.service';

@Module({
  imports: [UsersModule, AuthModule, ApiKeysModule, NotebooksModule],
  controllers: [AdminController, AdminNotebooksController],
  providers: [AdminService],
})
export class AdminModule {}
