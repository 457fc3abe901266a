import { Injectable } from '@nestjs/common';
import { DbContext, isUniqueViolation, UnitOfWork } from '../database/unit-of-work';
import { uuidv7 } from '../common/uuid';
import { sql } from 'kysely';
import { type RoleName } from '../access/permissions';
import { Sql } from '../database/sql';
import { User } from './user.entity';

export interface UserWithRoles {
  user: User;
  roles: RoleName[];
}

/** A user's columns but the password hash (read only to log in). */
const PROFILE = 'id, email, name, created_at, updated_at, deactivated_at';

@Injectable()
export class UsersRepository {
  constructor(
    private readonly db: DbContext,
    private readonly uow: UnitOfWork,
    private readonly sql: Sql,
  ) {}

  /** A user as plain data, by one prepared statement (GET /auth/me on every page load). */
  async findProfile(id: string): Promise<User | null> {
    const row = await this.sql.one<Record<string, unknown>>(
      'user_profile',
      `select ${PROFILE} from users where id = $1`,
      [id],
    );
    return row ? this.db.hydrate(User, row) : null;
  }

  /** Includes the password hash: for login only. */
  findByEmailWithPassword(email: string): Promise<User | null> {
    return this.db.entity(User, sql`select ${sql.raw(PROFILE)}, password_hash from users where email = ${email}`);
  }

  findByIdWithPassword(id: string): Promise<User | null> {
    return this.db.entity(User, sql`select ${sql.raw(PROFILE)}, password_hash from users where id = ${id}`);
  }

  /** Read afresh even inside a unit of work that loaded it before (a use case may have changed it since). */
  findById(id: string): Promise<User | null> {
    return this.db.entity(User, sql`select ${sql.raw(PROFILE)} from users where id = ${id}`);
  }

  /** Creates a user with one role in the current unit of work; a duplicate email throws EmailTakenError. */
  async createWithRole(data: NewUser, role: RoleName): Promise<User> {
    const id = uuidv7();
    try {
      return await this.uow.transaction(async () => {
        const user = await this.db.entity(
          User,
          sql`insert into users (id, email, name, password_hash) values (${id}, ${data.email}, ${data.name ?? null}, ${data.passwordHash})
              returning ${sql.raw(PROFILE)}`,
        );
        await this.db.rows(sql`insert into user_roles (user_id, role) values (${id}, ${role})`);
        return user!;
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new EmailTakenError(data.email);
      throw error;
    }
  }

  /** An account by (normalised) email, without its password hash. */
  findByEmail(email: string): Promise<User | null> {
    return this.db.entity(User, sql`select ${sql.raw(PROFILE)} from users where email = ${email}`);
  }

  async setPasswordHash(userId: string, passwordHash: string): Promise<void> {
    await this.db.rows(sql`update users set password_hash = ${passwordHash}, updated_at = now() where id = ${userId}`);
  }

  async setDeactivated(userId: string, deactivated: boolean): Promise<void> {
    await this.db.rows(
      sql`update users set deactivated_at = ${deactivated ? new Date() : null}, updated_at = now() where id = ${userId}`,
    );
  }

  async existsByEmail(email: string): Promise<boolean> {
    return (await this.db.one(sql`select 1 from users where email = ${email}`)) !== null;
  }

  async rolesOf(userId: string): Promise<RoleName[]> {
    const rows = await this.db.rows(
      sql<{ role: RoleName }>`select role from user_roles where user_id = ${userId} order by role`,
    );
    return rows.map((r) => r.role);
  }

  /** Users ordered by id (UUIDv7, so by creation), optionally filtered by an email substring. */
  async search(filter: { email?: string; after?: string; limit: number }): Promise<UserWithRoles[]> {
    const pattern = filter.email ? `%${escapeLike(filter.email)}%` : null;
    const rows = await this.db.rows(sql<Record<string, unknown> & { roles: RoleName[] }>`
      select ${sql.raw(PROFILE)}, array(select ur.role from user_roles ur where ur.user_id = users.id order by ur.role) as roles
      from users
      where (${pattern}::text is null or email ilike ${pattern})
        and (${filter.after ?? null}::uuid is null or id > ${filter.after ?? null}::uuid)
      order by id limit ${filter.limit}`);
    return rows.map(({ roles, ...row }) => ({ user: this.db.hydrate(User, row), roles }));
  }
  async addRole(userId: string, role: RoleName): Promise<boolean> {
    const rows = await this.db.rows(sql<{ role: string }>`
      insert into user_roles (user_id, role) values (${userId}, ${role})
      on conflict do nothing returning role`);
    return rows.length === 1;
  }

  async removeRole(userId: string, role: RoleName): Promise<boolean> {
    const rows = await this.db.rows(sql<{ role: string }>`
      delete from user_roles where user_id = ${userId} and role = ${role} returning role`);
    return rows.length === 1;
  }

  /**
   * Active admins other than `exceptUserId`, locking every admin assignment until the transaction
   * ends: two admins demoting each other at once are serialised, so one admin always remains.
   */
  async countOtherActiveAdminsForUpdate(exceptUserId: string): Promise<number> {
    const rows = await this.db.rows(sql<{ user_id: string; deactivated_at: string | null }>`
      select ur.user_id, u.deactivated_at from user_roles ur join users u on u.id = ur.user_id
      where ur.role = 'admin' for update of ur`);
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
