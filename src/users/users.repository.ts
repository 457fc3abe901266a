import { Injectable } from '@nestjs/common';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { DbContext } from '../database/unit-of-work';
import { sql } from 'kysely';
import { type RoleName } from '../access/permissions';
import { Sql } from '../database/sql';
import { UserRole } from './user-role.entity';
import { User } from './user.entity';

export interface UserWithRoles {
  user: User;
  roles: RoleName[];
}

@Injectable()
export class UsersRepository {
  constructor(
    private readonly db: DbContext,
    private readonly sql: Sql,
  ) {}

  /** A user as plain data, by one prepared statement (GET /auth/me on every page load). */
  async findProfile(id: string): Promise<User | null> {
    const row = await this.sql.one<Record<string, unknown>>(
      'user_profile',
      'select id, email, name, created_at, updated_at, deactivated_at from users where id = $1',
      [id],
    );
    return row ? this.db.em().map(User, row) : null;
  }

  /** Includes the (lazy) password hash: for login only. */
  findByEmailWithPassword(email: string): Promise<User | null> {
    return this.db.em().findOne(User, { email }, { populate: ['passwordHash'] });
  }

  findByIdWithPassword(id: string): Promise<User | null> {
    return this.db.em().findOne(User, id, { populate: ['passwordHash'] });
  }

  /** Read afresh even inside a unit of work that loaded it before (a use case may have changed it since). */
  findById(id: string): Promise<User | null> {
    return this.db.em().findOne(User, id, { refresh: true });
  }

  /** Creates a user with one role in the current unit of work; flushes to surface a duplicate email. */
  async createWithRole(data: NewUser, role: RoleName): Promise<User> {
    const em = this.db.em();
    const user = em.create(User, { email: data.email, name: data.name ?? null, passwordHash: data.passwordHash });
    em.create(UserRole, { userId: user.id, role });
    try {
      await em.flush();
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) throw new EmailTakenError(data.email);
      throw error;
    }
    return user;
  }

  /** An account by (normalised) email, without its password hash. */
  findByEmail(email: string): Promise<User | null> {
    return this.db.em().findOne(User, { email });
  }

  async setPasswordHash(userId: string, passwordHash: string): Promise<void> {
    await this.db.em().nativeUpdate(User, { id: userId }, { passwordHash });
  }

  async setDeactivated(userId: string, deactivated: boolean): Promise<void> {
    await this.db.em().nativeUpdate(User, { id: userId }, { deactivatedAt: deactivated ? new Date() : null });
  }

  existsByEmail(email: string): Promise<boolean> {
    return this.db
      .em()
      .count(User, { email })
      .then((n) => n > 0);
  }

  async rolesOf(userId: string): Promise<RoleName[]> {
    const rows = await this.db.em().find(UserRole, { userId }, { orderBy: { role: 'asc' } });
    return rows.map((r) => r.role as RoleName);
  }

  /** Users ordered by id (UUIDv7, so by creation), optionally filtered by an email substring. */
  async search(filter: { email?: string; after?: string; limit: number }): Promise<UserWithRoles[]> {
    const em = this.db.em();
    const users = await em.find(
      User,
      {
        ...(filter.email ? { email: { $ilike: `%${escapeLike(filter.email)}%` } } : {}),
        ...(filter.after ? { id: { $gt: filter.after } } : {}),
      },
      { orderBy: { id: 'asc' }, limit: filter.limit },
    );
    const roles = await em.find(UserRole, { userId: { $in: users.map((u) => u.id) } });
    return users.map((user) => ({
      user,
      roles: roles.filter((r) => r.userId === user.id).map((r) => r.role as RoleName),
    }));
  }

  async addRole(userId: string, role: RoleName): Promise<boolean> {
    const em = this.db.em();
    const { rows } = await sql<{ role: string }>`
      insert into user_roles (user_id, role) values (${userId}, ${role})
      on conflict do nothing returning role`.execute(em.getKysely());
    return rows.length === 1;
  }

  async removeRole(userId: string, role: RoleName): Promise<boolean> {
    const em = this.db.em();
    const { rows } = await sql<{ role: string }>`
      delete from user_roles where user_id = ${userId} and role = ${role} returning role`.execute(em.getKysely());
    return rows.length === 1;
  }

  /**
   * Active admins other than `exceptUserId`, locking every admin assignment until the transaction
   * ends: two admins demoting each other at once are serialised, so one admin always remains.
   */
  async countOtherActiveAdminsForUpdate(exceptUserId: string): Promise<number> {
    const em = this.db.em();
    const { rows } = await sql<{ user_id: string; deactivated_at: string | null }>`
      select ur.user_id, u.deactivated_at from user_roles ur join users u on u.id = ur.user_id
      where ur.role = 'admin' for update of ur`.execute(em.getKysely());
    return rows.filter((r) => r.user_id !== exceptUserId && r.deactivated_at === null).length;
  }
}

/** An account with this email exists already (also: created by a concurrent request). */
export class EmailTakenError extends Error {
  constructor(email: string) {
    super(`an account with the email ${email} exists`);
  }
}

export interface NewUser {
  email: string;
  name?: string | null;
  passwordHash: string;
}
function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}
