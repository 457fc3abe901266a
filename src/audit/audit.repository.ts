import { Injectable } from '@nestjs/common';
import { DbContext } from '../database/unit-of-work';
import { AuditEvent } from './audit-event.entity';

export interface NewAuditEvent {
  action: string;
  actorId: string | null;
  targetType: string | null;
  targetId: string | null;
  ip: string | null;
  requestId: string | null;
  details: Record<string, unknown>;
}

export interface AuditFilter {
  actorId?: string;
  action?: string;
  from?: Date;
  to?: Date;
  before?: string;
  limit: number;
}

/** The append-only audit log. */
@Injectable()
export class AuditRepository {
  constructor(private readonly db: DbContext) {}

  /** Appends an entry, in the current unit of work if one is open (it then commits with the change). */
  async append(event: NewAuditEvent): Promise<void> {
    const em = this.db.em();
    em.create(AuditEvent, event);
    await em.flush();
  }

  /** Newest first; `before` is the id of the last entry of the previous page. */
  list(filter: AuditFilter): Promise<AuditEvent[]> {
    return this.db.em().find(
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
