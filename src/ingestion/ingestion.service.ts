import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { ChunksService, WRITE_BATCH_MS } from '../chunks/chunks.service';
import { inTimedBatches, inTimedSteps } from '../common/async';
import { uuidv7 } from '../common/uuid';
import { Coalescer } from '../common/coalescer';
import { errorMessage } from '../common/errors';
import { RepeatFilter } from '../common/repeat-filter';
import { type AppConfig } from '../config/app-config';
import { InjectConfig } from '../config/config.module';
import { EmbeddingProvider, toPgVector } from '../embeddings/embedding-provider';
import { LocalEmbeddingProvider, olderLocalModels } from '../embeddings/local-embedding.provider';
import { EmbeddingDimensionError } from '../embeddings/openai-embedding.provider';
import { type JobContext, JobCancelledError, PermanentJobError } from '../queue/job.types';
import { UnitOfWork } from '../database/unit-of-work';
import { EmbeddedStores } from '../embeddings/embedded-stores';
import { type SourceStatus } from '../sources/source.entity';
import { SourcesService } from '../sources/sources.service';
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

/** A pending chunk write older than this was abandoned (its process died). */
const ABANDONED_WRITE_MS = 3_600_000;

/** Share of the progress bar each stage ends at. */
const PROGRESS = { parsing: 5, chunking: 20, embedding: 25, storing: 92 } as const;

/**
 * One source through the pipeline: parse → chunk → embed → store. Chunks are stored in batches
 * under a write id and stay invisible until the write is committed in one short transaction that
 * locks the source row and checks it is still at this job's revision — so a failed, cancelled,
 * retried or superseded job never shows partial or duplicate chunks, and the chunks a source had
 * before are replaced at once.
 */
@Injectable()
export class IngestionService implements OnModuleInit {
  private readonly logger = new Logger(IngestionService.name);
  private readonly repeats = new RepeatFilter();

  constructor(
    private readonly uow: UnitOfWork,
    private readonly sources: SourcesService,
    private readonly chunks: ChunksService,
    private readonly storage: BlobStorage,
    private readonly embeddings: EmbeddingProvider,
    private readonly preparer: DocumentPreparer,
    private readonly stores: EmbeddedStores,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  async ingest(sourceId: string, revision: number, context: JobContext): Promise<IngestResult> {
    const source = await this.sources.findForIngestion(sourceId);
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
      (error) => {
        this.repeats.warn(this.logger, `could not record the source stage: ${errorMessage(error)}`);
      },
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
        source.createdBy ?? undefined,
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

      // Chunks go in batches, each its own short statement, invisible until the write is
      // committed in one short transaction: a large source never holds the database for long.
      await stage('storing', PROGRESS.storing, { stored: 0, chunks: drafts.length });
      const write = { id: uuidv7(), sourceId, notebookId: source.notebookId, model: this.embeddings.id };
      await this.chunks.beginWrite(sourceId, write.id);
      const tokens = drafts.reduce((n, c) => n + c.tokenCount, 0);
      let stored: boolean;
      try {
        const rows = drafts.map((c, i) => ({ ...c, embedding: embeddings[i] }));
        await inTimedBatches(
          rows,
          async (batch, done) => {
            await this.chunks.insertBatch(write, batch);
            const progress = PROGRESS.storing + Math.floor(((99 - PROGRESS.storing) * done) / drafts.length);
            await stage('storing', progress, { stored: done, chunks: drafts.length });
          },
          { targetMs: WRITE_BATCH_MS, initial: 10, max: 1000 },
        );
        await stageWriter.close();
        await this.sources.saveText(sourceId, revision, prepared.text);
        // One unit of work: the chunks become the source's, it is ready, and what builds on ready
        // sources (the summary job) is recorded — all or nothing.
        stored = await this.uow.transaction(async () => {
          if (!(await this.sources.lockAtRevision(sourceId, revision))) return false;
          // False when another attempt at this revision retired this write: that attempt stores it.
          if (!(await this.chunks.commitWrite(sourceId, write.id, drafts.length))) return false;
          await this.sources.markReady(
            { id: sourceId, revision, notebookId: source.notebookId },
            { chunkCount: drafts.length, tokenCount: tokens, pageCount: prepared.pageCount },
          );
          return true;
        });
      } catch (error) {
        await this.chunks.retireWrite(write.id).catch(() => undefined);
        throw error;
      }
      if (!stored) await this.chunks.retireWrite(write.id);
      // What this write replaced (or, superseded, the write itself) is deleted in batches now.
      await this.chunks.purgeRetired({ sourceId });
      if (!stored) return { skipped: 'superseded by a newer revision' };
      // The source is searchable now; its summary tree follows in the background.
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

  /**
   * Deletes the rows of retired chunk writes, and of pending ones older than an hour: their
   * process died mid-write (a live write takes seconds; its commit then fails and it retries).
   */
  async purgeAbandonedWrites(): Promise<{ deleted: number }> {
    const deleted = await this.chunks.purgeRetired({ abandonedBefore: new Date(Date.now() - ABANDONED_WRITE_MS) });
    if (deleted > 0) this.logger.log(`deleted ${deleted} chunk(s) of retired or abandoned writes`);
    return { deleted };
  }

  /**
   * After an upgrade that changed the local provider (its version is part of the model id stored
   * with every vector), re-embeds in place the chunks and summary nodes an older version made, so
   * search finds them again without re-ingesting anything: the local embedding of a chunk depends
   * only on its stored text and heading path. Runs at every start; which models are stored is read
   * from an index, so with nothing to do it costs two index probes per model. The rows of an older
   * model are walked in key order in batches of about WRITE_BATCH_MS, locked per batch, so
   * instances starting together share the work. Until a row is re-embedded search does not see
   * it, as after any model change. Other providers: nothing to do (a change of model is
   * `npm run reindex`).
   */
  async reembedLocal(context: JobContext): Promise<Record<string, number>> {
    const provider = this.embeddings;
    const counts: Record<string, number> = {};
    for (const store of this.stores.all()) counts[store.name] = 0;
    if (!(provider instanceof LocalEmbeddingProvider)) return counts;
    for (const store of this.stores.all()) {
      for (const from of olderLocalModels(await store.embeddingModels(), provider)) {
        let after: string | null = null;
        counts[store.name] += await inTimedSteps(
          async (limit) => {
            const { last, count } = await store.reembedBatch(provider, from, { after, limit });
            after = last;
            return count;
          },
          { targetMs: WRITE_BATCH_MS, initial: 20, max: 1000, signal: context.signal },
        );
      }
    }
    const done = Object.entries(counts).filter(([, n]) => n > 0);
    if (done.length > 0) {
      this.logger.log(`re-embedded ${done.map(([name, n]) => `${n} ${name}`).join(' and ')} with ${provider.id}`);
    }
    return counts;
  }

  /** The chunk store's re-embedding (see {@link reembedLocal}): from each chunk's text and heading path. */
  onModuleInit(): void {
    this.stores.register({
      name: 'chunks',
      embeddingModels: () => this.chunks.embeddingModels(),
      reembedBatch: (provider, from, page) =>
        this.chunks.reembedBatch({ from, to: provider.id }, page, (rows) =>
          rows.map((row) => toPgVector(provider.embedOne(embeddingInput(row)))),
        ),
    });
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
