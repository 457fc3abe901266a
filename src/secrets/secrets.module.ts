import { Module } from '@nestjs/common';
import { SecretsRepository } from './secrets.repository';
import { SecretsService } from './secrets.service';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { UserSecret } from './user-secret.entity';

@Module({
  imports: [MikroOrmModule.forFeature([UserSecret])],
  providers: [SecretsRepository, SecretsService],
  exports: [SecretsService],
})
export class SecretsModule {}
