import { readPage } from '../http/pagination';
import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { type RoleName } from '../access/permissions';
import { type Principal } from '../access/principal';
import { RolesService } from '../access/roles.service';
import { UnitOfWork } from '../database/unit-of-work';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { AuditService } from '../audit/audit.service';
import { type RequestMeta } from '../http/request-meta';
import { SessionsService } from '../auth/sessions.service';
import { toUserDto, type UserDto } from '../users/dto/user.dto';
import { UsersService } from '../users/users.service';
import {
  type AuditPageDto,
  type AuditQuery,
  type ListUsersQuery,
  type RoleDto,
  type UserPageDto,
} from './dto/admin.dto';

/** User administration. Route policies already require admin rights; the rules here keep the system sane. */
@Injectable()
export class AdminService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly users: UsersService,
    private readonly roles: RolesService,
    private readonly sessions: SessionsService,
    private readonly apiKeys: ApiKeysService,
    private readonly audit: AuditService,
  ) {}

  async listRoles(_auth: Principal): Promise<RoleDto[]> {
    return (await this.roles.list()).map(({ role, permissions }) => ({
      name: role.name,
      description: role.description,
      permissions: permissions.map((p) => ({ action: p.action, subject: p.subject, conditions: p.conditions ?? null })),
    }));
  }

  async listUsers(_auth: Principal, query: ListUsersQuery): Promise<UserPageDto> {
    return readPage(
      query.limit ?? 50,
      (take) => this.users.search({ email: query.email, after: query.cursor, limit: take }),
      ({ user, roles }) => toUserDto(user, roles),
    );
  }

  async addRole(auth: Principal, userId: string, role: RoleName, meta: RequestMeta): Promise<UserDto> {
    return this.uow.transaction(async () => {
      await this.requireUser(userId);
      if (await this.users.addRole(userId, role)) {
        await this.audit.record(
          { action: 'user.role.added', actorId: auth.userId, targetType: 'User', targetId: userId, details: { role } },
          meta,
        );
      }
      return this.userDto(userId);
    });
  }

  /** A user always keeps at least one role, and the last active admin stays an admin. */
  async removeRole(auth: Principal, userId: string, role: RoleName, meta: RequestMeta): Promise<UserDto> {
    return this.uow.transaction(async () => {
      await this.requireUser(userId);
      const roles = await this.users.rolesOf(userId);
      if (!roles.includes(role)) throw new NotFoundException(`The user does not have the role "${role}"`);
      if (roles.length === 1) throw new ConflictException('A user must keep at least one role');
      if (role === 'admin' && (await this.users.countOtherActiveAdminsForUpdate(userId)) === 0) {
        throw new ConflictException('The last active administrator cannot lose the admin role');
      }
      await this.users.removeRole(userId, role);
      await this.audit.record(
        { action: 'user.role.removed', actorId: auth.userId, targetType: 'User', targetId: userId, details: { role } },
        meta,
      );
      return this.userDto(userId);
    });
  }

  /** Deactivation ends every session and revokes every API key of the user, at once. */
  async deactivate(auth: Principal, userId: string, meta: RequestMeta): Promise<UserDto> {
    return this.uow.transaction(async () => {
      const user = await this.requireUser(userId);
      if (!user.deactivatedAt) {
        const roles = await this.users.rolesOf(userId);
        if (roles.includes('admin') && (await this.users.countOtherActiveAdminsForUpdate(userId)) === 0) {
          throw new ConflictException('The last active administrator cannot be deactivated');
        }
        await this.users.setDeactivated(userId, true);
        const sessions = await this.sessions.revokeAllForUser(userId, 'deactivated');
        const keys = await this.apiKeys.revokeAllForUser(userId);
        await this.audit.record(
          {
            action: 'user.deactivated',
            actorId: auth.userId,
            targetType: 'User',
            targetId: userId,
            details: { sessions, apiKeys: keys },
          },
          meta,
        );
      }
      return this.userDto(userId);
    });
  }

  async reactivate(auth: Principal, userId: string, meta: RequestMeta): Promise<UserDto> {
    return this.uow.transaction(async () => {
      const user = await this.requireUser(userId);
      if (user.deactivatedAt) {
        await this.users.setDeactivated(userId, false);
        await this.audit.record(
          { action: 'user.reactivated', actorId: auth.userId, targetType: 'User', targetId: userId },
          meta,
        );
      }
      return this.userDto(userId);
    });
  }

  async listAudit(_auth: Principal, query: AuditQuery): Promise<AuditPageDto> {
    return readPage(
      query.limit ?? 100,
      (take) => this.audit.list({ ...query, before: query.cursor, limit: take }),
      (e) => ({
        id: e.id,
        createdAt: e.createdAt.toISOString(),
        actorId: e.actorId ?? null,
        action: e.action,
        targetType: e.targetType ?? null,
        targetId: e.targetId ?? null,
        ip: e.ip ?? null,
        requestId: e.requestId ?? null,
        details: e.details,
      }),
    );
  }

  private async requireUser(userId: string) {
    const user = await this.users.findById(userId);
    if (!user) throw new NotFoundException('User not found');
    return user;
  }

  private async userDto(userId: string): Promise<UserDto> {
    const found = await this.users.getWithRoles(userId);
    if (!found) throw new NotFoundException('User not found');
    return toUserDto(found.user, found.roles);
  }
}
