import { HttpException, Injectable } from '@nestjs/common';
import { LlmAbortedError, LlmTimeoutError, LlmUpstreamError } from '../llm/chat-model';
import { MetricsService } from '../metrics/metrics.service';
import { type ChatEndpoint } from './conversation';

/** Counts every chat request's outcome once, by endpoint (`folio_chat_requests_total`). */
@Injectable()
export class ChatOutcomes {
  constructor(private readonly metrics: MetricsService) {}

  /** Runs a request and counts how it ended. */
  async observe<T>(endpoint: ChatEndpoint, work: () => Promise<T>): Promise<T> {
    try {
      const result = await work();
      this.record(endpoint);
      return result;
    } catch (error) {
      this.record(endpoint, error);
      throw error;
    }
  }

  /** Counts an outcome: a streamed answer's once it has ended (its consumer calls this). */
  record(endpoint: ChatEndpoint, error?: unknown): void {
    this.metrics.chatRequests.inc({ endpoint, outcome: error === undefined ? 'ok' : outcomeOf(error) });
  }
}

export function outcomeOf(error: unknown): string {
  if (error instanceof LlmAbortedError) return 'cancelled';
  if (error instanceof LlmTimeoutError) return 'timeout';
  if (error instanceof LlmUpstreamError) return 'upstream_error';
  if (error instanceof HttpException && error.getStatus() < 500) return 'client_error';
  return 'error';
}
