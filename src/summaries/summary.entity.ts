import { Entity, Index, ManyToOne, Property } from '@mikro-orm/decorators/legacy';
import { BaseEntity } from '../database/base.entity';
import { Notebook } from '../notebooks/notebook.entity';
import { Source } from '../sources/source.entity';

/**
 * A node of a RAPTOR summary tree: level 1 summarises a cluster of a source's chunks, level n+1 a
 * cluster of level-n summaries, up to the source's root; rows without a source are the notebook's
 * own summary over its sources' roots. Retrieved beside chunks (exact scan: a notebook has few),
 * deleted with their source, rebuilt per source revision.
 */
@Entity({ tableName: 'summaries' })
@Index({ name: 'summaries_notebook_idx', properties: ['notebookId'] })
@Index({ name: 'summaries_source_idx', properties: ['sourceId'] })
@Index({ name: 'summaries_tsv_idx', properties: ['tsv'], type: 'gin' })
@Index({ name: 'summaries_embedding_model_idx', properties: ['embeddingModel', 'id'] })
export class Summary extends BaseEntity {
  @ManyToOne(() => Notebook, { mapToPk: true, fieldName: 'notebook_id', deleteRule: 'cascade' })
  notebookId!: string;

  /** Null for the notebook-level summary. */
  @ManyToOne(() => Source, { mapToPk: true, fieldName: 'source_id', deleteRule: 'cascade', nullable: true })
  sourceId?: string | null;

  @Property({ type: 'smallint' })
  level!: number;

  @Property({ type: 'integer' })
  ordinal!: number;

  @Property({ type: 'text' })
  text!: string;

  @Property({ type: 'integer' })
  tokenCount!: number;

  /** Ids of the chunks (level 1) or summaries (higher levels) this node summarises. */
  @Property({ type: 'uuid[]', columnType: 'uuid[]' })
  childIds!: string[];

  @Property({ type: 'text', columnType: 'vector', lazy: true })
  embedding!: string;

  @Property({ type: 'text' })
  embeddingModel!: string;

  @Property({ type: 'text' })
  model!: string;

  @Property({
    type: 'text',
    columnType: 'tsvector',
    generated: "(to_tsvector('english', text)) stored",
    lazy: true,
  })
  tsv?: string;
}
