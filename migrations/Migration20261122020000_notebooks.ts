import { Migration } from '@mikro-orm/migrations';

type Rule = [role: string, action: string, subject: string, conditions: Record<string, unknown>];

const GRANTED = { $in: ['viewer', 'editor'] };

/** Notebook sharing, expressed on fields the services fill in for the notebook at hand. */
const RULES: Rule[] = [
  ['user', 'read', 'Notebook', { grant: GRANTED }],
  ['user', 'chat', 'Notebook', { grant: GRANTED }],
  ['user', 'manage', 'Source', { notebookOwnerId: '${user.id}' }],
  ['user', 'manage', 'Source', { notebookGrant: 'editor' }],
  ['user', 'read', 'Source', { notebookGrant: 'viewer' }],
  ['viewer', 'read', 'Notebook', { grant: GRANTED }],
  ['viewer', 'chat', 'Notebook', { grant: GRANTED }],
  ['viewer', 'read', 'Source', { notebookGrant: GRANTED }],
];

const literal = (value: string): string => `'${value.replace(/'/g, "''")}'`;

/**
 * Notebooks (soft-deleted, shared through grants), sources, their extracted text, blob storage
 * and chunks with their embedding and full-text vector. The HNSW index on the embedding is kept
 * by the application for the deployment's dimension (EmbeddingIndex), not here.
 */
export class Migration20261122020000Notebooks extends Migration {
  override up(): void {
    this.addSql(
      `create table "blob_parts" ("key" text not null, "part" int not null, "data" bytea not null, primary key ("key", "part"));`,
    );
    this.addSql(
      `create table "notebooks" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "deleted_at" timestamptz null, "owner_id" uuid not null, "name" text not null, "description" text null, primary key ("id"));`,
    );
    this.addSql(`create index "notebooks_deleted_idx" on "notebooks" ("deleted_at");`);
    this.addSql(`create index "notebooks_owner_idx" on "notebooks" ("owner_id", "id") where "deleted_at" is null;`);
    this.addSql(
      `create table "sources" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "notebook_id" uuid not null, "created_by" uuid null, "kind" text not null, "title" text not null, "filename" text null, "format" text not null, "language" text null, "mime_type" text not null, "size_bytes" bigint not null, "content_hash" text not null, "storage_key" text not null, "status" text not null default 'queued', "progress" smallint not null default 0, "error" text null, "chunk_count" int not null default 0, "token_count" int not null default 0, "page_count" int null, "revision" int not null default 1, "job_id" uuid null, primary key ("id"));`,
    );
    this.addSql(`create index "sources_notebook_idx" on "sources" ("notebook_id", "id");`);
    this.addSql(
      `alter table "sources" add constraint "sources_notebook_hash_unique" unique ("notebook_id", "content_hash");`,
    );
    this.addSql(
      `create table "source_texts" ("source_id" uuid not null, "text" text not null, "char_count" int not null, primary key ("source_id"));`,
    );
    this.addSql(
      `create table "notebook_grants" ("notebook_id" uuid not null, "user_id" uuid not null, "level" text not null, "granted_by" uuid null, "created_at" timestamptz not null default now(), primary key ("notebook_id", "user_id"));`,
    );
    this.addSql(`create index "notebook_grants_user_idx" on "notebook_grants" ("user_id");`);
    this.addSql(
      `create table "chunks" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "source_id" uuid not null, "notebook_id" uuid not null, "ordinal" int not null, "text" text not null, "token_count" int not null, "content_hash" text not null, "position" jsonb not null, "embedding" vector not null, "embedding_model" text not null, "tsv" tsvector generated always as (to_tsvector('english', text)) stored not null, primary key ("id"));`,
    );
    this.addSql(`create index "chunks_tsv_idx" on "chunks" using gin ("tsv");`);
    this.addSql(`create index "chunks_notebook_idx" on "chunks" ("notebook_id");`);
    this.addSql(`alter table "chunks" add constraint "chunks_source_ordinal_unique" unique ("source_id", "ordinal");`);
    this.addSql(
      `alter table "notebooks" add constraint "notebooks_owner_id_foreign" foreign key ("owner_id") references "users" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "sources" add constraint "sources_notebook_id_foreign" foreign key ("notebook_id") references "notebooks" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "sources" add constraint "sources_created_by_foreign" foreign key ("created_by") references "users" ("id") on delete set null;`,
    );
    this.addSql(
      `alter table "sources" add constraint "sources_status_check" check (status in ('queued', 'parsing', 'chunking', 'embedding', 'storing', 'ready', 'failed', 'cancelled'));`,
    );
    this.addSql(
      `alter table "source_texts" add constraint "source_texts_source_id_foreign" foreign key ("source_id") references "sources" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "notebook_grants" add constraint "notebook_grants_notebook_id_foreign" foreign key ("notebook_id") references "notebooks" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "notebook_grants" add constraint "notebook_grants_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "notebook_grants" add constraint "notebook_grants_level_check" check (level in ('viewer', 'editor'));`,
    );
    this.addSql(
      `alter table "chunks" add constraint "chunks_source_id_foreign" foreign key ("source_id") references "sources" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "chunks" add constraint "chunks_notebook_id_foreign" foreign key ("notebook_id") references "notebooks" ("id") on delete cascade;`,
    );

    for (const [role, action, subject, conditions] of RULES) {
      this.addSql(
        `insert into "role_permissions" ("id", "role", "action", "subject", "conditions") values (gen_random_uuid(), ${literal(role)}, ${literal(action)}, ${literal(subject)}, ${literal(JSON.stringify(conditions))}::jsonb);`,
      );
    }
  }

  override down(): void {
    this.addSql(
      `delete from "role_permissions" where "subject" = 'Source' or ("subject" = 'Notebook' and jsonb_exists("conditions", 'grant'));`,
    );
    for (const table of ['chunks', 'source_texts', 'sources', 'notebook_grants', 'notebooks', 'blob_parts']) {
      this.addSql(`drop table if exists "${table}" cascade;`);
    }
  }
}
