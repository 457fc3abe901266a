import { Entity, PrimaryKey, Property } from '@mikro-orm/decorators/legacy';

/** One part (up to 1 MiB) of a blob kept in Postgres, so any instance or worker can read it. */
@Entity({ tableName: 'blob_parts' })
export class BlobPart {
  @PrimaryKey({ type: 'text' })
  key!: string;

  @PrimaryKey({ type: 'integer' })
  part!: number;

  @Property({ type: 'blob', columnType: 'bytea' })
  data!: Buffer;
}
