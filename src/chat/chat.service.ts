import { STATUS_CODES } from 'node:http';
import { HttpException, Injectable, Logger } from '@nestjs/common';
import { type Principal } from '../access/principal';
import { LlmAbortedError } from '../llm/chat-model';
import { Answerer } from './answerer';
import { ChatOutcomes } from './chat-outcomes';
import { ChatSessionsService, type OpenSession } from './chat-sessions.service';
import { type AnswerStream, toQueryResponse } from './conversation';
import { type ChatRequestDto, type ChatResponseDto, type ChatSourceDto } from './dto/chat.dto';

/** Server-sent events of a streamed answer, in this order: sources, token…, done — or error. */
export type ChatEvent =
  | { event: 'sources'; data: { session_id?: string; sources: ChatSourceDto[]; retrieval_ms: number } }
  | { event: 'token'; data: { delta: string } }
  | { event: 'done'; data: Record<string, unknown> }
  | { event: 'error'; data: { statusCode: number; error: string; message: string; requestId?: string } };

/**
 * Chat v2, one turn: open the session (with its memory), answer once (Answerer), store the turn
 * when the answer is complete — in one response, or streamed as server-sent events.
 */
@Injectable()
export class ChatService {
  private readonly logger = new Logger(ChatService.name);

  constructor(
    private readonly sessions: ChatSessionsService,
    private readonly answerer: Answerer,
    private readonly outcomes: ChatOutcomes,
  ) {}

  async chat(auth: Principal, dto: ChatRequestDto, signal?: AbortSignal): Promise<ChatResponseDto> {
    return this.outcomes.observe('chat', async () => {
      const { session, conversation } = await this.sessions.open(auth, dto);
      const questionAt = Date.now();
      const answer = await this.answerer.answer(conversation, signal);
      const messageId = await this.sessions.storeTurn(auth, session, conversation.question, questionAt, answer);
      return { ...toQueryResponse(answer), session_id: session.id, message_id: messageId };
    });
  }

  /**
   * Checks and retrieves eagerly (so access errors are plain HTTP errors), then returns the events
   * to stream. The caller's `signal` (client disconnect) cancels the model call.
   */
  async chatStream(auth: Principal, dto: ChatRequestDto, signal: AbortSignal): Promise<AsyncIterable<ChatEvent>> {
    let opened: Awaited<ReturnType<ChatSessionsService['open']>>;
    try {
      opened = await this.sessions.open(auth, dto);
    } catch (error) {
      this.outcomes.record('stream', error);
      throw error;
    }
    const { session, conversation } = opened;
    const questionAt = Date.now();
    const stream = await this.answerer.answerStream(conversation, signal);
    return this.events(auth, session, conversation.question, questionAt, stream, signal);
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
      const messageId = await this.sessions.storeTurn(auth, session, question, questionAt, answer);
      this.outcomes.record('stream');
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
      this.outcomes.record('stream', error);
      if (error instanceof LlmAbortedError) return;
      yield { event: 'error', data: errorData(error, this.logger) };
    }
  }
}

function errorData(error: unknown, logger: Logger): { statusCode: number; error: string; message: string } {
  if (error instanceof HttpException) {
    const status = error.getStatus();
    return { statusCode: status, error: STATUS_CODES[status] ?? 'Error', message: error.message };
  }
  logger.error({ err: error }, 'streamed answer failed');
  return { statusCode: 500, error: 'Internal Server Error', message: 'Internal server error' };
}
