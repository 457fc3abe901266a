import { Migration } from '@mikro-orm/migrations';

/**
 * The notebook a job works in (null for jobs that belong to none), so a notebook-limited API key
 * sees and cancels only the jobs of its notebooks. No foreign key: job records outlive the
 * notebooks they worked on until the job purge removes them.
 */
export class Migration20261201000000JobNotebook extends Migration {
  override up(): void {
    this.addSql('alter table "jobs" add column if not exists "notebook_id" uuid null;');
    this.addSql('update "jobs" j set "notebook_id" = s."notebook_id" from "sources" s where s."job_id" = j."id";');
  }

  override down(): void {
    this.addSql('alter table "jobs" drop column if exists "notebook_id";');
  }
}
