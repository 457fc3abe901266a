import { Migration } from '@mikro-orm/migrations';

/**
 * A chunk's full-text vector is written with the chunk (no longer generated from its text
 * alone), so it can hold the chunk's heading path too, weighted above the body: a question that
 * names a section ("IntervalStyle configuration parameter") finds the section's chunks. Dropping
 * the generation expression keeps every stored vector and rewrites nothing; chunks stored before
 * keep text-only vectors until their source is ingested again (`npm run reindex -- --all`).
 */
export class Migration20261201030000ChunkHeadingText extends Migration {
  override up(): void {
    this.addSql('alter table "chunks" alter column "tsv" drop expression;');
  }

  override down(): void {
    this.addSql('alter table "chunks" drop column "tsv";');
    this.addSql(
      `alter table "chunks" add column "tsv" tsvector generated always as (to_tsvector('english', text)) stored not null;`,
    );
    this.addSql(`create index if not exists "chunks_notebook_tsv_idx" on "chunks" using gin ("notebook_id", "tsv");`);
  }
}
