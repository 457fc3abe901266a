import { Entity, Property, Unique } from '@mikro-orm/decorators/legacy';
import { BaseEntity } from '../database/base.entity';

@Entity({ tableName: 'users' })
export class User extends BaseEntity {
  /** Normalised: trimmed and lower-cased. */
  @Property({ type: 'text' })
  @Unique({ name: 'users_email_unique' })
  email!: string;

  @Property({ type: 'text', nullable: true })
  name?: string | null;

  /** argon2id PHC string. */
  @Property({ type: 'text', lazy: true })
  passwordHash!: string;

  @Property({ type: 'datetime', columnType: 'timestamptz', nullable: true })
  deactivatedAt?: Date | null;
}
