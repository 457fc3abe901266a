import { Check, Entity, Index, ManyToOne, Property } from '@mikro-orm/decorators/legacy';
import { type Opt } from '@mikro-orm/core';
import { SoftDeletableEntity } from '../database/base.entity';
import { User } from '../users/user.entity';

@Entity({ tableName: 'notebooks' })
@Index({
  name: 'notebooks_owner_idx',
  properties: ['ownerId'],
  expression: 'create index "notebooks_owner_idx" on "notebooks" ("owner_id", "id") where "deleted_at" is null',
})
@Index({ name: 'notebooks_deleted_idx', properties: ['deletedAt'] })
export class Notebook extends SoftDeletableEntity {
  @ManyToOne(() => User, { mapToPk: true, fieldName: 'owner_id', deleteRule: 'cascade' })
  ownerId!: string;

  @Property({ type: 'text' })
  name!: string;

  @Property({ type: 'text', nullable: true })
  description?: string | null;
}

export const GRANT_LEVELS = ['viewer', 'editor'] as const;
export type GrantLevel = (typeof GRANT_LEVELS)[number];

/** A user's access to someone else's notebook: viewer (read, search, chat) or editor (+ sources). */
@Entity({ tableName: 'notebook_grants' })
@Index({ name: 'notebook_grants_user_idx', properties: ['userId'] })
@Check({ name: 'notebook_grants_level_check', expression: "level in ('viewer', 'editor')" })
export class NotebookGrant {
  @ManyToOne(() => Notebook, { primary: true, mapToPk: true, fieldName: 'notebook_id', deleteRule: 'cascade' })
  notebookId!: string;

  @ManyToOne(() => User, { primary: true, mapToPk: true, fieldName: 'user_id', deleteRule: 'cascade' })
  userId!: string;

  @Property({ type: 'text' })
  level!: GrantLevel;

  @Property({ type: 'uuid', nullable: true })
  grantedBy?: string | null;

  @Property({ type: 'datetime', columnType: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date & Opt = new Date();
}
