import { Injectable, Logger } from '@nestjs/common';
import { type RequestMeta } from '../http/request-meta';
import { type AuditEvent } from './audit-event.entity';
import { type AuditFilter, AuditRepository } from './audit.repository';

export { type AuditFilter };

/** Every security event and admin action Folio records. */
export type AuditAction =
  | 'auth.signup'
  | 'auth.login.succeeded'
  | 'auth.login.failed'
  | 'auth.refresh.reused'
  | 'auth.logout'
  | 'auth.logout-all'
  | 'auth.password.changed'
  | 'apikey.created'
  | 'apikey.revoked'
  | 'secret.updated'
  | 'secret.deleted'
  | 'user.created'
  | 'user.role.added'
  | 'user.role.removed'
  | 'user.deactivated'
  | 'user.reactivated'
  | 'notebook.access.granted'
  | 'notebook.access.revoked'
  | 'notebook.created-for-user';

export interface AuditEntry {
  action: AuditAction;
  actorId?: string | null;
  targetType?: string;
  targetId?: string;
  /** Never secrets: ids, names, reasons. */
  details?: Record<string, unknown>;
}

@Injectable()
export class AuditService {
  private readonly logger = new Logger(AuditService.name);

  constructor(private readonly repository: AuditRepository) {}

  /**
   * Appends an entry. Inside a unit of work it is written in that transaction (the entry then
   * exists exactly when the change does); outside one, on its own.
   */
  async record(entry: AuditEntry, meta: RequestMeta = {}): Promise<void> {
    await this.repository.append({
      action: entry.action,
      actorId: entry.actorId ?? null,
      targetType: entry.targetType ?? null,
      targetId: entry.targetId ?? null,
      ip: meta.ip ?? null,
      requestId: meta.requestId ?? null,
      details: entry.details ?? {},
    });
    this.logger.log({ audit: entry.action, actorId: entry.actorId, targetId: entry.targetId }, 'audit');
  }

  /** Newest first; `before` is the id of the last entry of the previous page. */
  list(filter: AuditFilter): Promise<AuditEvent[]> {
    return this.repository.list(filter);
  }
}
