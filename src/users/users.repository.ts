import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { type RoleName } from '../access/permissions';
import { Sql } from '../database/sql';
import { UserRole } from '../access/role.entity';
import { User } from './user.entity';

export interface UserWithRoles {
  user: User;
  roles: RoleName[];
}

@Injectable()
export class UsersRepository {
  constructor(
    private readonly em: EntityManager,
    private readonly sql: Sql,
  ) {}

  /** A user as plain data, by one prepared statement (GET /auth/me on every page load). */
  async findProfile(id: string): Promise<User | null> {
    const row = await this.sql.one<Record<string, unknown>>(
      'user_profile',
      'select id, email, name, created_at, updated_at, deactivated_at from users where id = $1',
      [id],
    );
    return row ? this.em.fork().map(User, row) : null;
  }

  /** Includes the (lazy) password hash: for login only. */
  findByEmailWithPassword(email: string, em: EntityManager = this.em.fork()): Promise<User | null> {
    return em.findOne(User, { email }, { populate: ['passwordHash'] });
  }

  findByIdWithPassword(id: string, em: EntityManager = this.em.fork()): Promise<User | null> {
    return em.findOne(User, id, { populate: ['passwordHash'] });
  }

  findById(id: string, em: EntityManager = this.em.fork()): Promise<User | null> {
    return em.findOne(User, id);
  }

  existsByEmail(email: string): Promise<boolean> {
    return this.em
      .fork()
      .count(User, { email })
      .then((n) => n > 0);
  }

  async rolesOf(userId: string, em: EntityManager = this.em.fork()): Promise<RoleName[]> {
    const rows = await em.find(UserRole, { userId }, { orderBy: { role: 'asc' } });
    return rows.map((r) => r.role as RoleName);
  }

  /** Users ordered by id (UUIDv7, so by creation), optionally filtered by an email substring. */
  async search(filter: { email?: string; after?: string; limit: number }): Promise<UserWithRoles[]> {
    const em = this.em.fork();
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

  async addRole(em: EntityManager, userId: string, role: RoleName): Promise<boolean> {
    const { rows } = await sql<{ role: string }>`
      insert into user_roles (user_id, role) values (${userId}, ${role})
      on conflict do nothing returning role`.execute(em.getKysely());
    return rows.length === 1;
  }

  async removeRole(em: EntityManager, userId: string, role: RoleName): Promise<boolean> {
    const { rows } = await sql<{ role: string }>`
      delete from user_roles where user_id = ${userId} and role = ${role} returning role`.execute(em.getKysely());
    return rows.length === 1;
  }

  /**
   * Active admins other than `exceptUserId`, locking every admin assignment until the transaction
   * ends: two admins demoting each other at once are serialised, so one admin always remains.
   */
  async countOtherActiveAdminsForUpdate(em: EntityManager, exceptUserId: string): Promise<number> {
    const { rows } = await sql<{ user_id: string; deactivated_at: string | null }>`
      select ur.user_id, u.deactivated_at from user_roles ur join users u on u.id = ur.user_id
      where ur.role = 'admin' for update of ur`.execute(em.getKysely());
    return rows.filter((r) => r.user_id !== exceptUserId && r.deactivated_at === null).length;
  }
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}
