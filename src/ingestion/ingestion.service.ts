import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { ChunksRepository } from '../chunks/chunks.repository';
import { type AppConfig } from '../config/app-config';
import { InjectConfig } from '../config/config.module';
import { EmbeddingProvider, toPgVector } from '../embeddings/embedding-provider';
import { EmbeddingDimensionError } from '../embeddings/openai-embedding.provider';
import { type JobContext, JobCancelledError, PermanentJobError } from '../queue/job.types';
import { type SourceStatus } from '../sources/source.entity';
import { SourcesRepository } from '../sources/sources.repository';
import { BlobStorage } from '../storage/blob-storage';
import { chunkBlocks, type DraftChunk } from './chunking/chunker';
import { UnprocessableDocumentError } from './document';
import { parseDocument } from './parsers';

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
  constructor(
    private readonly em: EntityManager,
    private readonly sources: SourcesRepository,
    private readonly chunks: ChunksRepository,
    private readonly storage: BlobStorage,
    private readonly embeddings: EmbeddingProvider,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  async ingest(sourceId: string, revision: number, context: JobContext): Promise<IngestResult> {
    const source = await this.sources.findById(sourceId);
    if (!source) return { skipped: 'the source was deleted' };
    if (source.revision !== revision) return { skipped: 'superseded by a newer revision' };

    const stage = async (status: SourceStatus, progress: number, detail?: Record<string, unknown>): Promise<void> => {
      if (!(await this.sources.setStage(sourceId, revision, status, progress))) {
        throw new PermanentJobError('superseded: the source was deleted or re-indexed');
      }
      await context.progress(progress, { stage: status, ...detail });
    };

    try {
      await stage('parsing', PROGRESS.parsing);
      const data = await this.storage.get(source.storageKey);
      const document = await parseDocument(source.format, data, source.language);

      await stage('chunking', PROGRESS.chunking);
      const drafts = chunkBlocks(document.blocks, this.config.chunking);

      await stage('embedding', PROGRESS.embedding, { done: 0, total: drafts.length });
      const vectors = await this.embed(drafts, context, async (done) => {
        const progress =
          PROGRESS.embedding + Math.floor(((PROGRESS.storing - PROGRESS.embedding) * done) / drafts.length);
        await stage('embedding', progress, { done, total: drafts.length });
      });

      await stage('storing', PROGRESS.storing, { chunks: drafts.length });
      const tokens = drafts.reduce((n, c) => n + c.tokenCount, 0);
      const stored = await this.em.fork().transactional(async (em) => {
        const locked = await this.sources.lockAtRevision(em, sourceId, revision);
        if (!locked) return false;
        await this.chunks.replaceForSource(
          em,
          sourceId,
          locked.notebook_id,
          this.embeddings.id,
          drafts.map((c, i) => ({ ...c, embedding: toPgVector(vectors[i]) })),
        );
        await this.sources.markReady(em, sourceId, {
          chunkCount: drafts.length,
          tokenCount: tokens,
          pageCount: document.pageCount ?? null,
          text: document.text,
        });
        return true;
      });
      if (!stored) return { skipped: 'superseded by a newer revision' };
      await context.progress(100, { stage: 'ready', chunks: drafts.length });
      return { chunks: drafts.length, tokens };
    } catch (error) {
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

/** The chunk as the embedding model sees it: with its heading path, so sections keep their context. */
export function embeddingInput(chunk: Pick<DraftChunk, 'text' | 'position'>): string {
  const path = chunk.position.headingPath;
  return path && path.length > 0 ? `${path.join(' › ')}\n${chunk.text}` : chunk.text;
}
