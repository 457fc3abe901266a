import { Injectable } from '@nestjs/common';
import { type ApiKeyScope } from '../access/permissions';
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
    const em = this.db.em();
    const key = em.create(ApiKey, data);
    await em.flush();
    return key;
  }

  /** A user's live keys, newest first. */
  listLive(userId: string): Promise<ApiKey[]> {
    return this.db.em().find(ApiKey, { userId, revokedAt: null }, { orderBy: { id: 'desc' } });
  }

  findLive(id: string): Promise<ApiKey | null> {
    return this.db.em().findOne(ApiKey, { id, revokedAt: null });
  }

  async revoke(id: string): Promise<void> {
    await this.db.em().nativeUpdate(ApiKey, { id, revokedAt: null }, { revokedAt: new Date() });
  }

  revokeAllForUser(userId: string): Promise<number> {
    return this.db.em().nativeUpdate(ApiKey, { userId, revokedAt: null }, { revokedAt: new Date() });
  }
}
