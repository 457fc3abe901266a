import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { type Principal } from '../access/principal';
import { AuditService, type RequestMeta } from '../audit/audit.service';
import { Vault } from '../crypto/vault';
import { type SecretStatusDto } from './dto/secret.dto';
import { UserSecret } from './user-secret.entity';

export type SecretPurpose = 'github-token';

/**
 * Users' secrets, sealed by the Vault. The plaintext goes in, and comes out only through
 * `reveal` for the code that needs it (git ingestion) — never into a response, a log line or a column.
 */
@Injectable()
export class SecretsService {
  private readonly logger = new Logger(SecretsService.name);

  constructor(
    private readonly em: EntityManager,
    private readonly vault: Vault,
    private readonly audit: AuditService,
  ) {}

  async put(auth: Principal, purpose: SecretPurpose, plaintext: string, meta: RequestMeta): Promise<SecretStatusDto> {
    return this.em.fork().transactional(async (em) => {
      const existing = await em.findOne(UserSecret, { userId: auth.userId, purpose });
      const row =
        existing ??
        em.create(UserSecret, {
          userId: auth.userId,
          purpose,
          keyId: '',
          iv: Buffer.alloc(0),
          ciphertext: Buffer.alloc(0),
          tag: Buffer.alloc(0),
          last4: '',
        });
      const sealed = this.vault.seal(plaintext, { ownerId: auth.userId, purpose, recordId: row.id });
      Object.assign(row, { ...sealed, last4: plaintext.slice(-4), updatedAt: new Date() });
      await this.audit.record(
        {
          action: 'secret.updated',
          actorId: auth.userId,
          targetType: 'Secret',
          targetId: row.id,
          details: { purpose },
        },
        meta,
        em,
      );
      await em.flush();
      return toStatus(row);
    });
  }

  async status(auth: Principal, purpose: SecretPurpose): Promise<SecretStatusDto> {
    return toStatus(await this.em.fork().findOne(UserSecret, { userId: auth.userId, purpose }));
  }

  async remove(auth: Principal, purpose: SecretPurpose, meta: RequestMeta): Promise<void> {
    const em = this.em.fork();
    const deleted = await em.nativeDelete(UserSecret, { userId: auth.userId, purpose });
    if (deleted > 0) {
      await this.audit.record(
        { action: 'secret.deleted', actorId: auth.userId, targetType: 'Secret', details: { purpose } },
        meta,
      );
    }
  }

  /** The plaintext, for the one job that needs it. Null when the user has none. */
  async reveal(userId: string, purpose: SecretPurpose): Promise<string | null> {
    const row = await this.em.fork().findOne(UserSecret, { userId, purpose });
    return row ? this.vault.open(row, { ownerId: userId, purpose, recordId: row.id }) : null;
  }

  /** Re-encrypts every secret sealed with an older key under the newest one. */
  async rotateAll(batchSize = 200): Promise<{ rotated: number; activeKeyId: string }> {
    const active = this.vault.activeKeyId;
    let rotated = 0;
    for (;;) {
      const done = await this.em.fork().transactional(async (em) => {
        const rows = await em.find(
          UserSecret,
          { keyId: { $ne: active } },
          { limit: batchSize, orderBy: { id: 'asc' } },
        );
        for (const row of rows) {
          const context = { ownerId: row.userId, purpose: row.purpose, recordId: row.id };
          Object.assign(row, this.vault.seal(this.vault.open(row, context), context));
        }
        return rows.length;
      });
      rotated += done;
      if (done < batchSize) break;
    }
    this.logger.log(`re-encrypted ${rotated} secret(s) with key ${active}`);
    return { rotated, activeKeyId: active };
  }
}

function toStatus(row: UserSecret | null): SecretStatusDto {
  return { set: row !== null, last4: row?.last4 ?? null, updatedAt: row?.updatedAt.toISOString() ?? null };
}
