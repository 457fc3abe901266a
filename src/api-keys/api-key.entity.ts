import { ArrayType, type Opt } from '@mikro-orm/core';
import { Entity, Index, ManyToOne, Property, Unique } from '@mikro-orm/decorators/legacy';
import { BaseEntity } from '../database/base.entity';
import { User } from '../users/user.entity';

import { type ApiKeyScope } from '../access/permissions';

/** A personal API key. Only its SHA-256 is stored; the key itself is shown once, at creation. */
@Entity({ tableName: 'api_keys' })
@Index({ name: 'api_keys_user_idx', properties: ['userId'] })
export class ApiKey extends BaseEntity {
  @ManyToOne(() => User, { mapToPk: true, fieldName: 'user_id', deleteRule: 'cascade' })
  userId!: string;

  @Property({ type: 'text' })
  name!: string;

  /** The first characters of the key, to recognise it in a list (`fol_ab12cd34`). */
  @Property({ type: 'text' })
  prefix!: string;

  @Property({ type: 'text' })
  @Unique({ name: 'api_keys_hash_unique' })
  keyHash!: string;

  @Property({ type: 'text[]' })
  scopes!: ApiKeyScope[];

  /** When set, the key reaches only these notebooks. */
  @Property({ type: ArrayType, columnType: 'uuid[]', nullable: true })
  notebookIds?: string[] | null;

  @Property({ type: 'datetime', columnType: 'timestamptz', nullable: true })
  expiresAt?: Date | null;

  @Property({ type: 'datetime', columnType: 'timestamptz', nullable: true })
  lastUsedAt?: Date | null;

  @Property({ type: 'datetime', columnType: 'timestamptz', nullable: true })
  revokedAt?: (Date & Opt) | null;
}
