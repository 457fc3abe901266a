import { Global, Module } from '@nestjs/common';
import { AbilityFactory } from './ability.factory';
import { RolesRepository } from './roles.repository';

@Global()
@Module({
  providers: [RolesRepository, AbilityFactory],
  exports: [AbilityFactory, RolesRepository],
})
export class AccessModule {}
