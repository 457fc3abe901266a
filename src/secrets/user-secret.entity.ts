import { Entity, ManyToOne, Property, Unique } from '@mikro-orm/decorators/legacy';
import { BaseEntity } from '../database/base.entity';
import { User } from '../users/user.entity';

/**
 * A user's secret (a GitHub token, later database passwords), sealed by the Vault: AES-256-GCM
 * bound to owner, purpose and row id. No column ever holds the plaintext.
 */
@Entity({ tableName: 'user_secrets' })
@Unique({ name: 'user_secrets_owner_purpose_unique', properties: ['userId', 'purpose'] })
export class UserSecret extends BaseEntity {
  @ManyToOne(() => User, { mapToPk: true, fieldName: 'user_id', deleteRule: 'cascade' })
  userId!: string;

  @Property({ type: 'text' })
  purpose!: string;

  @Property({ type: 'text' })
  keyId!: string;

  @Property({ type: 'blob', columnType: 'bytea' })
  iv!: Buffer;

  @Property({ type: 'blob', columnType: 'bytea' })
  ciphertext!: Buffer;

  @Property({ type: 'blob', columnType: 'bytea' })
  tag!: Buffer;

  /** Last four characters, to let the owner recognise the secret without revealing it. */
  @Property({ type: 'text' })
  last4!: string;
}
