import { Migration } from '@mikro-orm/migrations';

/**
 * Chunks are written in bounded batches, outside one long transaction (which held the embedded
 * database for seconds and every other request with it): each write of a source's chunks has an
 * id, and its rows stay invisible while the write is listed in `chunk_writes` as pending, then
 * appear together when it is committed (its row deleted, in a short transaction). The chunks it
 * replaces are listed as retired — invisible at once — and deleted in batches afterwards. Rows
 * written before this migration have no write id and stay visible until replaced. Uniqueness of
 * an ordinal now holds per write (NULL, for older rows, counting as one write).
 */
export class Migration20261201010000ChunkWrites extends Migration {
  override up(): void {
    this.addSql(
      `create table "chunk_writes" ("id" uuid not null, "source_id" uuid not null, "state" text not null default 'pending', "created_at" timestamptz not null default now(), primary key ("id"));`,
    );
    this.addSql(`create index "chunk_writes_source_idx" on "chunk_writes" ("source_id");`);
    this.addSql(
      `alter table "chunk_writes" add constraint "chunk_writes_state_check" check (state in ('pending', 'retired'));`,
    );
    this.addSql(
      `alter table "chunk_writes" add constraint "chunk_writes_source_id_foreign" foreign key ("source_id") references "sources" ("id") on delete cascade;`,
    );
    this.addSql(`alter table "chunks" add column "write_id" uuid null;`);
    this.addSql(
      `create unique index "chunks_source_write_ordinal_unique" on "chunks" ("source_id", "write_id", "ordinal") nulls not distinct;`,
    );
    this.addSql(`alter table "chunks" drop constraint if exists "chunks_source_ordinal_unique";`);
  }

  override down(): void {
    this.addSql(`delete from "chunks" c using "chunk_writes" w where w."id" = c."write_id";`);
    this.addSql(`drop index if exists "chunks_source_write_ordinal_unique";`);
    this.addSql(`alter table "chunks" add constraint "chunks_source_ordinal_unique" unique ("source_id", "ordinal");`);
    this.addSql(`alter table "chunks" drop column if exists "write_id";`);
    this.addSql(`drop table if exists "chunk_writes";`);
  }
}
