import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { AuditEvent } from './audit-event.entity';

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

/** Who asked, for the record: taken from the HTTP request by controllers, absent for jobs and tools. */
export interface RequestMeta {
  ip?: string;
  requestId?: string;
  userAgent?: string;
}

@Injectable()
export class AuditService {
  private readonly logger = new Logger(AuditService.name);

  constructor(private readonly em: EntityManager) {}

  /**
   * Appends an entry. Pass `em` to write it inside the caller's transaction (the entry then
   * exists exactly when the change does); without it, it is written on its own.
   */
  async record(entry: AuditEntry, meta: RequestMeta = {}, em?: EntityManager): Promise<void> {
    const target = em ?? this.em.fork();
    target.create(AuditEvent, {
      action: entry.action,
      actorId: entry.actorId ?? null,
      targetType: entry.targetType ?? null,
      targetId: entry.targetId ?? null,
      ip: meta.ip ?? null,
      requestId: meta.requestId ?? null,
      details: entry.details ?? {},
    });
    if (!em) await target.flush();
    this.logger.log({ audit: entry.action, actorId: entry.actorId, targetId: entry.targetId }, 'audit');
  }

  /** Newest first; `before` is the id of the last entry of the previous page. */
  list(filter: AuditFilter): Promise<AuditEvent[]> {
    return this.em.fork().find(
      AuditEvent,
      {
        ...(filter.actorId ? { actorId: filter.actorId } : {}),
        ...(filter.action ? { action: filter.action } : {}),
        ...(filter.from || filter.to
          ? { createdAt: { ...(filter.from ? { $gte: filter.from } : {}), ...(filter.to ? { $lt: filter.to } : {}) } }
          : {}),
        ...(filter.before ? { id: { $lt: filter.before } } : {}),
      },
      { orderBy: { id: 'desc' }, limit: filter.limit },
    );
  }
}

export interface AuditFilter {
  actorId?: string;
  action?: string;
  from?: Date;
  to?: Date;
  before?: string;
  limit: number;
}
