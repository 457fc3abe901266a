import { Migration } from '@mikro-orm/migrations';

/**
 * Keeps embeddings uncompressed and inline. pgvector values are compressible (the local
 * provider's vectors are sparse) and rows passed the 2 kB toast threshold, so Postgres compressed
 * or moved them out of line, and every distance computed during a scan first decompressed the
 * vector: 4.4 µs per row instead of 1.1 (bench:retrieval, 384 dimensions). Now rows are toasted
 * only past 8 kB (`toast_tuple_target`), and the embedding is never compressed (storage EXTERNAL:
 * out of line only as a last resort, for very large vectors). Applies to rows written from now
 * on; `npm run reindex -- --all` rewrites existing chunks.
 */
export class Migration20261122050000VectorStorage extends Migration {
  override up(): void {
    for (const table of ['chunks', 'summaries']) {
      this.addSql(`alter table "${table}" set (toast_tuple_target = 8160);`);
      this.addSql(`alter table "${table}" alter column "embedding" set storage external;`);
    }
    this.addSql(
      `do $$ begin alter table "chunks" alter column "text" set compression lz4; alter table "summaries" alter column "text" set compression lz4; exception when feature_not_supported then null; end $$;`,
    );
  }

  override down(): void {
    for (const table of ['chunks', 'summaries']) {
      this.addSql(`alter table "${table}" reset (toast_tuple_target);`);
      this.addSql(`alter table "${table}" alter column "embedding" set storage extended;`);
    }
  }
}
