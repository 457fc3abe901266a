import { Injectable, Logger } from '@nestjs/common';
import { UnitOfWork } from '../database/unit-of-work';
import { type Principal } from '../access/principal';
import { AuditService } from '../audit/audit.service';
import { type RequestMeta } from '../http/request-meta';
import { Vault } from '../crypto/vault';
import { type SecretStatusDto } from './dto/secret.dto';
import { SecretsRepository } from './secrets.repository';
import { type UserSecret } from './user-secret.entity';

export type SecretPurpose = 'github-token';

/**
 * Users' secrets, sealed by the Vault. The plaintext goes in, and comes out only through
 * `reveal` for the code that needs it (git ingestion) — never into a response, a log line or a column.
 */
@Injectable()
export class SecretsService {
  private readonly logger = new Logger(SecretsService.name);

  constructor(
    private readonly uow: UnitOfWork,
    private readonly repository: SecretsRepository,
    private readonly vault: Vault,
    private readonly audit: AuditService,
  ) {}

  async put(auth: Principal, purpose: SecretPurpose, plaintext: string, meta: RequestMeta): Promise<SecretStatusDto> {
    return this.uow.transaction(async () => {
      const row = await this.repository.put(auth.userId, purpose, plaintext.slice(-4), (recordId) =>
        this.vault.seal(plaintext, { ownerId: auth.userId, purpose, recordId }),
      );
      await this.audit.record(
        {
          action: 'secret.updated',
          actorId: auth.userId,
          targetType: 'Secret',
          targetId: row.id,
          details: { purpose },
        },
        meta,
      );
      return toStatus(row);
    });
  }

  async status(auth: Principal, purpose: SecretPurpose): Promise<SecretStatusDto> {
    return toStatus(await this.repository.find(auth.userId, purpose));
  }

  async remove(auth: Principal, purpose: SecretPurpose, meta: RequestMeta): Promise<void> {
    const deleted = await this.repository.delete(auth.userId, purpose);
    if (deleted > 0) {
      await this.audit.record(
        { action: 'secret.deleted', actorId: auth.userId, targetType: 'Secret', details: { purpose } },
        meta,
      );
    }
  }

  /** The plaintext, for the one job that needs it. Null when the user has none. */
  async reveal(userId: string, purpose: SecretPurpose): Promise<string | null> {
    const row = await this.repository.find(userId, purpose);
    return row ? this.vault.open(row, { ownerId: userId, purpose, recordId: row.id }) : null;
  }

  /** Re-encrypts every secret sealed with an older key under the newest one. */
  async rotateAll(batchSize = 200): Promise<{ rotated: number; activeKeyId: string }> {
    const active = this.vault.activeKeyId;
    let rotated = 0;
    for (;;) {
      const done = await this.repository.resealBatch(active, batchSize, (row) => {
        const context = { ownerId: row.userId, purpose: row.purpose, recordId: row.id };
        return this.vault.seal(this.vault.open(row, context), context);
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
