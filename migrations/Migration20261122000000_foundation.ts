import { Migration } from '@mikro-orm/migrations';

/** pgvector, and the durable record of background jobs. */
export class Migration20261122000000Foundation extends Migration {
  override up(): void {
    this.addSql('create extension if not exists vector;');

    this.addSql(`create table "jobs" (
      "id" uuid not null,
      "created_at" timestamptz not null default now(),
      "updated_at" timestamptz not null default now(),
      "queue" text not null,
      "name" text not null,
      "key" text not null,
      "payload" jsonb not null,
      "state" text not null default 'queued',
      "progress" smallint not null default 0,
      "detail" jsonb null,
      "result" jsonb null,
      "attempts" smallint not null default 0,
      "max_attempts" smallint not null,
      "error" text null,
      "run_at" timestamptz not null default now(),
      "started_at" timestamptz null,
      "finished_at" timestamptz null,
      primary key ("id"));`);
    this.addSql(`create index "jobs_finished_at_idx" on "jobs" ("finished_at");`);
    this.addSql(
      `create index "jobs_unfinished_idx" on "jobs" ("queue", "run_at") where "state" in ('queued', 'active', 'retrying');`,
    );
    this.addSql(`alter table "jobs" add constraint "jobs_progress_check" check (progress >= 0 AND progress <= 100);`);
    this.addSql(
      `alter table "jobs" add constraint "jobs_state_check" check ("state" in ('queued', 'active', 'retrying', 'completed', 'failed', 'cancelled'));`,
    );
  }

  override down(): void {
    this.addSql('drop table if exists "jobs" cascade;');
  }
}
