import { Module } from '@nestjs/common';
import { GithubTokenController } from './github-token.controller';
import { SecretsService } from './secrets.service';

@Module({
  controllers: [GithubTokenController],
  providers: [SecretsService],
  exports: [SecretsService],
})
export class SecretsModule {}
