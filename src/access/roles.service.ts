import { Injectable } from '@nestjs/common';
import { type Role, type RolePermission } from './role.entity';
import { RolesRepository } from './roles.repository';

/** The roles and their permission rules, as seeded by the migrations (for the admin API). */
@Injectable()
export class RolesService {
  constructor(private readonly repository: RolesRepository) {}

  async list(): Promise<{ role: Role; permissions: RolePermission[] }[]> {
    const [roles, permissions] = await Promise.all([this.repository.findAll(), this.repository.findPermissions()]);
    return roles.map((role) => ({ role, permissions: permissions.filter((p) => p.role === role.name) }));
  }
}
