import { Entity, Index, ManyToOne, Property, Unique } from '@mikro-orm/decorators/legacy';
import { BaseEntity } from '../database/base.entity';
import { Notebook } from '../notebooks/notebook.entity';
import { Source } from '../sources/source.entity';

/** Where a chunk sits in its source. */
export interface ChunkPosition {
  page?: number;
  pageEnd?: number;
  headingPath?: string[];
  lineStart?: number;
  lineEnd?: number;
  rowStart?: number;
  rowEnd?: number;
}

/**
 * A passage of a source with its embedding and full-text vector. The embedding column has no
 * fixed size in the schema: the deployment's dimension (EMBEDDING_DIMENSIONS) is enforced by the
 * HNSW index the application keeps on `embedding::vector(N)` (see EmbeddingIndex). `tsv` holds the
 * heading path and the text. Chunks are written in batches under a write id and are invisible while that
 * write is pending or retired (see ChunkWrite); `(source_id, write_id, ordinal)` is unique, so a
 * write can never hold a chunk twice.
 */
@Entity({ tableName: 'chunks' })
@Unique({
  name: 'chunks_source_write_ordinal_unique',
  properties: ['sourceId', 'writeId', 'ordinal'],
  expression:
    'create unique index "chunks_source_write_ordinal_unique" on "chunks" ("source_id", "write_id", "ordinal") nulls not distinct',
})
@Index({ name: 'chunks_notebook_idx', properties: ['notebookId'] })
@Index({ name: 'chunks_notebook_tsv_idx', properties: ['notebookId', 'tsv'], type: 'gin' })
@Index({ name: 'chunks_embedding_model_idx', properties: ['embeddingModel', 'id'] })
export class Chunk extends BaseEntity {
  @ManyToOne(() => Source, { mapToPk: true, fieldName: 'source_id', deleteRule: 'cascade' })
  sourceId!: string;

  /** Denormalised from the source, for notebook filters without a join. */
  @ManyToOne(() => Notebook, { mapToPk: true, fieldName: 'notebook_id', deleteRule: 'cascade' })
  notebookId!: string;

  /** The write that stored the chunk (null for chunks stored before writes had ids). */
  @Property({ type: 'uuid', nullable: true })
  writeId?: string | null;

  @Property({ type: 'integer' })
  ordinal!: number;

  @Property({ type: 'text' })
  text!: string;

  @Property({ type: 'integer' })
  tokenCount!: number;

  @Property({ type: 'text' })
  contentHash!: string;

  @Property({ type: 'json' })
  position!: ChunkPosition;

  @Property({ type: 'text', columnType: 'vector', lazy: true })
  embedding!: string;

  /** Which provider and model made the embedding, e.g. `local-hash-v1:384`. */
  @Property({ type: 'text' })
  embeddingModel!: string;

  /** Full text: the heading path (weight A) and the text (weight D); written with the chunk (see CHUNK_TSV). */
  @Property({ type: 'text', columnType: 'tsvector', lazy: true })
  tsv?: string;
}
