import { type Opt } from '@mikro-orm/core';
import { Entity, Index, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { uuidv7 } from '../common/uuid';

/**
 * One entry of the append-only audit log: triggers refuse UPDATE and DELETE (declared here) and
 * TRUNCATE (created by the migration only: MikroORM's introspection cannot see statement-level
 * TRUNCATE triggers, so declaring it would make every schema diff try to recreate it). `actor_id` is
 * deliberately not a foreign key: the log outlives the accounts it mentions.
 */
@Entity({
  tableName: 'audit_log',
  triggers: [
    {
      name: 'audit_log_no_update',
      timing: 'before',
      events: ['update', 'delete'],
      forEach: 'row',
      body: "raise exception 'audit_log is append-only';",
    },
  ],
})
@Index({ name: 'audit_log_created_idx', properties: ['createdAt'] })
@Index({ name: 'audit_log_actor_idx', properties: ['actorId', 'createdAt'] })
@Index({ name: 'audit_log_action_idx', properties: ['action', 'createdAt'] })
export class AuditEvent {
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'datetime', columnType: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'uuid', nullable: true })
  actorId?: string | null;

  @Property({ type: 'text' })
  action!: string;

  @Property({ type: 'text', nullable: true })
  targetType?: string | null;

  @Property({ type: 'text', nullable: true })
  targetId?: string | null;

  @Property({ type: 'text', nullable: true })
  ip?: string | null;

  @Property({ type: 'text', nullable: true })
  requestId?: string | null;

  @Property({ type: 'json' })
  details: Record<string, unknown> & Opt = {};
}
