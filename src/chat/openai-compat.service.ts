import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { type Principal } from '../access/principal';
import { type HistoryTurn, LlmAbortedError } from '../llm/chat-model';
import { NotebooksService } from '../notebooks/notebooks.service';
import { type SseEvent } from '../http/sse';
import { ChatService } from './chat.service';
import {
  type ChatCompletionRequestDto,
  type ModelListDto,
  NOTEBOOK_MODEL,
  type OpenAiMessageDto,
} from './dto/openai.dto';

const MAX_MODELS = 1000;

/** Maps OpenAI's chat-completions format onto Folio's stateless answer path. */
@Injectable()
export class OpenAiCompatService {
  constructor(
    private readonly chat: ChatService,
    private readonly notebooks: NotebooksService,
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
    const answer = await this.chat.statelessAnswer(auth, notebookOf(dto), turnsOf(dto.messages), signal);
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
    const stream = await this.chat.statelessStream(auth, notebookOf(dto), turnsOf(dto.messages), signal);
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
    const chat = this.chat;
    const includeUsage = dto.stream_options?.include_usage === true;
    return {
      async *[Symbol.asyncIterator]() {
        yield chunk({ role: 'assistant', content: '' }, null);
        try {
          for await (const delta of stream.deltas) yield chunk({ content: delta }, null);
        } catch (error) {
          chat.recordOutcome('openai', error);
          if (error instanceof LlmAbortedError) return;
          const message = error instanceof Error ? error.message : 'Internal server error';
          // OpenAI's own streams report a failure mid-stream as an error object.
          yield { data: { error: { message, type: 'upstream_error' } } };
          return;
        }
        chat.recordOutcome('openai');
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
