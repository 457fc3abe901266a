import { Global, Module } from '@nestjs/common';
import { AbilityFactory } from './ability.factory';
import { RolesRepository } from './roles.repository';
import { RolesService } from './roles.service';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Role, RolePermission } from './role.entity';

@Global()
@Module({
  imports: [MikroOrmModule.forFeature([Role, RolePermission])],
  providers: [RolesRepository, RolesService, AbilityFactory],
  exports: [AbilityFactory, RolesService],
})
export class AccessModule {}
