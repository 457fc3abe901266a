import { Injectable } from '@nestjs/common';
import { DbContext, UnitOfWork } from '../database/unit-of-work';
import { sql } from 'kysely';
import { Sql } from '../database/sql';
import { type ChatRole } from './chat-session.entity';

export interface SessionRow {
  id: string;
  user_id: string;
  notebook_ids: string[];
  title: string;
  message_count: number;
  created_at: string;
  updated_at: string;
}

export interface MessageRow {
  id: string;
  session_id: string;
  role: ChatRole;
  content: string;
  sources: unknown[];
  model: string | null;
  prompt_tokens: number;
  completion_tokens: number;
  timings: Record<string, number> | null;
  created_at: string;
}

export interface NewMessage {
  id: string;
  role: ChatRole;
  content: string;
  sources: unknown[];
  model: string | null;
  promptTokens: number;
  completionTokens: number;
  timings: Record<string, number> | null;
}

@Injectable()
export class ChatRepository {
  constructor(
    private readonly db: DbContext,
    private readonly uow: UnitOfWork,
    private readonly sql: Sql,
  ) {}

  /** The caller's session; another user's is as absent as a missing one. */
  findOwned(sessionId: string, userId: string): Promise<SessionRow | null> {
    return this.sql.one<SessionRow>(
      'chat_session_owned',
      'select id, user_id, notebook_ids, title, message_count, created_at, updated_at from chat_sessions where id = $1 and user_id = $2',
      [sessionId, userId],
    );
  }

  /** The newest `limit` messages of a session, oldest first. */
  recent(sessionId: string, limit: number): Promise<Pick<MessageRow, 'role' | 'content'>[]> {
    if (limit <= 0) return Promise.resolve([]);
    return this.sql
      .rows<Pick<MessageRow, 'role' | 'content'> & { id: string }>(
        'chat_recent_messages',
        'select id, role, content from chat_messages where session_id = $1 order by id desc limit $2',
        [sessionId, limit],
      )
      .then((rows) => rows.reverse());
  }

  /** A page of messages, newest page first (`before` a message id), each page oldest first. */
  async page(sessionId: string, limit: number, before?: string): Promise<MessageRow[]> {
    return this.db.rows(sql<MessageRow>`
      select id, session_id, role, content, sources, model, prompt_tokens, completion_tokens, timings, created_at
      from chat_messages
      where session_id = ${sessionId} and (${before ?? null}::uuid is null or id < ${before ?? null})
      order by id desc limit ${limit}`);
  }

  /** The user's sessions, newest first; `within`: only those whose notebooks all lie within it. */
  async listForUser(
    userId: string,
    filter: { notebookId?: string; within?: readonly string[] | null; before?: string; limit: number },
  ): Promise<SessionRow[]> {
    const within = filter.within ? [...filter.within] : null;
    return this.db.rows(sql<SessionRow>`
      select id, user_id, notebook_ids, title, message_count, created_at, updated_at
      from chat_sessions
      where user_id = ${userId}
        and (${filter.notebookId ?? null}::uuid is null or ${filter.notebookId ?? null}::uuid = any(notebook_ids))
        and (${within}::uuid[] is null or notebook_ids <@ ${within}::uuid[])
        and (${filter.before ?? null}::uuid is null or id < ${filter.before ?? null})
      order by id desc limit ${filter.limit}`);
  }

  /**
   * Stores a question and its answer together, creating the session with them if it is new: a
   * failed or cancelled answer leaves nothing behind, not even an empty session.
   */
  async appendTurn(
    session: { id: string; userId: string; notebookIds: readonly string[]; title: string; isNew: boolean },
    messages: readonly NewMessage[],
  ): Promise<void> {
    await this.uow.transaction(async () => {
      if (session.isNew) {
        await this.db.rows(sql`
          insert into chat_sessions (id, user_id, notebook_ids, title, message_count)
          values (${session.id}, ${session.userId}, ${[...session.notebookIds]}::uuid[], ${session.title}, ${messages.length})`);
      } else {
        await this.db.rows(sql`
          update chat_sessions set message_count = message_count + ${messages.length}, updated_at = now()
          where id = ${session.id}`);
      }
      await this.db.rows(sql`
        insert into chat_messages (id, session_id, role, content, sources, model, prompt_tokens, completion_tokens, timings)
        select id, ${session.id}::uuid, role, content, sources, model, prompt_tokens, completion_tokens, timings
        from unnest(${messages.map((m) => m.id)}::uuid[], ${messages.map((m) => m.role)}::text[], ${messages.map((m) => m.content)}::text[],
                    ${messages.map((m) => JSON.stringify(m.sources))}::jsonb[], ${messages.map((m) => m.model)}::text[],
                    ${messages.map((m) => m.promptTokens)}::int[], ${messages.map((m) => m.completionTokens)}::int[],
                    ${messages.map((m) => (m.timings ? JSON.stringify(m.timings) : null))}::jsonb[])
          as t(id, role, content, sources, model, prompt_tokens, completion_tokens, timings)`);
    });
  }

  async deleteOwned(sessionId: string, userId: string): Promise<boolean> {
    return (await this.db.affected(sql`delete from chat_sessions where id = ${sessionId} and user_id = ${userId}`)) > 0;
  }
}
