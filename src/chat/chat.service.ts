import { STATUS_CODES } from 'node:http';
import { BadRequestException, HttpException, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { notebookLimit, type Principal } from '../access/principal';
import { uuidv7 } from '../common/uuid';
import { type AppConfig } from '../config/app-config';
import { InjectConfig } from '../config/config.module';
import { tokenizer } from '../text/tokenizer';
import {
  type AnswerResult,
  ChatModel,
  type HistoryTurn,
  LlmAbortedError,
  LlmTimeoutError,
  LlmUpstreamError,
  type Passage,
} from '../llm/chat-model';
import { observeLlmCall } from '../llm/llm-metrics';
import { MetricsService } from '../metrics/metrics.service';
import { NotebookAccessService } from '../notebooks/notebook-access';
import { type NotebookRow } from '../notebooks/notebook-row';
import { type RetrievalHit, RetrievalService } from '../retrieval/retrieval.service';
import { ChatRepository, type MessageRow, type SessionRow } from './chat.repository';
import { CitationStreamFilter, checkCitations } from './citations';
import {
  type ChatMessageDto,
  type ChatRequestDto,
  type ChatResponseDto,
  type ChatSessionDto,
  type ChatSourceDto,
  type DeleteHistoryQuery,
  type HistoryPageDto,
  type HistoryQuery,
  type QueryRequestDto,
  type QueryResponseDto,
  type SessionsPageDto,
  type SessionsQuery,
} from './dto/chat.dto';
import { standaloneQuery } from './follow-up';

export const SESSION_NOT_FOUND = 'Chat session not found';
const TITLE_LENGTH = 80;

/** Where a request came from, for metrics. */
export type ChatEndpoint = 'chat' | 'stream' | 'query' | 'openai';

/** What one answer needs: the notebooks (already authorised), the question, the history. */
export interface Conversation {
  notebooks: NotebookRow[];
  question: string;
  history: HistoryTurn[];
  k?: number;
  sourceIds?: readonly string[] | null;
}

interface Retrieved {
  passages: Passage[];
  hits: RetrievalHit[];
  retrievalMs: number;
  started: number;
  /** What was retrieved with: the question, made standalone if it was a follow-up. */
  query: string;
}

export interface Answer {
  text: string;
  sources: ChatSourceDto[];
  model: string;
  usage: { prompt_tokens: number; completion_tokens: number };
  timings: { retrieval_ms: number; llm_ms: number; total_ms: number };
}

/** Server-sent events of a streamed answer, in this order: sources, token…, done — or error. */
export type ChatEvent =
  | { event: 'sources'; data: { session_id?: string; sources: ChatSourceDto[]; retrieval_ms: number } }
  | { event: 'token'; data: { delta: string } }
  | { event: 'done'; data: Record<string, unknown> }
  | { event: 'error'; data: { statusCode: number; error: string; message: string; requestId?: string } };

/** A streamed answer: the retrieved sources (known before the model starts), then deltas. */
export interface AnswerStream {
  sources: ChatSourceDto[];
  retrievalMs: number;
  deltas: AsyncIterable<string>;
  /** Available once `deltas` is exhausted. */
  answer(): Answer;
}

/**
 * Chat with memory, one-shot query and the OpenAI-compatible path share one pattern: one hybrid
 * retrieval (chunks and RAPTOR summaries) and one LLM call, never a chain of calls. Follow-ups are
 * made standalone for retrieval by a local heuristic (optionally an LLM condensation). Citations
 * are checked against what was retrieved. A turn is stored only when its answer is complete.
 */
@Injectable()
export class ChatService {
  private readonly logger = new Logger(ChatService.name);

  constructor(
    private readonly repository: ChatRepository,
    private readonly access: NotebookAccessService,
    private readonly retrieval: RetrievalService,
    private readonly model: ChatModel,
    private readonly metrics: MetricsService,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  // --- Chat v2 ------------------------------------------------------------------------------

  async chat(auth: Principal, dto: ChatRequestDto, signal?: AbortSignal): Promise<ChatResponseDto> {
    return this.observe('chat', async () => {
      const { session, conversation } = await this.open(auth, dto);
      const questionAt = Date.now();
      const answer = await this.answer(conversation, signal);
      const messageId = await this.store(auth, session, conversation.question, questionAt, answer);
      return { ...toResponse(answer), session_id: session.id, message_id: messageId };
    });
  }

  /**
   * Checks and retrieves eagerly (so access errors are plain HTTP errors), then returns the events
   * to stream. The caller's `signal` (client disconnect) cancels the model call.
   */
  async chatStream(auth: Principal, dto: ChatRequestDto, signal: AbortSignal): Promise<AsyncIterable<ChatEvent>> {
    let opened: Awaited<ReturnType<ChatService['open']>>;
    try {
      opened = await this.open(auth, dto);
    } catch (error) {
      this.metrics.chatRequests.inc({ endpoint: 'stream', outcome: outcomeOf(error) });
      throw error;
    }
    const { session, conversation } = opened;
    const questionAt = Date.now();
    const stream = await this.answerStream(conversation, signal);
    return this.events(auth, session, conversation.question, questionAt, stream, signal);
  }

  async history(auth: Principal, query: HistoryQuery): Promise<HistoryPageDto> {
    const session = await this.ownedSession(auth, query.session_id);
    const limit = query.limit ?? 50;
    const rows = await this.repository.page(session.id, limit + 1, query.cursor);
    const page = rows.slice(0, limit);
    return {
      session_id: session.id,
      messages: page.reverse().map(toMessageDto),
      next_cursor: rows.length > limit ? page[0].id : null,
    };
  }

  async deleteHistory(auth: Principal, query: DeleteHistoryQuery): Promise<void> {
    await this.ownedSession(auth, query.session_id);
    await this.repository.deleteOwned(query.session_id, auth.userId);
  }

  async sessions(auth: Principal, query: SessionsQuery): Promise<SessionsPageDto> {
    if (query.notebook_id) await this.access.requireMany(auth, [query.notebook_id], 'chat');
    const limit = query.limit ?? 20;
    const rows = await this.repository.listForUser(auth.userId, {
      notebookId: query.notebook_id,
      within: notebookLimit(auth),
      before: query.cursor,
      limit: limit + 1,
    });
    const sessions = rows.slice(0, limit).map(toSessionDto);
    return { sessions, next_cursor: rows.length > limit ? sessions.at(-1)!.session_id : null };
  }

  // --- Stateless ----------------------------------------------------------------------------

  async query(auth: Principal, dto: QueryRequestDto, signal?: AbortSignal): Promise<QueryResponseDto> {
    return this.observe('query', async () => {
      const requested = requestedNotebooks(dto);
      if (requested.length === 0) throw new BadRequestException('Send notebook_id or notebook_ids');
      const notebooks = await this.access.requireMany(auth, requested, 'chat');
      const answer = await this.answer(
        { notebooks, question: dto.query, history: [], k: dto.k, sourceIds: dto.source_ids },
        signal,
      );
      return toResponse(answer);
    });
  }

  /** For the OpenAI-compatible endpoint: the conversation comes with the request, nothing is stored. */
  async statelessAnswer(
    auth: Principal,
    notebookId: string,
    messages: readonly HistoryTurn[],
    signal?: AbortSignal,
  ): Promise<Answer> {
    return this.observe('openai', async () =>
      this.answer(await this.statelessConversation(auth, notebookId, messages), signal),
    );
  }

  async statelessStream(
    auth: Principal,
    notebookId: string,
    messages: readonly HistoryTurn[],
    signal: AbortSignal,
  ): Promise<AnswerStream> {
    try {
      return await this.answerStream(await this.statelessConversation(auth, notebookId, messages), signal);
    } catch (error) {
      this.metrics.chatRequests.inc({ endpoint: 'openai', outcome: outcomeOf(error) });
      throw error;
    }
  }

  /** Counts a streamed answer's outcome once it has ended (the stream's consumer calls this). */
  recordOutcome(endpoint: ChatEndpoint, error?: unknown): void {
    this.metrics.chatRequests.inc({ endpoint, outcome: error === undefined ? 'ok' : outcomeOf(error) });
  }

  // --- The one pattern: retrieve once, answer once ------------------------------------------

  async answer(conversation: Conversation, signal?: AbortSignal): Promise<Answer> {
    const retrieved = await this.retrieve(conversation, signal);
    const llmStarted = performance.now();
    const result = await this.callModel('answer', () =>
      this.model.answer({
        question: conversation.question,
        standaloneQuestion: retrieved.query,
        passages: retrieved.passages,
        history: conversation.history,
        signal,
      }),
    );
    return finish(retrieved, result, performance.now() - llmStarted);
  }

  async answerStream(conversation: Conversation, signal: AbortSignal): Promise<AnswerStream> {
    const retrieved = await this.retrieve(conversation, signal);
    const filter = new CitationStreamFilter(retrieved.passages.length);
    const stream = this.model.stream({
      question: conversation.question,
      standaloneQuestion: retrieved.query,
      passages: retrieved.passages,
      history: conversation.history,
      signal,
    });
    let answer: Answer | undefined;
    const metrics = this.metrics;
    const modelName = this.model.model;
    return {
      sources: toSources(retrieved.hits, new Set()),
      retrievalMs: retrieved.retrievalMs,
      answer: () => {
        if (!answer) throw new Error('the answer has not finished');
        return answer;
      },
      deltas: {
        async *[Symbol.asyncIterator]() {
          const llmStarted = performance.now();
          let emitted = '';
          try {
            for await (const delta of stream) {
              const text = filter.push(delta);
              emitted += text;
              if (text) yield text;
            }
            const rest = filter.flush();
            emitted += rest;
            if (rest) yield rest;
          } catch (error) {
            const ms = performance.now() - llmStarted;
            observeLlmCall(metrics, { model: modelName, purpose: 'answer', outcome: outcomeOf(error), ms });
            throw error;
          }
          const result = stream.result();
          const llmMs = performance.now() - llmStarted;
          observeLlmCall(metrics, {
            model: result.model,
            purpose: 'answer',
            outcome: 'ok',
            ms: llmMs,
            usage: result.usage,
          });
          // What is stored is exactly what the client saw, checked marker by marker as it streamed.
          answer = finish(retrieved, result, llmMs, { text: emitted, cited: filter.cited });
        },
      },
    };
  }

  private async retrieve(conversation: Conversation, signal?: AbortSignal): Promise<Retrieved> {
    const started = performance.now();
    let query = standaloneQuery(conversation.question, conversation.history);
    if (this.config.chat.condenseQuestion && conversation.history.length > 0) {
      const condensed = await this.callModel('condense', () =>
        this.model.condense(conversation.history, conversation.question, signal),
      );
      query = condensed.text.trim() || query;
    }
    const { hits, ms } = await this.retrieval.retrieve(conversation.notebooks, query, {
      k: conversation.k,
      sourceIds: conversation.sourceIds,
      signal,
    });
    const passages = hits.map((hit, i) => ({ index: i + 1, title: passageTitle(hit), text: hit.text }));
    return { passages, hits, retrievalMs: ms, started, query };
  }

  private async callModel(purpose: string, call: () => Promise<AnswerResult>): Promise<AnswerResult> {
    const started = performance.now();
    try {
      const result = await call();
      const ms = performance.now() - started;
      observeLlmCall(this.metrics, { model: result.model, purpose, outcome: 'ok', ms, usage: result.usage });
      return result;
    } catch (error) {
      const ms = performance.now() - started;
      observeLlmCall(this.metrics, { model: this.model.model, purpose, outcome: outcomeOf(error), ms });
      throw error;
    }
  }

  // --- Sessions and memory ------------------------------------------------------------------

  private async open(
    auth: Principal,
    dto: ChatRequestDto,
  ): Promise<{ session: OpenSession; conversation: Conversation }> {
    const requested = requestedNotebooks(dto);
    let session: OpenSession;
    let notebooks: NotebookRow[];
    let history: HistoryTurn[] = [];
    if (dto.session_id) {
      const existing = await this.ownedSession(auth, dto.session_id);
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
      history = this.window(await this.repository.recent(session.id, dto.max_history ?? 10));
    }
    return {
      session,
      conversation: { notebooks, question: dto.query, history, k: dto.k, sourceIds: dto.source_ids },
    };
  }

  /** The caller's session and its notebooks, checked for access: a session over notebooks the
   * caller can no longer reach is gone for them too. */
  private async ownedSession(auth: Principal, sessionId: string): Promise<SessionRow & { notebooks: NotebookRow[] }> {
    const session = await this.repository.findOwned(sessionId, auth.userId);
    if (!session) throw new NotFoundException(SESSION_NOT_FOUND);
    const notebooks = await this.access.requireMany(auth, session.notebook_ids, 'chat').catch((error: unknown) => {
      throw error instanceof NotFoundException ? new NotFoundException(SESSION_NOT_FOUND) : error;
    });
    return { ...session, notebooks };
  }

  /** The newest messages that fit CHAT_HISTORY_TOKENS, oldest first. */
  private window(messages: readonly { role: 'user' | 'assistant'; content: string }[]): HistoryTurn[] {
    let budget = this.config.chat.historyTokens;
    const kept: HistoryTurn[] = [];
    for (let i = messages.length - 1; i >= 0; i--) {
      budget -= tokenizer.count(messages[i].content);
      if (budget < 0) break;
      kept.push({ role: messages[i].role, content: messages[i].content });
    }
    return kept.reverse();
  }

  private async store(
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

  private async *events(
    auth: Principal,
    session: OpenSession,
    question: string,
    questionAt: number,
    stream: AnswerStream,
    signal: AbortSignal,
  ): AsyncGenerator<ChatEvent> {
    yield {
      event: 'sources',
      data: { session_id: session.id, sources: stream.sources, retrieval_ms: stream.retrievalMs },
    };
    try {
      for await (const delta of stream.deltas) yield { event: 'token', data: { delta } };
      if (signal.aborted) throw new LlmAbortedError();
      const answer = stream.answer();
      const messageId = await this.store(auth, session, question, questionAt, answer);
      this.recordOutcome('stream');
      yield {
        event: 'done',
        data: {
          session_id: session.id,
          message_id: messageId,
          model: answer.model,
          usage: answer.usage,
          timings: answer.timings,
          cited: answer.sources.filter((s) => s.cited).map((s) => s.index),
        },
      };
    } catch (error) {
      this.recordOutcome('stream', error);
      if (error instanceof LlmAbortedError) return;
      yield { event: 'error', data: errorData(error, this.logger) };
    }
  }

  private async statelessConversation(
    auth: Principal,
    notebookId: string,
    messages: readonly HistoryTurn[],
  ): Promise<Conversation> {
    const notebooks = await this.access.requireMany(auth, [notebookId], 'chat');
    const lastUser = messages.findLastIndex((m) => m.role === 'user');
    if (lastUser < 0) throw new BadRequestException('messages must contain a user message');
    return {
      notebooks,
      question: messages[lastUser].content,
      history: this.window(messages.slice(0, lastUser)),
    };
  }

  private async observe<T>(endpoint: ChatEndpoint, work: () => Promise<T>): Promise<T> {
    try {
      const result = await work();
      this.recordOutcome(endpoint);
      return result;
    } catch (error) {
      this.recordOutcome(endpoint, error);
      throw error;
    }
  }
}

interface OpenSession {
  id: string;
  notebookIds: string[];
  title: string;
  isNew: boolean;
}

function finish(
  retrieved: Retrieved,
  result: AnswerResult,
  llmMs: number,
  checked = checkCitations(result.text, retrieved.passages.length),
): Answer {
  const { text, cited } = checked;
  return {
    text,
    sources: toSources(retrieved.hits, cited),
    model: result.model,
    usage: { prompt_tokens: result.usage.promptTokens, completion_tokens: result.usage.completionTokens },
    timings: {
      retrieval_ms: retrieved.retrievalMs,
      llm_ms: round(llmMs),
      total_ms: round(performance.now() - retrieved.started),
    },
  };
}

const round = (ms: number): number => Math.round(ms * 10) / 10;

function toResponse(answer: Answer): QueryResponseDto {
  return {
    answer: answer.text,
    sources: answer.sources,
    model: answer.model,
    usage: answer.usage,
    timings: answer.timings,
  };
}

function toSources(hits: readonly RetrievalHit[], cited: ReadonlySet<number>): ChatSourceDto[] {
  return hits.map((hit, i) => ({
    index: i + 1,
    kind: hit.kind,
    id: hit.id,
    notebook_id: hit.notebookId,
    source_id: hit.sourceId,
    title: hit.sourceTitle,
    text: hit.text,
    position: hit.position,
    level: hit.level,
    score: hit.score,
    cited: cited.has(i + 1),
  }));
}

function passageTitle(hit: RetrievalHit): string {
  if (hit.kind === 'summary') return `${hit.sourceTitle} (summary)`;
  const parts = [hit.sourceTitle];
  if (hit.position?.headingPath?.length) parts.push(hit.position.headingPath.join(' › '));
  if (hit.position?.page) parts.push(`page ${hit.position.page}`);
  return parts.join(' — ');
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

function outcomeOf(error: unknown): string {
  if (error instanceof LlmAbortedError) return 'cancelled';
  if (error instanceof LlmTimeoutError) return 'timeout';
  if (error instanceof LlmUpstreamError) return 'upstream_error';
  if (error instanceof HttpException && error.getStatus() < 500) return 'client_error';
  return 'error';
}

function errorData(error: unknown, logger: Logger): { statusCode: number; error: string; message: string } {
  if (error instanceof HttpException) {
    const status = error.getStatus();
    return { statusCode: status, error: STATUS_CODES[status] ?? 'Error', message: error.message };
  }
  logger.error({ err: error }, 'streamed answer failed');
  return { statusCode: 500, error: 'Internal Server Error', message: 'Internal server error' };
}

/** The notebooks a request names, by `notebook_id` and/or `notebook_ids`. */
function requestedNotebooks(dto: { notebook_id?: string; notebook_ids?: string[] }): string[] {
  return [...(dto.notebook_id ? [dto.notebook_id] : []), ...(dto.notebook_ids ?? [])];
}

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
