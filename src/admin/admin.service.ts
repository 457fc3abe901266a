import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { type RoleName } from '../access/permissions';
import { type Principal } from '../access/principal';
import { RolesRepository } from '../access/roles.repository';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { AuditService, type RequestMeta } from '../audit/audit.service';
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
    private readonly em: EntityManager,
    private readonly users: UsersService,
    private readonly roles: RolesRepository,
    private readonly sessions: SessionsService,
    private readonly apiKeys: ApiKeysService,
    private readonly audit: AuditService,
  ) {}

  async listRoles(_auth: Principal): Promise<RoleDto[]> {
    const [roles, permissions] = await Promise.all([this.roles.findAll(), this.roles.findPermissions()]);
    return roles.map((role) => ({
      name: role.name,
      description: role.description,
      permissions: permissions
        .filter((p) => p.role === role.name)
        .map((p) => ({ action: p.action, subject: p.subject, conditions: p.conditions ?? null })),
    }));
  }

  async listUsers(_auth: Principal, query: ListUsersQuery): Promise<UserPageDto> {
    const limit = query.limit ?? 50;
    const page = await this.users.search({ email: query.email, after: query.cursor, limit: limit + 1 });
    const items = page.slice(0, limit).map(({ user, roles }) => toUserDto(user, roles));
    return { items, nextCursor: page.length > limit ? (items.at(-1)?.id ?? null) : null };
  }

  async addRole(auth: Principal, userId: string, role: RoleName, meta: RequestMeta): Promise<UserDto> {
    return this.em.fork().transactional(async (em) => {
      await this.requireUser(em, userId);
      if (await this.users.addRole(em, userId, role)) {
        await this.audit.record(
          { action: 'user.role.added', actorId: auth.userId, targetType: 'User', targetId: userId, details: { role } },
          meta,
          em,
        );
      }
      return this.userDto(em, userId);
    });
  }

  /** A user always keeps at least one role, and the last active admin stays an admin. */
  async removeRole(auth: Principal, userId: string, role: RoleName, meta: RequestMeta): Promise<UserDto> {
    return this.em.fork().transactional(async (em) => {
      await this.requireUser(em, userId);
      const roles = await this.users.rolesOf(userId, em);
      if (!roles.includes(role)) throw new NotFoundException(`The user does not have the role "${role}"`);
      if (roles.length === 1) throw new ConflictException('A user must keep at least one role');
      if (role === 'admin' && (await this.users.countOtherActiveAdminsForUpdate(em, userId)) === 0) {
        throw new ConflictException('The last active administrator cannot lose the admin role');
      }
      await this.users.removeRole(em, userId, role);
      await this.audit.record(
        { action: 'user.role.removed', actorId: auth.userId, targetType: 'User', targetId: userId, details: { role } },
        meta,
        em,
      );
      return this.userDto(em, userId);
    });
  }

  /** Deactivation ends every session and revokes every API key of the user, at once. */
  async deactivate(auth: Principal, userId: string, meta: RequestMeta): Promise<UserDto> {
    return this.em.fork().transactional(async (em) => {
      const user = await this.requireUser(em, userId);
      if (!user.deactivatedAt) {
        const roles = await this.users.rolesOf(userId, em);
        if (roles.includes('admin') && (await this.users.countOtherActiveAdminsForUpdate(em, userId)) === 0) {
          throw new ConflictException('The last active administrator cannot be deactivated');
        }
        await this.users.setDeactivated(em, userId, true);
        const sessions = await this.sessions.revokeAllForUser(em, userId, 'deactivated');
        const keys = await this.apiKeys.revokeAllForUser(em, userId);
        await this.audit.record(
          {
            action: 'user.deactivated',
            actorId: auth.userId,
            targetType: 'User',
            targetId: userId,
            details: { sessions, apiKeys: keys },
          },
          meta,
          em,
        );
      }
      return this.userDto(em, userId);
    });
  }

  async reactivate(auth: Principal, userId: string, meta: RequestMeta): Promise<UserDto> {
    return this.em.fork().transactional(async (em) => {
      const user = await this.requireUser(em, userId);
      if (user.deactivatedAt) {
        await this.users.setDeactivated(em, userId, false);
        await this.audit.record(
          { action: 'user.reactivated', actorId: auth.userId, targetType: 'User', targetId: userId },
          meta,
          em,
        );
      }
      return this.userDto(em, userId);
    });
  }

  async listAudit(_auth: Principal, query: AuditQuery): Promise<AuditPageDto> {
    const limit = query.limit ?? 100;
    const events = await this.audit.list({ ...query, before: query.cursor, limit: limit + 1 });
    const items = events.slice(0, limit).map((e) => ({
      id: e.id,
      createdAt: e.createdAt.toISOString(),
      actorId: e.actorId ?? null,
      action: e.action,
      targetType: e.targetType ?? null,
      targetId: e.targetId ?? null,
      ip: e.ip ?? null,
      requestId: e.requestId ?? null,
      details: e.details,
    }));
    return { items, nextCursor: events.length > limit ? (items.at(-1)?.id ?? null) : null };
  }

  private async requireUser(em: EntityManager, userId: string) {
    const user = await this.users.findById(userId, em);
    if (!user) throw new NotFoundException('User not found');
    return user;
  }

  private async userDto(em: EntityManager, userId: string): Promise<UserDto> {
    const found = await this.users.getWithRoles(userId, em);
    if (!found) throw new NotFoundException('User not found');
    await em.refresh(found.user);
    return toUserDto(found.user, found.roles);
  }
}
