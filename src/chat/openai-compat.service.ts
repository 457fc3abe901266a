import { BadRequestException, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { type Principal } from '../access/principal';
import { type AppConfig } from '../config/app-config';
import { InjectConfig } from '../config/config.module';
import { type HistoryTurn, LlmAbortedError } from '../llm/chat-model';
import { NotebookAccessService } from '../notebooks/notebook-access';
import { NotebooksService } from '../notebooks/notebooks.service';
import { type SseEvent } from '../http/sse';
import { Answerer } from './answerer';
import { ChatOutcomes } from './chat-outcomes';
import { type Conversation, historyWindow } from './conversation';
import {
  type ChatCompletionRequestDto,
  type ModelListDto,
  NOTEBOOK_MODEL,
  type OpenAiMessageDto,
} from './dto/openai.dto';

const MAX_MODELS = 1000;

/**
 * Maps OpenAI's chat-completions format onto Folio's answer path: the conversation comes with the
 * request (the model names the notebook), nothing is stored.
 */
@Injectable()
export class OpenAiCompatService {
  constructor(
    private readonly answerer: Answerer,
    private readonly outcomes: ChatOutcomes,
    private readonly access: NotebookAccessService,
    private readonly notebooks: NotebooksService,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  async models(auth: Principal): Promise<ModelListDto> {
    const data: ModelListDto['data'] = [];
    let cursor: string | undefined;
    do {
      const page = await this.notebooks.list(auth, { limit: 100, cursor });
      for (const notebook of page.items) {
        data.push({
          id: `notebook:${notebook.id}`,
          object: 'model',
          created: Math.floor(Date.parse(notebook.createdAt) / 1000),
          owned_by: notebook.name,
        });
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor && data.length < MAX_MODELS);
    return { object: 'list', data };
  }

  async completion(
    auth: Principal,
    dto: ChatCompletionRequestDto,
    signal: AbortSignal,
  ): Promise<Record<string, unknown>> {
    const answer = await this.outcomes.observe('openai', async () =>
      this.answerer.answer(await this.conversation(auth, dto), signal),
    );
    return {
      id: completionId(),
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: dto.model,
      choices: [
        { index: 0, message: { role: 'assistant', content: answer.text }, finish_reason: 'stop', logprobs: null },
      ],
      usage: {
        prompt_tokens: answer.usage.prompt_tokens,
        completion_tokens: answer.usage.completion_tokens,
        total_tokens: answer.usage.prompt_tokens + answer.usage.completion_tokens,
      },
      // Beyond OpenAI's format: what the [n] markers refer to. Clients ignore unknown fields.
      sources: answer.sources,
      system_fingerprint: answer.model,
    };
  }

  async completionChunks(
    auth: Principal,
    dto: ChatCompletionRequestDto,
    signal: AbortSignal,
  ): Promise<AsyncIterable<SseEvent>> {
    let stream: Awaited<ReturnType<Answerer['answerStream']>>;
    try {
      stream = await this.answerer.answerStream(await this.conversation(auth, dto), signal);
    } catch (error) {
      this.outcomes.record('openai', error);
      throw error;
    }
    const id = completionId();
    const created = Math.floor(Date.now() / 1000);
    const chunk = (
      delta: Record<string, unknown>,
      finish: string | null,
      extra: Record<string, unknown> = {},
    ): SseEvent => ({
      data: {
        id,
        object: 'chat.completion.chunk',
        created,
        model: dto.model,
        choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
        ...extra,
      },
    });
    const outcomes = this.outcomes;
    const includeUsage = dto.stream_options?.include_usage === true;
    return {
      async *[Symbol.asyncIterator]() {
        yield chunk({ role: 'assistant', content: '' }, null);
        try {
          for await (const delta of stream.deltas) yield chunk({ content: delta }, null);
        } catch (error) {
          outcomes.record('openai', error);
          if (error instanceof LlmAbortedError) return;
          const message = error instanceof Error ? error.message : 'Internal server error';
          // OpenAI's own streams report a failure mid-stream as an error object.
          yield { data: { error: { message, type: 'upstream_error' } } };
          return;
        }
        outcomes.record('openai');
        const answer = stream.answer();
        yield chunk({}, 'stop');
        if (includeUsage) {
          yield {
            data: {
              id,
              object: 'chat.completion.chunk',
              created,
              model: dto.model,
              choices: [],
              usage: {
                prompt_tokens: answer.usage.prompt_tokens,
                completion_tokens: answer.usage.completion_tokens,
                total_tokens: answer.usage.prompt_tokens + answer.usage.completion_tokens,
              },
            },
          };
        }
        yield { data: '[DONE]' };
      },
    };
  }

  /** The notebook the model names (checked for access), the last user message, the turns before it. */
  private async conversation(auth: Principal, dto: ChatCompletionRequestDto): Promise<Conversation> {
    const notebooks = await this.access.requireMany(auth, [notebookOf(dto)], 'chat');
    const messages = turnsOf(dto.messages);
    const lastUser = messages.findLastIndex((m) => m.role === 'user');
    if (lastUser < 0) throw new BadRequestException('messages must contain a user message');
    return {
      notebooks,
      question: messages[lastUser].content,
      history: historyWindow(messages.slice(0, lastUser), this.config.chat.historyTokens),
    };
  }
}

const completionId = (): string => `chatcmpl-${randomBytes(12).toString('hex')}`;

function notebookOf(dto: ChatCompletionRequestDto): string {
  return NOTEBOOK_MODEL.exec(dto.model)![1].toLowerCase();
}

/** User and assistant turns with their text; system prompts are Folio's own and stay so. */
function turnsOf(messages: readonly OpenAiMessageDto[]): HistoryTurn[] {
  return messages
    .filter((m): m is OpenAiMessageDto & { role: 'user' | 'assistant' } => m.role === 'user' || m.role === 'assistant')
    .map((m) => ({ role: m.role, content: textOf(m.content) }))
    .filter((m) => m.content.length > 0);
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((part: unknown) => (isTextPart(part) ? part.text : '')).join('\n');
  }
  return '';
}

function isTextPart(part: unknown): part is { type: 'text'; text: string } {
  return (
    typeof part === 'object' &&
    part !== null &&
    (part as { type?: unknown }).type === 'text' &&
    typeof (part as { text?: unknown }).text === 'string'
  );
}
