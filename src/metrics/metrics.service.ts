import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * One Prometheus registry per application instance (not prom-client's global one), so several
 * apps in one process — as in tests — never collide. Feature modules register their metrics on
 * {@link MetricsService.registry}.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly httpRequestDuration = new Histogram({
    name: 'folio_http_request_duration_seconds',
    help: 'HTTP request duration by method, route template and status code',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly jobsTotal = new Counter({
    name: 'folio_jobs_total',
    help: 'Job attempts finished, by queue, job name and outcome (completed, retry, failed, cancelled, released)',
    labelNames: ['queue', 'name', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly jobsDelivered = new Counter({
    name: 'folio_jobs_delivered_total',
    help: 'Jobs handed from the outbox (their database record) to the queue transport',
    registers: [this.registry],
  });

  readonly jobsReaped = new Counter({
    name: 'folio_jobs_reaped_total',
    help: 'Jobs taken back because the worker running them was lost (lease lapsed, or a previous process left them)',
    registers: [this.registry],
  });

  /** 1 while a dependency answers, 0 while it does not (as this instance sees it). */
  readonly dependencyUp = new Gauge({
    name: 'folio_dependency_up',
    help: 'Whether a dependency is reachable from this instance (1) or not (0), by dependency (redis)',
    labelNames: ['dependency'] as const,
    registers: [this.registry],
  });

  /** 1 while rate-limit counters are this instance's own because the shared store (Redis) is unreachable. */
  readonly rateLimitFallback = new Gauge({
    name: 'folio_rate_limit_fallback',
    help: 'Rate limits counted per instance (1) because Redis is unreachable, or shared across instances (0)',
    registers: [this.registry],
  });

  readonly jobDuration = new Histogram({
    name: 'folio_job_duration_seconds',
    help: 'Duration of job attempts by queue, job name and outcome',
    labelNames: ['queue', 'name', 'outcome'] as const,
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900],
    registers: [this.registry],
  });

  readonly retrievalDuration = new Histogram({
    name: 'folio_retrieval_duration_seconds',
    help: 'Hybrid retrieval duration (query embedding, search, fusion) by vector strategy (exact, hnsw)',
    labelNames: ['strategy'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });

  readonly llmDuration = new Histogram({
    name: 'folio_llm_duration_seconds',
    help: 'Duration of language-model calls by model, purpose (answer, summary, condense) and outcome',
    labelNames: ['model', 'purpose', 'outcome'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
    registers: [this.registry],
  });

  readonly llmTokens = new Counter({
    name: 'folio_llm_tokens_total',
    help: 'Tokens used by language-model calls, by model and kind (prompt, completion)',
    labelNames: ['model', 'kind'] as const,
    registers: [this.registry],
  });

  readonly chatRequests = new Counter({
    name: 'folio_chat_requests_total',
    help: 'Chat and query requests by endpoint (chat, stream, query, openai) and outcome (ok, client_error, upstream_error, timeout, cancelled, error)',
    labelNames: ['endpoint', 'outcome'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'folio_' });
  }

  contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
