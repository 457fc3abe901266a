import { Injectable } from '@nestjs/common';
import { sql } from 'kysely';
import { DbContext } from '../database/unit-of-work';
import { Role, RolePermission } from './role.entity';

@Injectable()
export class RolesRepository {
  constructor(private readonly db: DbContext) {}

  findAll(): Promise<Role[]> {
    return this.db.entities(Role, sql`select * from roles order by rank desc`);
  }

  findPermissions(): Promise<RolePermission[]> {
    return this.db.entities(RolePermission, sql`select * from role_permissions order by role, id`);
  }
}
