import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { type RoleName } from '../access/permissions';
import { UserRole } from '../access/role.entity';
import { User } from './user.entity';
import { UsersRepository, type UserWithRoles } from './users.repository';

export interface NewUser {
  email: string;
  name?: string | null;
  passwordHash: string;
}

/** The users aggregate, for other modules (auth, admin). Emails arrive normalised. */
@Injectable()
export class UsersService {
  constructor(
    private readonly em: EntityManager,
    private readonly repository: UsersRepository,
  ) {}

  /** Creates a user with one role inside the caller's unit of work; flushes to surface a duplicate email. */
  async createWithRole(em: EntityManager, data: NewUser, role: RoleName): Promise<User> {
    const user = em.create(User, { email: data.email, name: data.name ?? null, passwordHash: data.passwordHash });
    em.create(UserRole, { userId: user.id, role });
    await em.flush();
    return user;
  }

  findForLogin(email: string): Promise<User | null> {
    return this.repository.findByEmailWithPassword(email);
  }

  findForLoginById(id: string): Promise<User | null> {
    return this.repository.findByIdWithPassword(id);
  }

  /** An account by (normalised) email, without its password hash. */
  findByEmail(email: string): Promise<User | null> {
    return this.em.fork().findOne(User, { email });
  }

  findProfile(id: string): Promise<User | null> {
    return this.repository.findProfile(id);
  }

  findById(id: string, em?: EntityManager): Promise<User | null> {
    return this.repository.findById(id, em);
  }

  existsByEmail(email: string): Promise<boolean> {
    return this.repository.existsByEmail(email);
  }

  async setPasswordHash(userId: string, passwordHash: string, em: EntityManager = this.em.fork()): Promise<void> {
    await em.nativeUpdate(User, { id: userId }, { passwordHash });
  }

  async isActive(userId: string): Promise<boolean> {
    const user = await this.repository.findById(userId);
    return Boolean(user && !user.deactivatedAt);
  }

  async getWithRoles(userId: string, em: EntityManager = this.em.fork()): Promise<UserWithRoles | null> {
    const user = await this.repository.findById(userId, em);
    return user ? { user, roles: await this.repository.rolesOf(userId, em) } : null;
  }

  search(filter: { email?: string; after?: string; limit: number }): Promise<UserWithRoles[]> {
    return this.repository.search(filter);
  }

  rolesOf(userId: string, em?: EntityManager): Promise<RoleName[]> {
    return this.repository.rolesOf(userId, em);
  }

  addRole(em: EntityManager, userId: string, role: RoleName): Promise<boolean> {
    return this.repository.addRole(em, userId, role);
  }

  removeRole(em: EntityManager, userId: string, role: RoleName): Promise<boolean> {
    return this.repository.removeRole(em, userId, role);
  }

  countOtherActiveAdminsForUpdate(em: EntityManager, exceptUserId: string): Promise<number> {
    return this.repository.countOtherActiveAdminsForUpdate(em, exceptUserId);
  }

  async setDeactivated(em: EntityManager, userId: string, deactivated: boolean): Promise<void> {
    await em.nativeUpdate(User, { id: userId }, { deactivatedAt: deactivated ? new Date() : null });
  }
}
