import { Migration } from '@mikro-orm/migrations';

/**
 * A job's owner becomes a plain id, like its notebook: the queue is infrastructure and knows no
 * feature's tables (the jobs table kept a foreign key to users). Nothing changes in behaviour:
 * users are deactivated, never deleted, so the cascade never ran. A feature that deletes users
 * deletes their jobs through the queue's service.
 */
export class Migration20261202010000JobOwnerPlain extends Migration {
  override up(): void {
    this.addSql('alter table "jobs" drop constraint if exists "jobs_owner_id_foreign";');
  }

  override down(): void {
    this.addSql(
      'alter table "jobs" add constraint "jobs_owner_id_foreign" foreign key ("owner_id") references "users" ("id") on delete cascade;',
    );
  }
}
