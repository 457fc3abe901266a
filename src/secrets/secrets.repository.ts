import { Injectable } from '@nestjs/common';
import { DbContext } from '../database/unit-of-work';
import { UserSecret } from './user-secret.entity';

/** What the vault makes of a plaintext (see Vault.seal). */
export interface SealedSecret {
  keyId: string;
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

/** Users' sealed secrets. Sealing needs the row's id (it is bound into the ciphertext). */
@Injectable()
export class SecretsRepository {
  constructor(private readonly db: DbContext) {}

  find(userId: string, purpose: string): Promise<UserSecret | null> {
    return this.db.em().findOne(UserSecret, { userId, purpose });
  }

  /** Creates or replaces a user's secret; `seal` gets the row's id. */
  async put(
    userId: string,
    purpose: string,
    last4: string,
    seal: (recordId: string) => SealedSecret,
  ): Promise<UserSecret> {
    const em = this.db.em();
    const existing = await em.findOne(UserSecret, { userId, purpose });
    const row =
      existing ??
      em.create(UserSecret, {
        userId,
        purpose,
        keyId: '',
        iv: Buffer.alloc(0),
        ciphertext: Buffer.alloc(0),
        tag: Buffer.alloc(0),
        last4: '',
      });
    Object.assign(row, { ...seal(row.id), last4, updatedAt: new Date() });
    await em.flush();
    return row;
  }

  delete(userId: string, purpose: string): Promise<number> {
    return this.db.em().nativeDelete(UserSecret, { userId, purpose });
  }

  /** Re-seals, in one transaction, up to `limit` secrets not sealed with `keyId`; returns how many. */
  resealBatch(keyId: string, limit: number, reseal: (row: UserSecret) => SealedSecret): Promise<number> {
    return this.db.em().transactional(async (em) => {
      const rows = await em.find(UserSecret, { keyId: { $ne: keyId } }, { limit, orderBy: { id: 'asc' } });
      for (const row of rows) Object.assign(row, reseal(row));
      return rows.length;
    });
  }
}
