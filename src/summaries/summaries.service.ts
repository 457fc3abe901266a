import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { type AppConfig } from '../config/app-config';
import { InjectConfig } from '../config/config.module';
import { EmbeddingProvider, toPgVector } from '../embeddings/embedding-provider';
import { EmbeddedStores } from '../embeddings/embedded-stores';
import { tokenizer } from '../text/tokenizer';
import { ChatModel } from '../llm/chat-model';
import { observeLlmCall } from '../llm/llm-metrics';
import { MetricsService } from '../metrics/metrics.service';
import { type JobContext, JobName, QueueName } from '../queue/job.types';
import { JobsService } from '../queue/jobs.service';
import { SourceEvents, type SourceReady } from '../sources/source-events';
import { cluster, parseVector } from './clustering';
import { cooperative } from '../common/async';
import { uuidv7 } from '../common/uuid';
import { type NewSummary, SummariesRepository, type TreeInput } from './summaries.repository';

/** Longest a summary job waits for ingestion to go quiet before it runs anyway. */
const INGESTION_WAIT_MS = 10 * 60_000;

/** Text of one cluster given to the summariser, in tokens (the rest of a long cluster is cut). */
const CLUSTER_INPUT_TOKENS = 6000;

export interface SummaryResult {
  [key: string]: unknown;
  nodes?: number;
  levels?: number;
  skipped?: string;
}

/**
 * RAPTOR summary trees. Per source: cluster its chunk embeddings, summarise each cluster, embed
 * the summaries, and repeat on them up to one root. Per notebook: the same over its sources'
 * roots, up to a notebook root. Both run as background jobs after a source is ready (they never
 * hold up search) and are incremental: adding or removing a source rebuilds that source's tree
 * and the notebook's few top nodes, never the other sources' trees.
 */
@Injectable()
export class SummariesService implements OnModuleInit {
  private readonly logger = new Logger(SummariesService.name);

  constructor(
    private readonly repository: SummariesRepository,
    private readonly embeddings: EmbeddingProvider,
    private readonly model: ChatModel,
    private readonly jobs: JobsService,
    private readonly metrics: MetricsService,
    private readonly sourceEvents: SourceEvents,
    private readonly stores: EmbeddedStores,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  /** Summaries follow their sources: they hear when one is ready or removed, and keep a vector store. */
  onModuleInit(): void {
    this.sourceEvents.onReady((event) => this.sourceReady(event));
    this.sourceEvents.onRemoved(({ notebookId }) => this.sourceRemoved(notebookId));
    this.stores.register({
      name: 'summaries',
      embeddingModels: () => this.repository.embeddingModels(),
      // Summary nodes are embedded from their text alone.
      reembedBatch: (provider, from, page) =>
        this.repository.reembedBatch({ from, to: provider.id }, page, (rows) =>
          rows.map((row) => toPgVector(provider.embedOne(row.text))),
        ),
    });
  }

  /**
   * Records the summary job of a freshly stored source in the unit of work that made it ready (so
   * it exists exactly if the chunks were committed); it is queued once that work commits.
   */
  private async sourceReady({ sourceId, revision }: SourceReady): Promise<void> {
    if (!this.config.summaries.enabled) return;
    await this.jobs.enqueueMany(JobName.SummarizeSource, [
      { key: `${sourceId}:${revision}`, payload: { sourceId, revision } },
    ]);
  }

  /** After a source left a notebook: its tree went with it (cascade); the notebook's top changes. */
  private async sourceRemoved(notebookId: string): Promise<void> {
    if (!this.config.summaries.enabled) return;
    await this.scheduleNotebook(notebookId);
  }

  /**
   * Rebuilds the notebook level once per SUMMARY_NOTEBOOK_DEBOUNCE_MS window, at its end: every
   * change in a window maps to the same job id (so it is enqueued once) and the job, running after
   * the window, sees all of them. Without this a bulk upload rebuilt the notebook level once per
   * source — quadratic work that halved ingestion throughput (bench:ingest, 526 pages).
   */
  private async scheduleNotebook(notebookId: string): Promise<void> {
    const window = this.config.summaries.notebookDebounceMs;
    const now = Date.now();
    const bucket = window > 0 ? Math.floor(now / window) : now;
    const delayMs = window > 0 ? (bucket + 1) * window - now : 0;
    await this.jobs.enqueue(JobName.SummarizeNotebook, `${notebookId}:${bucket}`, { notebookId }, { delayMs });
  }

  async buildForSource(sourceId: string, revision: number, context: JobContext): Promise<SummaryResult> {
    // Summaries are for later; making sources searchable is for now. During a bulk upload this
    // waits (idle) until ingestion is done: competing for the CPU it slowed ingestion by 40%.
    await this.jobs.waitUntilIdle(QueueName.Ingestion, { signal: context.signal, maxWaitMs: INGESTION_WAIT_MS });
    const source = await this.repository.readySource(sourceId, revision);
    if (!source) return { skipped: 'the source is gone, not ready, or at another revision' };
    const chunks = await this.repository.chunksOf(sourceId, this.embeddings.id);
    const nodes = await this.buildTree(chunks, context);
    const stored = await this.repository.replaceForSource(
      sourceId,
      revision,
      source.notebook_id,
      this.embeddings.id,
      nodes,
    );
    if (!stored) return { skipped: 'superseded by a newer revision' };
    await this.scheduleNotebook(source.notebook_id);
    return { nodes: nodes.length, levels: nodes.at(-1)?.level ?? 0 };
  }

  async buildForNotebook(notebookId: string, context: JobContext): Promise<SummaryResult> {
    const roots = await this.repository.sourceRoots(notebookId, this.embeddings.id);
    const nodes = await this.buildTree(roots, context);
    await this.repository.replaceForNotebook(notebookId, this.embeddings.id, nodes);
    return { nodes: nodes.length, sources: roots.length };
  }

  /** Levels of summaries over `inputs` until one node remains (at least one level). */
  private async buildTree(inputs: readonly TreeInput[], context: JobContext): Promise<NewSummary[]> {
    const out: NewSummary[] = [];
    // Runs on the event loop (with the local models, all of it is CPU work): it yields every few
    // milliseconds, so a large source's tree never stalls the requests this instance serves.
    const pause = cooperative();
    let current = inputs.map((i) => ({ id: i.id, text: i.text, vector: parseVector(i.embedding) }));
    if (current.length === 0) return out;
    let level = 1;
    do {
      const groups = await cluster(
        current.map((c) => c.vector),
        this.config.summaries.clusterSize,
        pause,
      );
      const texts: string[] = [];
      for (const group of groups) {
        texts.push(
          (
            await this.summarize(
              group.map((i) => current[i].text),
              context,
            )
          ).text,
        );
        await pause();
      }
      const vectors: Float32Array[] = [];
      for (let i = 0; i < texts.length; i += this.config.embeddings.batchSize) {
        vectors.push(
          ...(await this.embeddings.embed(texts.slice(i, i + this.config.embeddings.batchSize), context.signal)),
        );
        await pause();
      }
      current = groups.map((group, i) => {
        const node: NewSummary = {
          id: uuidv7(),
          level,
          ordinal: i,
          text: texts[i],
          tokenCount: tokenizer.count(texts[i]),
          childIds: group.map((m) => current[m].id),
          embedding: toPgVector(vectors[i]),
          model: this.model.model,
        };
        out.push(node);
        return { id: node.id, text: node.text, vector: vectors[i] };
      });
      await context.progress(Math.min(95, level * 20), { level, nodes: current.length });
      level++;
    } while (current.length > 1);
    return out;
  }

  private async summarize(texts: readonly string[], context: JobContext): Promise<{ text: string }> {
    let budget = CLUSTER_INPUT_TOKENS;
    const kept: string[] = [];
    for (const text of texts) {
      if (budget <= 0) break;
      const tokens = tokenizer.count(text);
      kept.push(tokens <= budget ? text : tokenizer.head(text, budget));
      budget -= tokens;
    }
    const started = performance.now();
    try {
      const result = await this.model.summarize(kept, context.signal);
      const ms = performance.now() - started;
      observeLlmCall(this.metrics, { model: result.model, purpose: 'summary', outcome: 'ok', ms, usage: result.usage });
      return result;
    } catch (error) {
      const ms = performance.now() - started;
      observeLlmCall(this.metrics, { model: this.model.model, purpose: 'summary', outcome: 'error', ms });
      this.logger.warn(`summarising a cluster failed: ${(error as Error).message}`);
      throw error;
    }
  }
}
