import { type Opt } from '@mikro-orm/core';
import { Entity, ManyToOne, Property } from '@mikro-orm/decorators/legacy';
import { Role } from '../access/role.entity';
import { User } from './user.entity';

/** A role held by a user. */
@Entity({ tableName: 'user_roles' })
export class UserRole {
  @ManyToOne(() => User, { primary: true, mapToPk: true, fieldName: 'user_id', deleteRule: 'cascade' })
  userId!: string;

  @ManyToOne(() => Role, { primary: true, mapToPk: true, fieldName: 'role' })
  role!: string;

  @Property({ type: 'datetime', columnType: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date & Opt = new Date();
}
