import { type Opt } from '@mikro-orm/core';
import { Check, Entity, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';
import { Source } from '../sources/source.entity';

export const CHUNK_WRITE_STATES = ['pending', 'retired'] as const;
export type ChunkWriteState = (typeof CHUNK_WRITE_STATES)[number];

/**
 * A write of a source's chunks whose rows must not be seen: still being written (`pending`), or
 * replaced by a newer write and waiting to be deleted (`retired`). A committed write has no row.
 */
@Entity({ tableName: 'chunk_writes' })
@Check({ name: 'chunk_writes_state_check', expression: "state in ('pending', 'retired')" })
export class ChunkWrite {
  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @ManyToOne(() => Source, { mapToPk: true, fieldName: 'source_id', deleteRule: 'cascade' })
  @Index({ name: 'chunk_writes_source_idx' })
  sourceId!: string;

  @Property({ type: 'text' })
  state: ChunkWriteState & Opt = 'pending';

  @Property({ type: 'datetime', columnType: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date & Opt = new Date();
}
