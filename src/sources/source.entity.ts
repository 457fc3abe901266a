import { type Opt } from '@mikro-orm/core';
import { Check, Entity, Index, ManyToOne, Property, Unique } from '@mikro-orm/decorators/legacy';
import { BaseEntity } from '../database/base.entity';
import { Notebook } from '../notebooks/notebook.entity';
import { User } from '../users/user.entity';

export const SOURCE_STATUSES = [
  'queued',
  'parsing',
  'chunking',
  'embedding',
  'storing',
  'ready',
  'failed',
  'cancelled',
] as const;
export type SourceStatus = (typeof SOURCE_STATUSES)[number];

export const SOURCE_FORMATS = ['pdf', 'docx', 'html', 'markdown', 'text', 'csv', 'json', 'code'] as const;
export type SourceFormat = (typeof SOURCE_FORMATS)[number];

/**
 * A document in a notebook. Its original bytes live in blob storage under `storageKey`, its
 * extracted text in `source_texts`, its chunks in `chunks`. `revision` counts (re)ingestions: a
 * job stores its chunks only if the source is still at the revision it was started for.
 */
@Entity({ tableName: 'sources' })
@Index({ name: 'sources_notebook_idx', properties: ['notebookId', 'id'] })
@Unique({ name: 'sources_notebook_hash_unique', properties: ['notebookId', 'contentHash'] })
@Check({
  name: 'sources_status_check',
  expression: "status in ('queued', 'parsing', 'chunking', 'embedding', 'storing', 'ready', 'failed', 'cancelled')",
})
export class Source extends BaseEntity {
  @ManyToOne(() => Notebook, { mapToPk: true, fieldName: 'notebook_id', deleteRule: 'cascade' })
  notebookId!: string;

  @ManyToOne(() => User, { mapToPk: true, fieldName: 'created_by', nullable: true, deleteRule: 'set null' })
  createdBy?: string | null;

  /** `file` (upload) or `text` (pasted). */
  @Property({ type: 'text' })
  kind!: 'file' | 'text';

  @Property({ type: 'text' })
  title!: string;

  /** Sanitised for display only; never used as a storage path. */
  @Property({ type: 'text', nullable: true })
  filename?: string | null;

  @Property({ type: 'text' })
  format!: SourceFormat;

  /** For code: the language, from the extension. */
  @Property({ type: 'text', nullable: true })
  language?: string | null;

  @Property({ type: 'text' })
  mimeType!: string;

  @Property({ type: 'bigint' })
  sizeBytes!: number;

  /** SHA-256 of the original bytes, hex: the same content in a notebook is one source. */
  @Property({ type: 'text' })
  contentHash!: string;

  @Property({ type: 'text' })
  storageKey!: string;

  @Property({ type: 'text' })
  status: SourceStatus & Opt = 'queued';

  @Property({ type: 'smallint' })
  progress: number & Opt = 0;

  @Property({ type: 'text', nullable: true })
  error?: string | null;

  @Property({ type: 'integer' })
  chunkCount: number & Opt = 0;

  @Property({ type: 'integer' })
  tokenCount: number & Opt = 0;

  @Property({ type: 'integer', nullable: true })
  pageCount?: number | null;

  @Property({ type: 'integer' })
  revision: number & Opt = 1;

  @Property({ type: 'uuid', nullable: true })
  jobId?: string | null;
}

/** The text extracted from a source, for GET /sources/:id/content. */
@Entity({ tableName: 'source_texts' })
export class SourceText {
  @ManyToOne(() => Source, { primary: true, mapToPk: true, fieldName: 'source_id', deleteRule: 'cascade' })
  sourceId!: string;

  @Property({ type: 'text' })
  text!: string;

  @Property({ type: 'integer' })
  charCount!: number;
}
