import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { ChunksRepository } from '../chunks/chunks.repository';
import { Coalescer } from '../common/coalescer';
import { type AppConfig } from '../config/app-config';
import { InjectConfig } from '../config/config.module';
import { EmbeddingProvider, toPgVector } from '../embeddings/embedding-provider';
import { LocalEmbeddingProvider } from '../embeddings/local-embedding.provider';
import { EmbeddingDimensionError } from '../embeddings/openai-embedding.provider';
import { type JobContext, JobCancelledError, PermanentJobError } from '../queue/job.types';
import { SummariesService } from '../summaries/summaries.service';
import { type SourceStatus } from '../sources/source.entity';
import { SourcesRepository } from '../sources/sources.repository';
import { BlobStorage } from '../storage/blob-storage';
import { type DraftChunk } from './chunking/chunker';
import { UnprocessableDocumentError } from './document';
import { DocumentPreparer } from './processing/document-preparer';
import { embeddingInput } from './processing/prepare-document';

export interface IngestResult {
  [key: string]: unknown;
  chunks?: number;
  tokens?: number;
  skipped?: string;
}

/** Share of the progress bar each stage ends at. */
const PROGRESS = { parsing: 5, chunking: 20, embedding: 25, storing: 92 } as const;

/**
 * One source through the pipeline: parse → chunk → embed → store. Nothing is written until the
 * last step, which replaces the source's chunks in a single transaction after locking the source
 * row and checking it is still at this job's revision — so a failed, cancelled, retried or
 * superseded job never leaves partial or duplicate chunks, and work on one source is serialised.
 */
@Injectable()
export class IngestionService {
  private readonly logger = new Logger(IngestionService.name);

  constructor(
    private readonly em: EntityManager,
    private readonly sources: SourcesRepository,
    private readonly chunks: ChunksRepository,
    private readonly storage: BlobStorage,
    private readonly embeddings: EmbeddingProvider,
    private readonly preparer: DocumentPreparer,
    private readonly summaries: SummariesService,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  async ingest(sourceId: string, revision: number, context: JobContext): Promise<IngestResult> {
    const source = await this.sources.findById(sourceId);
    if (!source) return { skipped: 'the source was deleted' };
    if (source.revision !== revision) return { skipped: 'superseded by a newer revision' };

    // The source's stage is stored like job progress: at most once per interval, never after the
    // outcome (the writer is closed first). A write that finds another revision means superseded.
    let superseded = false;
    const stageWriter = new Coalescer<{ status: SourceStatus; progress: number }>(
      this.config.jobs.progressIntervalMs,
      async ({ status, progress }) => {
        if (!(await this.sources.setStage(sourceId, revision, status, progress))) superseded = true;
      },
      (error) => this.logger.warn({ err: error }, 'could not record the source stage'),
    );
    const stage = async (status: SourceStatus, progress: number, detail?: Record<string, unknown>): Promise<void> => {
      await stageWriter.push({ status, progress });
      if (superseded) throw new PermanentJobError('superseded: the source was deleted or re-indexed');
      await context.progress(progress, { stage: status, ...detail });
    };

    try {
      await stage('parsing', PROGRESS.parsing);
      const data = await this.storage.get(source.storageKey);
      const local = this.embeddings instanceof LocalEmbeddingProvider;
      // Stages entered inside the worker are reported from here; the first failure stops the job.
      let reported: Promise<void> = Promise.resolve();
      const prepared = await this.preparer.prepare(
        {
          format: source.format,
          data,
          language: source.language,
          chunking: this.config.chunking,
          localEmbeddingDimensions: local ? this.embeddings.dimensions : undefined,
        },
        context.signal,
        (event) => {
          reported = reported.then(() =>
            event.stage === 'chunking'
              ? stage('chunking', PROGRESS.chunking)
              : stage('embedding', PROGRESS.embedding, { done: 0, total: event.total }),
          );
          reported.catch(() => undefined); // awaited below; handled here so it is never "unhandled"
        },
      );
      await reported;
      const drafts = prepared.chunks;

      let embeddings = prepared.embeddings;
      if (!embeddings) {
        await stage('embedding', PROGRESS.embedding, { done: 0, total: drafts.length });
        const vectors = await this.embed(drafts, context, async (done) => {
          const progress =
            PROGRESS.embedding + Math.floor(((PROGRESS.storing - PROGRESS.embedding) * done) / drafts.length);
          await stage('embedding', progress, { done, total: drafts.length });
        });
        embeddings = vectors.map(toPgVector);
      }

      await stage('storing', PROGRESS.storing, { chunks: drafts.length });
      await stageWriter.close();
      const tokens = drafts.reduce((n, c) => n + c.tokenCount, 0);
      let dispatchSummaries: (() => Promise<void>) | undefined;
      const stored = await this.em.fork().transactional(async (em) => {
        const locked = await this.sources.lockAtRevision(em, sourceId, revision);
        if (!locked) return false;
        await this.chunks.replaceForSource(
          em,
          sourceId,
          locked.notebook_id,
          this.embeddings.id,
          drafts.map((c, i) => ({ ...c, embedding: embeddings[i] })),
        );
        await this.sources.markReady(em, sourceId, {
          chunkCount: drafts.length,
          tokenCount: tokens,
          pageCount: prepared.pageCount,
          text: prepared.text,
        });
        dispatchSummaries = await this.summaries.recordForSource(em, sourceId, revision);
        return true;
      });
      if (!stored) return { skipped: 'superseded by a newer revision' };
      // The source is searchable now; its summary tree follows in the background.
      await dispatchSummaries?.();
      await context.progress(100, { stage: 'ready', chunks: drafts.length });
      return { chunks: drafts.length, tokens };
    } catch (error) {
      await stageWriter.close();
      await this.recordFailure(sourceId, revision, context, error);
      if (error instanceof UnprocessableDocumentError || error instanceof EmbeddingDimensionError) {
        throw new PermanentJobError(error.message);
      }
      throw error;
    }
  }

  /** Embeds chunks in batches, reporting progress between batches (which also notices cancellation). */
  private async embed(
    drafts: DraftChunk[],
    context: JobContext,
    onBatch: (done: number) => Promise<void>,
  ): Promise<Float32Array[]> {
    const vectors: Float32Array[] = [];
    const batch = this.config.embeddings.batchSize;
    for (let i = 0; i < drafts.length; i += batch) {
      const slice = drafts.slice(i, i + batch);
      vectors.push(...(await this.embeddings.embed(slice.map(embeddingInput), context.signal)));
      if (context.signal.aborted) throw new JobCancelledError();
      await onBatch(Math.min(drafts.length, i + batch));
    }
    return vectors;
  }

  private async recordFailure(sourceId: string, revision: number, context: JobContext, error: unknown): Promise<void> {
    if (error instanceof JobCancelledError || context.signal.aborted) {
      await this.sources.setStage(sourceId, revision, 'cancelled', 0, 'ingestion was cancelled');
      return;
    }
    const permanent =
      error instanceof UnprocessableDocumentError ||
      error instanceof EmbeddingDimensionError ||
      error instanceof PermanentJobError;
    const message = error instanceof Error ? error.message : String(error);
    if (permanent || context.attempt >= context.maxAttempts) {
      await this.sources.setStage(sourceId, revision, 'failed', 0, message);
    } else {
      await this.sources.setStage(
        sourceId,
        revision,
        'queued',
        0,
        `attempt ${context.attempt} failed, retrying: ${message}`,
      );
    }
  }
}
