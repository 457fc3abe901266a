import { Migration } from '@mikro-orm/migrations';

/**
 * Leases and an outbox for jobs (issue 13).
 * - A running attempt holds a lease: `lease_token` (new at every claim; the attempt's writes are
 *   conditional on it), `lease_owner` (the instance) and `lease_expires_at`, renewed by a
 *   heartbeat. Any instance re-runs a job whose lease lapsed.
 * - `delivered_at` null on a queued or retrying job that has its turn means: not yet handed to the
 *   transport (the outbox). `delivery` counts hand-overs; with the id it names the transport's
 *   copy, so a new hand-over (a retry, a re-run) is never taken for the one still held.
 * - `interruptions` counts attempts lost with their worker (not counted as attempts, but bounded).
 * Unfinished jobs are marked undelivered, so the first start after this migration hands them over.
 */
export class Migration20261202020000JobLeases extends Migration {
  override up(): void {
    this.addSql(`alter table "jobs"
      add column if not exists "lease_token" uuid null,
      add column if not exists "lease_owner" text null,
      add column if not exists "lease_expires_at" timestamptz null,
      add column if not exists "delivered_at" timestamptz null,
      add column if not exists "delivery" integer not null default 0,
      add column if not exists "interruptions" smallint not null default 0;`);
    this.addSql(
      `create index "jobs_outbox_idx" on "jobs" ("run_at") where "delivered_at" is null and "dispatched_at" is not null and "state" in ('queued', 'retrying');`,
    );
    this.addSql(`create index "jobs_leases_idx" on "jobs" ("lease_expires_at") where "state" = 'active';`);
  }

  override down(): void {
    this.addSql('drop index if exists "jobs_outbox_idx";');
    this.addSql('drop index if exists "jobs_leases_idx";');
    this.addSql(`alter table "jobs" drop column if exists "lease_token", drop column if exists "lease_owner",
      drop column if exists "lease_expires_at", drop column if exists "delivered_at",
      drop column if exists "delivery", drop column if exists "interruptions";`);
  }
}
