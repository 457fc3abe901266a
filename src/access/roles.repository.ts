import { Injectable } from '@nestjs/common';
import { DbContext } from '../database/unit-of-work';
import { Role, RolePermission } from './role.entity';

@Injectable()
export class RolesRepository {
  constructor(private readonly db: DbContext) {}

  findAll(): Promise<Role[]> {
    return this.db.em().find(Role, {}, { orderBy: { rank: 'desc' } });
  }

  findPermissions(): Promise<RolePermission[]> {
    return this.db.em().find(RolePermission, {}, { orderBy: { role: 'asc', id: 'asc' } });
  }
}
