import OpenAI from 'openai';
import { type ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import {
  type AnswerRequest,
  type AnswerResult,
  type AnswerStream,
  ChatModel,
  type HistoryTurn,
  LlmAbortedError,
  LlmTimeoutError,
  LlmUpstreamError,
} from './chat-model';
import { answerMessages, condenseMessages, type PromptMessage, summaryMessages } from './prompt';

export interface OpenAiChatOptions {
  model: string;
  temperature: number;
  maxTokens: number;
  /** Deadline of one answer, retries and streaming included. */
  timeoutMs: number;
}

/**
 * Chat completions through the `openai` SDK against OpenAI or any compatible server. The SDK
 * retries 429/5xx with backoff; one deadline covers the whole call, retries and stream included.
 * Failures become 502 (upstream error) or 504 (deadline), a caller's abort stops the HTTP request.
 */
export class OpenAiChatModel extends ChatModel {
  readonly model: string;

  constructor(
    private readonly client: OpenAI,
    private readonly options: OpenAiChatOptions,
  ) {
    super();
    this.model = options.model;
  }

  answer(request: AnswerRequest): Promise<AnswerResult> {
    return this.complete(answerMessages(request.question, request.passages, request.history), request.signal);
  }

  summarize(texts: readonly string[], signal?: AbortSignal): Promise<AnswerResult> {
    return this.complete(summaryMessages(texts), signal);
  }

  condense(history: readonly HistoryTurn[], question: string, signal?: AbortSignal): Promise<AnswerResult> {
    return this.complete(condenseMessages(history, question), signal);
  }

  stream(request: AnswerRequest): AnswerStream {
    let result: AnswerResult | undefined;
    const deltas = this.deltas(
      answerMessages(request.question, request.passages, request.history),
      request.signal,
      (r) => {
        result = r;
      },
    );
    return {
      result: () => {
        if (!result) throw new Error('the stream has not finished');
        return result;
      },
      [Symbol.asyncIterator]: () => deltas,
    };
  }

  private async *deltas(
    messages: PromptMessage[],
    callerSignal: AbortSignal | undefined,
    done: (result: AnswerResult) => void,
  ): AsyncGenerator<string> {
    const { signal, deadline, dispose } = this.deadline(callerSignal);
    let text = '';
    let usage = { promptTokens: 0, completionTokens: 0 };
    let model = this.model;
    try {
      const stream = await this.client.chat.completions.create(
        { ...this.params(messages), stream: true, stream_options: { include_usage: true } },
        { signal, timeout: this.options.timeoutMs },
      );
      for await (const chunk of stream) {
        if (chunk.model) model = chunk.model;
        if (chunk.usage) {
          usage = { promptTokens: chunk.usage.prompt_tokens, completionTokens: chunk.usage.completion_tokens };
        }
        const delta = chunk.choices[0]?.delta?.content;
        if (delta) {
          text += delta;
          yield delta;
        }
      }
      done({ text, usage, model });
    } catch (error) {
      throw this.translate(error, deadline, callerSignal);
    } finally {
      dispose();
    }
  }

  private async complete(messages: PromptMessage[], callerSignal?: AbortSignal): Promise<AnswerResult> {
    const { signal, deadline, dispose } = this.deadline(callerSignal);
    try {
      const response = await this.client.chat.completions.create(this.params(messages), {
        signal,
        timeout: this.options.timeoutMs,
      });
      const text = response.choices[0]?.message?.content ?? '';
      return {
        text,
        model: response.model || this.model,
        usage: {
          promptTokens: response.usage?.prompt_tokens ?? 0,
          completionTokens: response.usage?.completion_tokens ?? 0,
        },
      };
    } catch (error) {
      throw this.translate(error, deadline, callerSignal);
    } finally {
      dispose();
    }
  }

  private params(messages: PromptMessage[]): {
    model: string;
    messages: ChatCompletionMessageParam[];
    temperature: number;
    max_tokens: number;
  } {
    return {
      model: this.options.model,
      messages,
      temperature: this.options.temperature,
      max_tokens: this.options.maxTokens,
    };
  }

  private deadline(callerSignal?: AbortSignal): { signal: AbortSignal; deadline: AbortSignal; dispose: () => void } {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.options.timeoutMs);
    const signal = callerSignal ? AbortSignal.any([callerSignal, controller.signal]) : controller.signal;
    return { signal, deadline: controller.signal, dispose: () => clearTimeout(timer) };
  }

  private translate(error: unknown, deadline: AbortSignal, callerSignal?: AbortSignal): Error {
    if (callerSignal?.aborted) return new LlmAbortedError();
    if (deadline.aborted || error instanceof OpenAI.APIConnectionTimeoutError) {
      return new LlmTimeoutError(this.options.timeoutMs);
    }
    if (error instanceof OpenAI.APIError) {
      const status = error.status ? `HTTP ${error.status}` : 'connection failed';
      return new LlmUpstreamError(`${status}${error.message ? ` (${truncate(error.message)})` : ''}`);
    }
    return new LlmUpstreamError(error instanceof Error ? truncate(error.message) : 'unknown error');
  }
}

const truncate = (text: string): string => (text.length > 200 ? `${text.slice(0, 200)}…` : text);
