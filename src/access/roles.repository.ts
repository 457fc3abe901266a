import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { Role, RolePermission } from './role.entity';

@Injectable()
export class RolesRepository {
  constructor(private readonly em: EntityManager) {}

  findAll(): Promise<Role[]> {
    return this.em.fork().find(Role, {}, { orderBy: { rank: 'desc' } });
  }

  findPermissions(): Promise<RolePermission[]> {
    return this.em.fork().find(RolePermission, {}, { orderBy: { role: 'asc', id: 'asc' } });
  }
}
