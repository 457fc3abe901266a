import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { type RoleName } from '../access/permissions';
import { type ApiKeyScope } from '../api-keys/api-key.entity';

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
  constructor(private readonly em: EntityManager) {}

  async findSessionPrincipal(userId: string, sessionId: string): Promise<SessionPrincipalRow | null> {
    const { rows } = await sql<SessionPrincipalRow>`
      select u.email, u.deactivated_at, s.revoked_at as session_revoked_at,
             array(select ur.role from user_roles ur where ur.user_id = u.id) as roles
      from users u join auth_sessions s on s.id = ${sessionId} and s.user_id = u.id
      where u.id = ${userId}`.execute(this.em.fork().getKysely());
    return rows[0] ?? null;
  }

  /** A live key (not revoked, not expired) of an active user. */
  async findApiKeyPrincipal(keyHash: string): Promise<ApiKeyPrincipalRow | null> {
    const { rows } = await sql<ApiKeyPrincipalRow>`
      select k.id, k.user_id, u.email, k.scopes, k.notebook_ids, k.last_used_at,
             array(select ur.role from user_roles ur where ur.user_id = u.id) as roles
      from api_keys k join users u on u.id = k.user_id
      where k.key_hash = ${keyHash} and k.revoked_at is null
        and (k.expires_at is null or k.expires_at > now()) and u.deactivated_at is null`.execute(
      this.em.fork().getKysely(),
    );
    return rows[0] ?? null;
  }

  async touchApiKey(id: string): Promise<void> {
    await sql`update api_keys set last_used_at = now() where id = ${id}`.execute(this.em.fork().getKysely());
  }
}
