import { Injectable } from '@nestjs/common';
import { type ApiKeyScope } from '../access/permissions';
import { sql } from 'kysely';
import { uuidv7 } from '../common/uuid';
import { DbContext } from '../database/unit-of-work';
import { ApiKey } from './api-key.entity';

export interface NewApiKey {
  userId: string;
  name: string;
  prefix: string;
  keyHash: string;
  scopes: ApiKeyScope[];
  notebookIds: string[] | null;
  expiresAt: Date | null;
}

/** Personal API keys (the credential check reads them through the principal repository's hot path). */
@Injectable()
export class ApiKeysRepository {
  constructor(private readonly db: DbContext) {}

  async create(data: NewApiKey): Promise<ApiKey> {
    const key = await this.db.entity(
      ApiKey,
      sql`insert into api_keys (id, user_id, name, prefix, key_hash, scopes, notebook_ids, expires_at)
          values (${uuidv7()}, ${data.userId}, ${data.name}, ${data.prefix}, ${data.keyHash}, ${data.scopes}::text[],
                  ${data.notebookIds}::uuid[], ${data.expiresAt})
          returning *`,
    );
    return key!;
  }

  /** A user's live keys, newest first. */
  listLive(userId: string): Promise<ApiKey[]> {
    return this.db.entities(
      ApiKey,
      sql`select * from api_keys where user_id = ${userId} and revoked_at is null order by id desc`,
    );
  }

  findLive(id: string): Promise<ApiKey | null> {
    return this.db.entity(ApiKey, sql`select * from api_keys where id = ${id} and revoked_at is null`);
  }

  async revoke(id: string): Promise<void> {
    await this.db.rows(
      sql`update api_keys set revoked_at = now(), updated_at = now() where id = ${id} and revoked_at is null`,
    );
  }

  revokeAllForUser(userId: string): Promise<number> {
    return this.db.affected(
      sql`update api_keys set revoked_at = now(), updated_at = now() where user_id = ${userId} and revoked_at is null`,
    );
  }
}
