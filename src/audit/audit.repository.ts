import { Injectable } from '@nestjs/common';
import { sql } from 'kysely';
import { uuidv7 } from '../common/uuid';
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
    await this.db.rows(sql`
      insert into audit_log (id, actor_id, action, target_type, target_id, ip, request_id, details)
      values (${uuidv7()}, ${event.actorId}, ${event.action}, ${event.targetType}, ${event.targetId}, ${event.ip},
              ${event.requestId}, ${JSON.stringify(event.details)}::jsonb)`);
  }

  /** Newest first; `before` is the id of the last entry of the previous page. */
  list(filter: AuditFilter): Promise<AuditEvent[]> {
    return this.db.entities(
      AuditEvent,
      sql`select * from audit_log
          where (${filter.actorId ?? null}::uuid is null or actor_id = ${filter.actorId ?? null}::uuid)
            and (${filter.action ?? null}::text is null or action = ${filter.action ?? null})
            and (${filter.from ?? null}::timestamptz is null or created_at >= ${filter.from ?? null})
            and (${filter.to ?? null}::timestamptz is null or created_at < ${filter.to ?? null})
            and (${filter.before ?? null}::uuid is null or id < ${filter.before ?? null}::uuid)
          order by id desc limit ${filter.limit}`,
    );
  }
}
