import { Module } from '@nestjs/common';
import { NotebooksModule } from '../notebooks/notebooks.module';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysRepository } from './api-keys.repository';
import { ApiKeysService } from './api-keys.service';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { ApiKey } from './api-key.entity';

@Module({
  imports: [MikroOrmModule.forFeature([ApiKey]), NotebooksModule],
  controllers: [ApiKeysController],
  providers: [ApiKeysRepository, ApiKeysService],
  exports: [ApiKeysService],
})
export class ApiKeysModule {}
