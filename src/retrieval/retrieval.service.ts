import { Injectable } from '@nestjs/common';
import { type Principal } from '../access/principal';
import { type AppConfig } from '../config/app-config';
import { InjectConfig } from '../config/config.module';
import { EmbeddingProvider, toPgVectorBinary } from '../embeddings/embedding-provider';
import { MetricsService } from '../metrics/metrics.service';
import { NotebookAccessService } from '../notebooks/notebook-access';
import { type NotebookRow } from '../notebooks/notebook-row';
import { type SearchDto, type SearchHitDto, type SearchResultDto } from './dto/search.dto';
import { Reranker } from './reranker';
import { type RetrievalHit } from './retrieval-hit';

export { type RetrievalHit };
import { type HitRow, type HybridQuery, RetrievalRepository } from './retrieval.repository';

export type RetrievalMode = 'hybrid' | 'vector' | 'text';
export type VectorStrategy = 'exact' | 'hnsw';

export interface RetrieveOptions {
  k?: number;
  sourceIds?: readonly string[] | null;
  mode?: RetrievalMode;
  /** Include RAPTOR summary nodes beside chunks (default: yes, weighted by RETRIEVAL_SUMMARY_WEIGHT). */
  summaries?: boolean;
  /** Force how vector candidates are found (benchmarks and tests); by default chosen by size. */
  strategy?: VectorStrategy;
  signal?: AbortSignal;
}

export interface Retrieved {
  hits: RetrievalHit[];
  strategy: VectorStrategy;
  ms: number;
}

/**
 * Hybrid retrieval over notebooks the caller has already been authorised for: the query's
 * embedding and its words, vector and full-text candidates over chunks and summaries, reciprocal
 * rank fusion, then the reranker seam. Vector candidates come from an exact scan of the notebooks'
 * rows up to RETRIEVAL_EXACT_MAX_CHUNKS, from the HNSW index (iterative scan) beyond, falling
 * back to the exact scan if the index comes back short.
 */
@Injectable()
export class RetrievalService {
  constructor(
    private readonly access: NotebookAccessService,
    private readonly repository: RetrievalRepository,
    private readonly embeddings: EmbeddingProvider,
    private readonly reranker: Reranker,
    private readonly metrics: MetricsService,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  /** `POST /api/v1/notebooks/:id/search`. */
  async search(auth: Principal, notebookId: string, dto: SearchDto): Promise<SearchResultDto> {
    const { notebook } = await this.access.require(auth, notebookId, 'read');
    const { hits, strategy, ms } = await this.retrieve([notebook], dto.query, {
      k: dto.k ?? 10,
      sourceIds: dto.sourceIds ?? null,
      mode: dto.mode ?? 'hybrid',
      summaries: dto.includeSummaries ?? false,
    });
    return { hits: hits.map(toSearchHitDto), strategy, retrievalMs: ms };
  }

  async retrieve(notebooks: readonly NotebookRow[], query: string, options: RetrieveOptions = {}): Promise<Retrieved> {
    const started = performance.now();
    const mode = options.mode ?? 'hybrid';
    const r = this.config.retrieval;
    const k = options.k ?? r.k;
    const [vector] = mode === 'text' ? [null] : await this.embeddings.embed([query], options.signal);
    const q: HybridQuery = {
      notebookIds: notebooks.map((n) => n.id),
      sourceIds: options.sourceIds && options.sourceIds.length > 0 ? options.sourceIds : null,
      vector: toPgVectorBinary(vector ?? new Float32Array(this.embeddings.dimensions)),
      text: query,
      model: this.embeddings.id,
      dimensions: this.embeddings.dimensions,
      candidates: Math.max(r.candidates, k),
      k,
      vectorWeight: mode === 'text' ? 0 : r.vectorWeight,
      textWeight: mode === 'vector' ? 0 : r.textWeight,
      summaryWeight: options.summaries === false ? 0 : r.summaryWeight,
      rrfK: r.rrfK,
    };
    const total = notebooks.reduce((n, nb) => n + Number(nb.chunk_count), 0);
    let strategy: VectorStrategy = options.strategy ?? (total > r.exactMaxChunks ? 'hnsw' : 'exact');
    if (q.vectorWeight === 0) strategy = 'exact';
    let rows: HitRow[] | null = null;
    if (strategy === 'hnsw') {
      // With a source filter the notebooks' total says nothing about how many rows can match.
      const expected = q.sourceIds ? 0 : Math.min(q.candidates, total);
      rows = await this.repository.hybridIndexed(q, expected);
      if (!rows) strategy = 'exact';
    }
    rows ??= await this.repository.hybridExact(q);
    const fused = rows.map(toHit);
    const hits = await this.reranker.rerank(query, fused, options.signal);
    const ms = performance.now() - started;
    this.metrics.retrievalDuration.observe({ strategy }, ms / 1000);
    return { hits, strategy, ms: Math.round(ms * 10) / 10 };
  }
}

function toHit(row: HitRow): RetrievalHit {
  return {
    kind: row.kind,
    id: row.id,
    notebookId: row.notebook_id,
    sourceId: row.source_id,
    sourceTitle: row.source_title,
    text: row.text,
    position: row.position,
    level: row.level === null ? null : Number(row.level),
    score: Number(row.score),
    vectorScore: row.vector_score === null ? null : Number(row.vector_score),
    textScore: row.text_score === null ? null : Number(row.text_score),
  };
}

export function toSearchHitDto(hit: RetrievalHit): SearchHitDto {
  return {
    kind: hit.kind,
    chunkId: hit.kind === 'chunk' ? hit.id : null,
    summaryId: hit.kind === 'summary' ? hit.id : null,
    notebookId: hit.notebookId,
    sourceId: hit.sourceId,
    sourceTitle: hit.sourceTitle,
    text: hit.text,
    position: hit.position ?? {},
    level: hit.level,
    score: hit.score,
    vectorScore: hit.vectorScore,
    textScore: hit.textScore,
  };
}
