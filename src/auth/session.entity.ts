import { type Opt } from '@mikro-orm/core';
import { Entity, Index, ManyToOne, Property, Unique } from '@mikro-orm/decorators/legacy';
import { BaseEntity } from '../database/base.entity';
import { User } from '../users/user.entity';

/**
 * A login session: the family of refresh tokens that descend from one login. Access tokens carry
 * its id (`sid`), so revoking the family ends its access tokens at once, not at their expiry.
 */
@Entity({ tableName: 'auth_sessions' })
@Index({ name: 'auth_sessions_user_idx', properties: ['userId'] })
export class AuthSession extends BaseEntity {
  @ManyToOne(() => User, { mapToPk: true, fieldName: 'user_id', deleteRule: 'cascade' })
  userId!: string;

  @Property({ type: 'datetime', columnType: 'timestamptz', nullable: true })
  revokedAt?: Date | null;

  /** logout, logout-all, password-changed, refresh-token-reuse, deactivated. */
  @Property({ type: 'text', nullable: true })
  revokedReason?: string | null;

  @Property({ type: 'datetime', columnType: 'timestamptz', defaultRaw: 'now()' })
  lastUsedAt: Date & Opt = new Date();

  @Property({ type: 'text', nullable: true })
  ip?: string | null;

  @Property({ type: 'text', nullable: true })
  userAgent?: string | null;
}

/** One refresh token of a session; only its SHA-256 is stored. Used once, then replaced. */
@Entity({ tableName: 'refresh_tokens' })
@Index({ name: 'refresh_tokens_session_idx', properties: ['sessionId'] })
export class RefreshToken extends BaseEntity {
  @ManyToOne(() => AuthSession, { mapToPk: true, fieldName: 'session_id', deleteRule: 'cascade' })
  sessionId!: string;

  @Property({ type: 'text' })
  @Unique({ name: 'refresh_tokens_hash_unique' })
  tokenHash!: string;

  @Property({ type: 'datetime', columnType: 'timestamptz' })
  expiresAt!: Date;

  /** Set when exchanged for a new token; presenting it again is reuse. */
  @Property({ type: 'datetime', columnType: 'timestamptz', nullable: true })
  usedAt?: Date | null;
}
