import { Migration } from '@mikro-orm/migrations';

/** RAPTOR summary trees beside chunks; chat sessions and their messages. */
export class Migration20261122040000Chat extends Migration {
  override up(): void {
    this.addSql(
      `create table "summaries" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "notebook_id" uuid not null, "source_id" uuid null, "level" smallint not null, "ordinal" int not null, "text" text not null, "token_count" int not null, "child_ids" uuid[] not null, "embedding" vector not null, "embedding_model" text not null, "model" text not null, "tsv" tsvector generated always as (to_tsvector('english', text)) stored not null, primary key ("id"));`,
    );
    this.addSql(`create index "summaries_tsv_idx" on "summaries" using gin ("tsv");`);
    this.addSql(`create index "summaries_source_idx" on "summaries" ("source_id");`);
    this.addSql(`create index "summaries_notebook_idx" on "summaries" ("notebook_id");`);
    this.addSql(
      `create table "chat_sessions" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "user_id" uuid not null, "notebook_ids" uuid[] not null, "title" text not null, "message_count" int not null default 0, primary key ("id"));`,
    );
    this.addSql(`create index "chat_sessions_user_idx" on "chat_sessions" ("user_id", "updated_at");`);
    this.addSql(
      `create table "chat_messages" ("id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "session_id" uuid not null, "role" text not null, "content" text not null, "sources" jsonb not null default '[]', "model" text null, "prompt_tokens" int not null default 0, "completion_tokens" int not null default 0, "timings" jsonb null, primary key ("id"));`,
    );
    this.addSql(`create index "chat_messages_session_idx" on "chat_messages" ("session_id", "id");`);
    this.addSql(
      `alter table "summaries" add constraint "summaries_notebook_id_foreign" foreign key ("notebook_id") references "notebooks" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "summaries" add constraint "summaries_source_id_foreign" foreign key ("source_id") references "sources" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "chat_sessions" add constraint "chat_sessions_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "chat_messages" add constraint "chat_messages_session_id_foreign" foreign key ("session_id") references "chat_sessions" ("id") on delete cascade;`,
    );
    this.addSql(
      `alter table "chat_messages" add constraint "chat_messages_role_check" check (role in ('user', 'assistant'));`,
    );
  }

  override down(): void {
    for (const table of ['chat_messages', 'chat_sessions', 'summaries'])
      this.addSql(`drop table if exists "${table}" cascade;`);
  }
}
