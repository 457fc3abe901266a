import { Injectable } from '@nestjs/common';
import { type AppConfig } from '../config/app-config';
import { InjectConfig } from '../config/config.module';
import { type AnswerResult, ChatModel, type Passage } from '../llm/chat-model';
import { observeLlmCall } from '../llm/llm-metrics';
import { MetricsService } from '../metrics/metrics.service';
import { type RetrievalHit, RetrievalService } from '../retrieval/retrieval.service';
import { outcomeOf } from './chat-outcomes';
import { CitationStreamFilter, checkCitations } from './citations';
import { type Answer, type AnswerStream, type Conversation } from './conversation';
import { type ChatSourceDto } from './dto/chat.dto';
import { standaloneQuery } from './follow-up';

interface Retrieved {
  passages: Passage[];
  hits: RetrievalHit[];
  retrievalMs: number;
  started: number;
  /** What was retrieved with: the question, made standalone if it was a follow-up. */
  query: string;
}

/**
 * The one pattern every chat path shares (chat v2, its stream, the stateless query, the
 * OpenAI-compatible endpoint): one hybrid retrieval (chunks and RAPTOR summaries) and one LLM
 * call, never a chain of calls. Follow-ups are made standalone for retrieval by a local heuristic
 * (optionally an LLM condensation). Citations are checked against what was retrieved.
 */
@Injectable()
export class Answerer {
  constructor(
    private readonly retrieval: RetrievalService,
    private readonly model: ChatModel,
    private readonly metrics: MetricsService,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

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
