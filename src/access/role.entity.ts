import { type Opt } from '@mikro-orm/core';
import { Entity, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { uuidv7 } from '../common/uuid';

/** A role (admin, user, viewer), seeded by a migration. Higher rank = more powerful. */
@Entity({ tableName: 'roles' })
export class Role {
  @PrimaryKey({ type: 'text' })
  name!: string;

  @Property({ type: 'text' })
  description!: string;

  @Property({ type: 'smallint' })
  rank!: number;
}

/**
 * One CASL rule of a role: `action` on `subject`, optionally only where `conditions` hold.
 * Conditions may reference the caller as `"${user.id}"`.
 */
@Entity({ tableName: 'role_permissions' })
@Index({ name: 'role_permissions_role_idx', properties: ['role'] })
export class RolePermission {
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @ManyToOne(() => Role, { mapToPk: true, fieldName: 'role', deleteRule: 'cascade' })
  role!: string;

  @Property({ type: 'text' })
  action!: string;

  @Property({ type: 'text' })
  subject!: string;

  @Property({ type: 'json', nullable: true })
  conditions?: Record<string, unknown> | null;

  @Property({ type: 'boolean' })
  inverted: boolean & Opt = false;
}
