import { readPage } from '../http/pagination';
import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { notebookLimit, type Principal } from '../access/principal';
import { loadEach, requireAccess, type ResourceKind } from '../access/resource-access';
import { uuidv7 } from '../common/uuid';
import { type AppConfig } from '../config/app-config';
import { InjectConfig } from '../config/config.module';
import { type HistoryTurn } from '../llm/chat-model';
import { NotebookAccessService } from '../notebooks/notebook-access';
import { type NotebookRow } from '../notebooks/notebook-row';
import { ChatRepository, type MessageRow, type SessionRow } from './chat.repository';
import { type Answer, type Conversation, historyWindow, requestedNotebooks } from './conversation';
import {
  type ChatMessageDto,
  type ChatRequestDto,
  type ChatSessionDto,
  type ChatSourceDto,
  type DeleteHistoryQuery,
  type HistoryPageDto,
  type HistoryQuery,
  type SessionsPageDto,
  type SessionsQuery,
} from './dto/chat.dto';

export const SESSION_NOT_FOUND = 'Chat session not found';
const TITLE_LENGTH = 80;

/** A session a turn is being asked in: stored with its first turn if it is new. */
export interface OpenSession {
  id: string;
  notebookIds: string[];
  title: string;
  isNew: boolean;
}

/**
 * Chat sessions and their memory: opening a session for a turn (new, or an existing one with its
 * recent history), storing a finished turn, and the history and session lists. A session is the
 * caller's alone, and reachable only while its notebooks are. A turn is stored only when its
 * answer is complete.
 */
@Injectable()
export class ChatSessionsService {
  /** Sessions for `requireAccess`: a session is its owner's alone; anyone else's is as absent as a missing one. */
  private readonly kind: ResourceKind<SessionRow> = {
    notFound: SESSION_NOT_FOUND,
    load: loadEach((auth, id) => this.repository.findOwned(id, auth.userId)),
    id: (row) => row.id,
    visible: (auth, row) => row.user_id === auth.userId,
    allows: () => true,
    forbidden: () => null,
  };

  constructor(
    private readonly repository: ChatRepository,
    private readonly access: NotebookAccessService,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  async history(auth: Principal, query: HistoryQuery): Promise<HistoryPageDto> {
    const session = await this.owned(auth, query.session_id);
    // Newest first, so the cursor is the oldest message of the page; each page reads oldest first.
    const page = await readPage(
      query.limit ?? 50,
      (take) => this.repository.page(session.id, take, query.cursor),
      toMessageDto,
    );
    return { session_id: session.id, messages: page.items.reverse(), next_cursor: page.nextCursor };
  }

  async deleteHistory(auth: Principal, query: DeleteHistoryQuery): Promise<void> {
    await this.owned(auth, query.session_id);
    await this.repository.deleteOwned(query.session_id, auth.userId);
  }

  async list(auth: Principal, query: SessionsQuery): Promise<SessionsPageDto> {
    if (query.notebook_id) await this.access.requireMany(auth, [query.notebook_id], 'chat');
    const page = await readPage(
      query.limit ?? 20,
      (take) =>
        this.repository.listForUser(auth.userId, {
          notebookId: query.notebook_id,
          within: notebookLimit(auth),
          before: query.cursor,
          limit: take,
        }),
      toSessionDto,
      (session) => session.session_id,
    );
    return { sessions: page.items, next_cursor: page.nextCursor };
  }

  /** The session a chat turn is asked in, and what its answer needs (notebooks, history). */
  async open(auth: Principal, dto: ChatRequestDto): Promise<{ session: OpenSession; conversation: Conversation }> {
    const requested = requestedNotebooks(dto);
    let session: OpenSession;
    let notebooks: NotebookRow[];
    let history: HistoryTurn[] = [];
    if (dto.session_id) {
      const existing = await this.owned(auth, dto.session_id);
      if (requested.length > 0 && !sameSet(requested, existing.notebook_ids)) {
        throw new BadRequestException(
          `This session is bound to the notebooks it was opened on (${existing.notebook_ids.join(', ')}); start a new session for others`,
        );
      }
      session = { id: existing.id, notebookIds: existing.notebook_ids, title: existing.title, isNew: false };
      // Access is checked on every turn: a session dies the moment its notebooks are out of reach.
      notebooks = existing.notebooks;
    } else {
      if (requested.length === 0) throw new BadRequestException('Send notebook_id or notebook_ids (or a session_id)');
      session = { id: uuidv7(), notebookIds: [...new Set(requested)], title: titleOf(dto.query), isNew: true };
      notebooks = await this.access.requireMany(auth, session.notebookIds, 'chat');
    }
    if (!session.isNew && dto.include_history !== false) {
      history = historyWindow(
        await this.repository.recent(session.id, dto.max_history ?? 10),
        this.config.chat.historyTokens,
      );
    }
    return {
      session,
      conversation: { notebooks, question: dto.query, history, k: dto.k, sourceIds: dto.source_ids },
    };
  }

  /** Stores a finished turn (question and answer together); returns the answer's message id. */
  async storeTurn(
    auth: Principal,
    session: OpenSession,
    question: string,
    questionAt: number,
    answer: Answer,
  ): Promise<string> {
    const questionId = uuidv7(questionAt);
    const answerId = uuidv7(Math.max(Date.now(), questionAt + 1));
    await this.repository.appendTurn({ ...session, userId: auth.userId }, [
      {
        id: questionId,
        role: 'user',
        content: question,
        sources: [],
        model: null,
        promptTokens: 0,
        completionTokens: 0,
        timings: null,
      },
      {
        id: answerId,
        role: 'assistant',
        content: answer.text,
        sources: answer.sources,
        model: answer.model,
        promptTokens: answer.usage.prompt_tokens,
        completionTokens: answer.usage.completion_tokens,
        timings: answer.timings,
      },
    ]);
    return answerId;
  }

  /** The caller's session and its notebooks, checked for access: a session over notebooks the
   * caller can no longer reach is gone for them too. */
  private async owned(auth: Principal, sessionId: string): Promise<SessionRow & { notebooks: NotebookRow[] }> {
    const [session] = await requireAccess(auth, 'chat', [sessionId], this.kind);
    const notebooks = await this.access.requireMany(auth, session.notebook_ids, 'chat').catch((error: unknown) => {
      throw error instanceof NotFoundException ? new NotFoundException(SESSION_NOT_FOUND) : error;
    });
    return { ...session, notebooks };
  }
}

function titleOf(question: string): string {
  const flat = question.replace(/\s+/g, ' ').trim();
  return flat.length <= TITLE_LENGTH ? flat : `${flat.slice(0, TITLE_LENGTH - 1)}…`;
}

const sameSet = (a: readonly string[], b: readonly string[]): boolean => {
  const left = new Set(a);
  const right = new Set(b);
  return left.size === right.size && [...left].every((x) => right.has(x));
};

function toMessageDto(row: MessageRow): ChatMessageDto {
  return {
    id: row.id,
    role: row.role,
    content: row.content,
    sources: row.sources as ChatSourceDto[],
    model: row.model,
    usage:
      row.role === 'assistant' ? { prompt_tokens: row.prompt_tokens, completion_tokens: row.completion_tokens } : null,
    timings: (row.timings as ChatMessageDto['timings']) ?? null,
    created_at: new Date(row.created_at).toISOString(),
  };
}

function toSessionDto(row: SessionRow): ChatSessionDto {
  return {
    session_id: row.id,
    title: row.title,
    notebook_ids: row.notebook_ids,
    message_count: row.message_count,
    created_at: new Date(row.created_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
  };
}
