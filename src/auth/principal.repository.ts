import { Injectable } from '@nestjs/common';
import { sql } from 'kysely';
import { Sql } from '../database/sql';
import { DbContext } from '../database/unit-of-work';
import { type ApiKeyScope, type RoleName } from '../access/permissions';

// Raw queries: MikroORM's driver returns timestamps as ISO strings (it parses them itself in entities).
export interface SessionPrincipalRow {
  email: string;
  deactivated_at: string | null;
  session_revoked_at: string | null;
  roles: RoleName[];
}

export interface ApiKeyPrincipalRow {
  id: string;
  user_id: string;
  email: string;
  scopes: ApiKeyScope[];
  notebook_ids: string[] | null;
  last_used_at: string | null;
  roles: RoleName[];
}

/**
 * The per-request credential checks, each a single indexed query across users, sessions or keys
 * and roles. They read tables other modules own on purpose: this is the hottest path of the
 * service, and one round trip here is paid by every authenticated request.
 */
@Injectable()
export class PrincipalRepository {
  constructor(
    private readonly sql: Sql,
    private readonly db: DbContext,
  ) {}

  findSessionPrincipal(userId: string, sessionId: string): Promise<SessionPrincipalRow | null> {
    return this.sql.one<SessionPrincipalRow>(
      'principal_session',
      `select u.email, u.deactivated_at, s.revoked_at as session_revoked_at,
              array(select ur.role from user_roles ur where ur.user_id = u.id) as roles
       from users u join auth_sessions s on s.id = $2 and s.user_id = u.id
       where u.id = $1`,
      [userId, sessionId],
    );
  }

  /** A live key (not revoked, not expired) of an active user. */
  findApiKeyPrincipal(keyHash: string): Promise<ApiKeyPrincipalRow | null> {
    return this.sql.one<ApiKeyPrincipalRow>(
      'principal_api_key',
      `select k.id, k.user_id, u.email, k.scopes, k.notebook_ids, k.last_used_at,
              array(select ur.role from user_roles ur where ur.user_id = u.id) as roles
       from api_keys k join users u on u.id = k.user_id
       where k.key_hash = $1 and k.revoked_at is null
         and (k.expires_at is null or k.expires_at > now()) and u.deactivated_at is null`,
      [keyHash],
    );
  }

  /** Not on the hot path: at most once per key and KEY_TOUCH_INTERVAL_MS. */
  async touchApiKey(id: string): Promise<void> {
    await this.db.detached().rows(sql`update api_keys set last_used_at = now() where id = ${id}`);
  }
}
