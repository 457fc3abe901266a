import { Injectable } from '@nestjs/common';
import { DbContext, UnitOfWork } from '../database/unit-of-work';
import { sql } from 'kysely';
import { uuidv7 } from '../common/uuid';
import { AuthSession } from './session.entity';

export type RotationResult =
  | { kind: 'rotated'; sessionId: string; userId: string }
  /** The token had already been exchanged: someone replayed it. The session is now revoked. */
  | { kind: 'reused'; sessionId: string; userId: string }
  | { kind: 'invalid' };

/** Login sessions and their refresh tokens. Every state change is one conditional statement. */
@Injectable()
export class SessionsRepository {
  constructor(
    private readonly db: DbContext,
    private readonly uow: UnitOfWork,
  ) {}

  /** Opens a session with its first refresh token, in the current unit of work if one is open. */
  async open(
    data: { userId: string; ip?: string; userAgent?: string },
    refresh: { tokenHash: string; expiresAt: Date },
  ): Promise<AuthSession> {
    return this.uow.transaction(async () => {
      const session = await this.db.entity(
        AuthSession,
        sql`insert into auth_sessions (id, user_id, ip, user_agent)
            values (${uuidv7()}, ${data.userId}, ${data.ip ?? null}, ${data.userAgent?.slice(0, 512) ?? null}) returning *`,
      );
      await this.db.rows(sql`
        insert into refresh_tokens (id, session_id, token_hash, expires_at)
        values (${uuidv7()}, ${session!.id}, ${refresh.tokenHash}, ${refresh.expiresAt})`);
      return session!;
    });
  }

  /**
   * Exchanges a refresh token, atomically: exactly one caller can mark it used. A token that was
   * already used is a replay (RFC 9700 §4.14.2): its whole session is revoked.
   */
  async rotate(tokenHash: string, newTokenHash: string, newExpiresAt: Date): Promise<RotationResult> {
    return this.uow.transaction(async () => {
      const rows = await this.db.rows(sql<{ session_id: string; user_id: string }>`
        update refresh_tokens rt set used_at = now(), updated_at = now()
        from auth_sessions s
        where rt.token_hash = ${tokenHash} and rt.used_at is null and rt.expires_at > now()
          and s.id = rt.session_id and s.revoked_at is null
        returning rt.session_id, s.user_id`);
      const rotated = rows[0];
      if (rotated) {
        await this.db.rows(sql`
          insert into refresh_tokens (id, session_id, token_hash, expires_at)
          values (${uuidv7()}, ${rotated.session_id}, ${newTokenHash}, ${newExpiresAt})`);
        await this.db.rows(
          sql`update auth_sessions set last_used_at = now(), updated_at = now() where id = ${rotated.session_id}`,
        );
        return { kind: 'rotated', sessionId: rotated.session_id, userId: rotated.user_id };
      }
      const known = await this.db.rows(sql<{ session_id: string; user_id: string; used_at: string | null }>`
        select rt.session_id, s.user_id, rt.used_at from refresh_tokens rt
        join auth_sessions s on s.id = rt.session_id where rt.token_hash = ${tokenHash}`);
      const token = known[0];
      if (token?.used_at) {
        await this.revokeSession(token.session_id, 'refresh-token-reuse');
        return { kind: 'reused', sessionId: token.session_id, userId: token.user_id };
      }
      return { kind: 'invalid' };
    });
  }

  /** Looks a refresh token up without using it (logout by refresh token). */
  async findSessionOfToken(tokenHash: string): Promise<{ sessionId: string; userId: string } | null> {
    const rows = await this.db.rows(sql<{ session_id: string; user_id: string }>`
      select rt.session_id, s.user_id from refresh_tokens rt join auth_sessions s on s.id = rt.session_id
      where rt.token_hash = ${tokenHash}`);
    return rows[0] ? { sessionId: rows[0].session_id, userId: rows[0].user_id } : null;
  }

  async revokeSession(sessionId: string, reason: string): Promise<void> {
    await this.db.rows(sql`
      update auth_sessions set revoked_at = now(), revoked_reason = ${reason}, updated_at = now()
      where id = ${sessionId} and revoked_at is null`);
  }

  /** Revokes every live session of a user, except `keepSessionId` when given; returns how many. */
  async revokeAllForUser(userId: string, reason: string, keepSessionId?: string): Promise<number> {
    const rows = await this.db.rows(sql<{ id: string }>`
      update auth_sessions set revoked_at = now(), revoked_reason = ${reason}, updated_at = now()
      where user_id = ${userId} and revoked_at is null and id <> ${keepSessionId ?? '00000000-0000-0000-0000-000000000000'}
      returning id`);
    return rows.length;
  }
}
