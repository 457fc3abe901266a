import { type Opt } from '@mikro-orm/core';
import { Filter, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { uuidv7 } from '../common/uuid';

/** Every table: a UUID primary key (time-ordered v7) and creation/update timestamps. */
export abstract class BaseEntity {
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'datetime', columnType: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date & Opt = new Date();

  @Property({ type: 'datetime', columnType: 'timestamptz', defaultRaw: 'now()', onUpdate: () => new Date() })
  updatedAt: Date & Opt = new Date();
}

export const SOFT_DELETE_FILTER = 'notDeleted';

/**
 * Soft-delete convention: `deleted_at` set means deleted. The `notDeleted` filter hides such
 * rows from every query by default; pass `filters: { notDeleted: false }` to see them
 * (restore, purge).
 */
@Filter({ name: SOFT_DELETE_FILTER, cond: { deletedAt: null }, default: true })
export abstract class SoftDeletableEntity extends BaseEntity {
  @Property({ type: 'datetime', columnType: 'timestamptz', nullable: true })
  deletedAt?: Date | null;
}
