import { Injectable } from '@nestjs/common';
import { sql } from 'kysely';
import { uuidv7 } from '../common/uuid';
import { DbContext, UnitOfWork } from '../database/unit-of-work';
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
  constructor(
    private readonly db: DbContext,
    private readonly uow: UnitOfWork,
  ) {}

  find(userId: string, purpose: string): Promise<UserSecret | null> {
    return this.db.entity(
      UserSecret,
      sql`select * from user_secrets where user_id = ${userId} and purpose = ${purpose}`,
    );
  }

  /** Creates or replaces a user's secret; `seal` gets the row's id. */
  async put(
    userId: string,
    purpose: string,
    last4: string,
    seal: (recordId: string) => SealedSecret,
  ): Promise<UserSecret> {
    return this.uow.transaction(async () => {
      const existing = await this.db.one(sql<{ id: string }>`
        select id from user_secrets where user_id = ${userId} and purpose = ${purpose} for update`);
      const id = existing?.id ?? uuidv7();
      const sealed = seal(id);
      const row = await this.db.entity(
        UserSecret,
        sql`insert into user_secrets (id, user_id, purpose, key_id, iv, ciphertext, tag, last4)
            values (${id}, ${userId}, ${purpose}, ${sealed.keyId}, ${sealed.iv}, ${sealed.ciphertext}, ${sealed.tag}, ${last4})
            on conflict (id) do update set key_id = excluded.key_id, iv = excluded.iv, ciphertext = excluded.ciphertext,
              tag = excluded.tag, last4 = excluded.last4, updated_at = now()
            returning *`,
      );
      return row!;
    });
  }

  delete(userId: string, purpose: string): Promise<number> {
    return this.db.affected(sql`delete from user_secrets where user_id = ${userId} and purpose = ${purpose}`);
  }

  /** Re-seals, in one transaction, up to `limit` secrets not sealed with `keyId`; returns how many. */
  resealBatch(keyId: string, limit: number, reseal: (row: UserSecret) => SealedSecret): Promise<number> {
    return this.uow.transaction(async () => {
      const rows = await this.db.entities(
        UserSecret,
        sql`select * from user_secrets where key_id <> ${keyId} order by id limit ${limit} for update`,
      );
      if (rows.length === 0) return 0;
      const sealed = rows.map((row) => reseal(row));
      await this.db.rows(sql`
        update user_secrets s set key_id = v.key_id, iv = v.iv, ciphertext = v.ciphertext, tag = v.tag, updated_at = now()
        from unnest(${rows.map((r) => r.id)}::uuid[], ${sealed.map((x) => x.keyId)}::text[], ${sealed.map((x) => x.iv)}::bytea[],
                    ${sealed.map((x) => x.ciphertext)}::bytea[], ${sealed.map((x) => x.tag)}::bytea[])
          as v(id, key_id, iv, ciphertext, tag)
        where s.id = v.id`);
      return rows.length;
    });
  }
}
