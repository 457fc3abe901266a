import { BadGatewayException, GatewayTimeoutException, HttpException } from '@nestjs/common';

/** One numbered passage given to the model; the answer cites it as `[index]`. */
export interface Passage {
  index: number;
  title: string;
  text: string;
}

export interface HistoryTurn {
  role: 'user' | 'assistant';
  content: string;
}

/** What the model is asked: the prompt is built from this by each provider as it needs. */
export interface AnswerRequest {
  question: string;
  /**
   * The question made standalone for retrieval (a follow-up with the words of the one before it).
   * The extractive answerer picks sentences by it; LLMs read the history instead.
   */
  standaloneQuestion?: string;
  passages: readonly Passage[];
  history: readonly HistoryTurn[];
  signal?: AbortSignal;
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
}

export interface AnswerResult {
  text: string;
  usage: TokenUsage;
  model: string;
}

/** Deltas of a streamed answer, then its result (usage and model) once the stream ends. */
export interface AnswerStream extends AsyncIterable<string> {
  result(): AnswerResult;
}

/**
 * The language model behind chat, query and summaries: OpenAI-compatible chat completions, or
 * the built-in extractive answerer when no key is configured.
 */
export abstract class ChatModel {
  /** Model name reported in answers and metrics (`gpt-4o-mini`, `local-extractive`). */
  abstract readonly model: string;
  abstract answer(request: AnswerRequest): Promise<AnswerResult>;
  abstract stream(request: AnswerRequest): AnswerStream;
  /** A short summary of related passages (RAPTOR tree nodes). */
  abstract summarize(texts: readonly string[], signal?: AbortSignal): Promise<AnswerResult>;
  /** Rewrites a follow-up question into a standalone one (optional condensation call). */
  abstract condense(history: readonly HistoryTurn[], question: string, signal?: AbortSignal): Promise<AnswerResult>;
}

/** The model's service answered with an error, or could not be reached → 502. */
export class LlmUpstreamError extends BadGatewayException {
  constructor(detail: string) {
    super(`The language model service failed: ${detail}`);
  }
}

/** The model's service did not answer in time → 504. */
export class LlmTimeoutError extends GatewayTimeoutException {
  constructor(timeoutMs: number) {
    super(`The language model service did not answer within ${timeoutMs} ms`);
  }
}

/**
 * The caller went away (client disconnected): nothing to report to anyone, just stop. 499 is
 * nginx's "client closed request"; no client ever receives it.
 */
export class LlmAbortedError extends HttpException {
  constructor() {
    super('The request was cancelled by the client', 499);
  }
}
