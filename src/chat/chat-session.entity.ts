import { type Opt } from '@mikro-orm/core';
import { Check, Entity, Index, ManyToOne, Property } from '@mikro-orm/decorators/legacy';
import { BaseEntity } from '../database/base.entity';
import { User } from '../users/user.entity';

/** A conversation of one user, bound to the notebooks it was opened on. */
@Entity({ tableName: 'chat_sessions' })
@Index({ name: 'chat_sessions_user_idx', properties: ['userId', 'updatedAt'] })
export class ChatSession extends BaseEntity {
  @ManyToOne(() => User, { mapToPk: true, fieldName: 'user_id', deleteRule: 'cascade' })
  userId!: string;

  @Property({ type: 'uuid[]', columnType: 'uuid[]' })
  notebookIds!: string[];

  /** The first question, shortened. */
  @Property({ type: 'text' })
  title!: string;

  @Property({ type: 'integer', default: 0 })
  messageCount: number & Opt = 0;
}

export type ChatRole = 'user' | 'assistant';

/** One turn: the user's question, or the answer with the sources it was given and what it cost. */
@Entity({ tableName: 'chat_messages' })
@Index({ name: 'chat_messages_session_idx', properties: ['sessionId', 'id'] })
@Check({ name: 'chat_messages_role_check', expression: "role in ('user', 'assistant')" })
export class ChatMessage extends BaseEntity {
  @ManyToOne(() => ChatSession, { mapToPk: true, fieldName: 'session_id', deleteRule: 'cascade' })
  sessionId!: string;

  @Property({ type: 'text' })
  role!: ChatRole;

  @Property({ type: 'text' })
  content!: string;

  @Property({ type: 'json', default: '[]' })
  sources: unknown[] & Opt = [];

  @Property({ type: 'text', nullable: true })
  model?: string | null;

  @Property({ type: 'integer', default: 0 })
  promptTokens: number & Opt = 0;

  @Property({ type: 'integer', default: 0 })
  completionTokens: number & Opt = 0;

  @Property({ type: 'json', nullable: true })
  timings?: Record<string, number> | null;
}
