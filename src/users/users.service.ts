import { Injectable } from '@nestjs/common';
import { type RoleName } from '../access/permissions';
import { type User } from './user.entity';
import { EmailTakenError, type NewUser, UsersRepository, type UserWithRoles } from './users.repository';

export { EmailTakenError, type NewUser };

/** The users aggregate, for other modules (auth, admin). Emails arrive normalised. */
@Injectable()
export class UsersService {
  constructor(private readonly repository: UsersRepository) {}

  /** Creates a user with one role inside the caller's unit of work; flushes to surface a duplicate email. */
  createWithRole(data: NewUser, role: RoleName): Promise<User> {
    return this.repository.createWithRole(data, role);
  }

  findForLogin(email: string): Promise<User | null> {
    return this.repository.findByEmailWithPassword(email);
  }

  findForLoginById(id: string): Promise<User | null> {
    return this.repository.findByIdWithPassword(id);
  }

  /** An account by (normalised) email, without its password hash. */
  findByEmail(email: string): Promise<User | null> {
    return this.repository.findByEmail(email);
  }

  findProfile(id: string): Promise<User | null> {
    return this.repository.findProfile(id);
  }

  findById(id: string): Promise<User | null> {
    return this.repository.findById(id);
  }

  existsByEmail(email: string): Promise<boolean> {
    return this.repository.existsByEmail(email);
  }

  async setPasswordHash(userId: string, passwordHash: string): Promise<void> {
    await this.repository.setPasswordHash(userId, passwordHash);
  }

  async isActive(userId: string): Promise<boolean> {
    const user = await this.repository.findById(userId);
    return Boolean(user && !user.deactivatedAt);
  }

  async getWithRoles(userId: string): Promise<UserWithRoles | null> {
    const user = await this.repository.findById(userId);
    return user ? { user, roles: await this.repository.rolesOf(userId) } : null;
  }

  search(filter: { email?: string; after?: string; limit: number }): Promise<UserWithRoles[]> {
    return this.repository.search(filter);
  }

  rolesOf(userId: string): Promise<RoleName[]> {
    return this.repository.rolesOf(userId);
  }

  addRole(userId: string, role: RoleName): Promise<boolean> {
    return this.repository.addRole(userId, role);
  }

  removeRole(userId: string, role: RoleName): Promise<boolean> {
    return this.repository.removeRole(userId, role);
  }

  /** In the caller's unit of work: locks every admin assignment until it ends. */
  countOtherActiveAdminsForUpdate(exceptUserId: string): Promise<number> {
    return this.repository.countOtherActiveAdminsForUpdate(exceptUserId);
  }

  async setDeactivated(userId: string, deactivated: boolean): Promise<void> {
    await this.repository.setDeactivated(userId, deactivated);
  }
}
