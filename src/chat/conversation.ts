import { type HistoryTurn } from '../llm/chat-model';
import { tokenizer } from '../text/tokenizer';
import { type NotebookRow } from '../notebooks/notebook-row';
import { type ChatSourceDto, type QueryResponseDto } from './dto/chat.dto';

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

export interface Answer {
  text: string;
  sources: ChatSourceDto[];
  model: string;
  usage: { prompt_tokens: number; completion_tokens: number };
  timings: { retrieval_ms: number; llm_ms: number; total_ms: number };
}

/** A streamed answer: the retrieved sources (known before the model starts), then deltas. */
export interface AnswerStream {
  sources: ChatSourceDto[];
  retrievalMs: number;
  deltas: AsyncIterable<string>;
  /** Available once `deltas` is exhausted. */
  answer(): Answer;
}

/** The newest messages that fit `tokens` (CHAT_HISTORY_TOKENS), oldest first. */
export function historyWindow(
  messages: readonly { role: 'user' | 'assistant'; content: string }[],
  tokens: number,
): HistoryTurn[] {
  let budget = tokens;
  const kept: HistoryTurn[] = [];
  for (let i = messages.length - 1; i >= 0; i--) {
    budget -= tokenizer.count(messages[i].content);
    if (budget < 0) break;
    kept.push({ role: messages[i].role, content: messages[i].content });
  }
  return kept.reverse();
}

/** The notebooks a request names, by `notebook_id` and/or `notebook_ids`. */
export function requestedNotebooks(dto: { notebook_id?: string; notebook_ids?: string[] }): string[] {
  return [...(dto.notebook_id ? [dto.notebook_id] : []), ...(dto.notebook_ids ?? [])];
}

export function toQueryResponse(answer: Answer): QueryResponseDto {
  return {
    answer: answer.text,
    sources: answer.sources,
    model: answer.model,
    usage: answer.usage,
    timings: answer.timings,
  };
}
