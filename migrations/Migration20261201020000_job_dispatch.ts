import { Migration } from '@mikro-orm/migrations';

/**
 * Fair dispatch: a job of a fair queue (ingestion) waits in the database, undispatched, until its
 * owner has fewer than the allowed number of jobs with the transport; `dispatched_at` says when it
 * was handed over. Jobs already unfinished were handed over when they were created. `seq` orders
 * an owner's waiting jobs as they were enqueued (jobs of one upload share their `created_at`).
 */
export class Migration20261201020000JobDispatch extends Migration {
  override up(): void {
    this.addSql('alter table "jobs" add column if not exists "dispatched_at" timestamptz null;');
    this.addSql('alter table "jobs" add column if not exists "seq" bigserial;');
    this.addSql(`update "jobs" set "dispatched_at" = "created_at" where "state" in ('queued', 'active', 'retrying');`);
    this.addSql(
      `create index "jobs_backlog_idx" on "jobs" ("queue", "owner_id", "seq") where "dispatched_at" is null and "state" in ('queued', 'retrying');`,
    );
  }

  override down(): void {
    this.addSql('drop index if exists "jobs_backlog_idx";');
    this.addSql('alter table "jobs" drop column if exists "dispatched_at";');
    this.addSql('alter table "jobs" drop column if exists "seq";');
  }
}
