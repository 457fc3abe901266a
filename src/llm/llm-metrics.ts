import { type MetricsService } from '../metrics/metrics.service';
import { type TokenUsage } from './chat-model';

/** Records one language-model call: its duration by outcome and, when it succeeded, its tokens. */
export function observeLlmCall(
  metrics: MetricsService,
  call: { model: string; purpose: string; outcome: string; ms: number; usage?: TokenUsage },
): void {
  metrics.llmDuration.observe({ model: call.model, purpose: call.purpose, outcome: call.outcome }, call.ms / 1000);
  if (call.usage) {
    metrics.llmTokens.inc({ model: call.model, kind: 'prompt' }, call.usage.promptTokens);
    metrics.llmTokens.inc({ model: call.model, kind: 'completion' }, call.usage.completionTokens);
  }
}
