import { Migration } from '@mikro-orm/migrations';

/** A role's rules, as seeded: [action, subject, conditions?]. `${user.id}` is the caller. */
type Rule = [string, string, Record<string, unknown>?];

const SELF = { id: '${user.id}' };
const OWN = { userId: '${user.id}' };
const OWNED = { ownerId: '${user.id}' };

const ROLES: { name: string; rank: number; description: string; rules: Rule[] }[] = [
  {
    name: 'admin',
    rank: 100,
    description: 'Manages users, roles, every notebook and connection, and reads the audit log',
    rules: [['manage', 'all']],
  },
  {
    name: 'user',
    rank: 50,
    description: 'Creates notebooks and connections; uses what they own or are granted',
    rules: [
      ['read', 'User', SELF],
      ['update', 'User', SELF],
      ['create', 'ApiKey'],
      ['read', 'ApiKey', OWN],
      ['delete', 'ApiKey', OWN],
      ['create', 'Secret'],
      ['read', 'Secret', OWN],
      ['update', 'Secret', OWN],
      ['delete', 'Secret', OWN],
      ['read', 'Job', OWNED],
      ['update', 'Job', OWNED],
      ['create', 'Notebook'],
      ['manage', 'Notebook', OWNED],
      ['create', 'SqlConnection'],
      ['manage', 'SqlConnection', OWNED],
    ],
  },
  {
    name: 'viewer',
    rank: 10,
    description: 'Reads what they are granted',
    rules: [
      ['read', 'User', SELF],
      ['update', 'User', SELF],
      ['create', 'ApiKey'],
      ['read', 'ApiKey', OWN],
      ['delete', 'ApiKey', OWN],
      ['read', 'Job', OWNED],
    ],
  },
];

const literal = (value: string): string => `'${value.replace(/'/g, "''")}'`;

/** Accounts, sessions, API keys, the secrets vault, roles and permissions, the audit log. */
export class Migration20261122010000Identity extends Migration {
  override up(): void {
    this.addSql(`create table "users" (
      "id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(),
      "email" text not null, "name" text null, "password_hash" text not null, "deactivated_at" timestamptz null,
      primary key ("id"));`);
    this.addSql(`alter table "users" add constraint "users_email_unique" unique ("email");`);

    this.addSql(
      `create table "roles" ("name" text not null, "description" text not null, "rank" smallint not null, primary key ("name"));`,
    );
    this.addSql(`create table "role_permissions" (
      "id" uuid not null, "role" text not null, "action" text not null, "subject" text not null,
      "conditions" jsonb null, "inverted" boolean not null default false, primary key ("id"));`);
    this.addSql(`create index "role_permissions_role_idx" on "role_permissions" ("role");`);
    this.addSql(
      `alter table "role_permissions" add constraint "role_permissions_role_foreign" foreign key ("role") references "roles" ("name") on delete cascade;`,
    );
    this.addSql(
      `create table "user_roles" ("user_id" uuid not null, "role" text not null, "created_at" timestamptz not null default now(), primary key ("user_id", "role"));`,
    );
    this.addSql(
      `alter table "user_roles" add constraint "user_roles_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "user_roles" add constraint "user_roles_role_foreign" foreign key ("role") references "roles" ("name") on update cascade on delete cascade;`,
    );

    this.addSql(`create table "auth_sessions" (
      "id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(),
      "user_id" uuid not null, "revoked_at" timestamptz null, "revoked_reason" text null,
      "last_used_at" timestamptz not null default now(), "ip" text null, "user_agent" text null, primary key ("id"));`);
    this.addSql(`create index "auth_sessions_user_idx" on "auth_sessions" ("user_id");`);
    this.addSql(
      `alter table "auth_sessions" add constraint "auth_sessions_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete cascade;`,
    );
    this.addSql(`create table "refresh_tokens" (
      "id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(),
      "session_id" uuid not null, "token_hash" text not null, "expires_at" timestamptz not null, "used_at" timestamptz null,
      primary key ("id"));`);
    this.addSql(`alter table "refresh_tokens" add constraint "refresh_tokens_hash_unique" unique ("token_hash");`);
    this.addSql(`create index "refresh_tokens_session_idx" on "refresh_tokens" ("session_id");`);
    this.addSql(
      `alter table "refresh_tokens" add constraint "refresh_tokens_session_id_foreign" foreign key ("session_id") references "auth_sessions" ("id") on delete cascade;`,
    );

    this.addSql(`create table "api_keys" (
      "id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(),
      "user_id" uuid not null, "name" text not null, "prefix" text not null, "key_hash" text not null,
      "scopes" text[] not null, "notebook_ids" uuid[] null, "expires_at" timestamptz null,
      "last_used_at" timestamptz null, "revoked_at" timestamptz null, primary key ("id"));`);
    this.addSql(`alter table "api_keys" add constraint "api_keys_hash_unique" unique ("key_hash");`);
    this.addSql(`create index "api_keys_user_idx" on "api_keys" ("user_id");`);
    this.addSql(
      `alter table "api_keys" add constraint "api_keys_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete cascade;`,
    );

    this.addSql(`create table "user_secrets" (
      "id" uuid not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(),
      "user_id" uuid not null, "purpose" text not null, "key_id" text not null, "iv" bytea not null,
      "ciphertext" bytea not null, "tag" bytea not null, "last4" text not null, primary key ("id"));`);
    this.addSql(
      `alter table "user_secrets" add constraint "user_secrets_owner_purpose_unique" unique ("user_id", "purpose");`,
    );
    this.addSql(
      `alter table "user_secrets" add constraint "user_secrets_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete cascade;`,
    );

    this.addSql(`create table "audit_log" (
      "id" uuid not null, "created_at" timestamptz not null default now(), "actor_id" uuid null, "action" text not null,
      "target_type" text null, "target_id" text null, "ip" text null, "request_id" text null, "details" jsonb not null,
      primary key ("id"));`);
    this.addSql(`create index "audit_log_action_idx" on "audit_log" ("action", "created_at");`);
    this.addSql(`create index "audit_log_actor_idx" on "audit_log" ("actor_id", "created_at");`);
    this.addSql(`create index "audit_log_created_idx" on "audit_log" ("created_at");`);
    // Append-only: entries can be added, never changed or removed (as declared on AuditEvent).
    for (const [trigger, events, each] of [
      ['no_update', 'UPDATE OR DELETE', 'ROW'],
      ['no_truncate', 'TRUNCATE', 'STATEMENT'],
    ] as const) {
      this.addSql(
        `create or replace function "audit_log_audit_log_${trigger}_fn"() returns trigger as $$ begin raise exception 'audit_log is append-only'; end; $$ language plpgsql;`,
      );
      this.addSql(
        `create trigger "audit_log_${trigger}" BEFORE ${events} on "audit_log" for each ${each} execute function "audit_log_audit_log_${trigger}_fn"();`,
      );
    }

    this.addSql(`alter table "jobs" add "owner_id" uuid null;`);
    this.addSql(
      `alter table "jobs" add constraint "jobs_owner_id_foreign" foreign key ("owner_id") references "users" ("id") on delete cascade;`,
    );
    this.addSql(`create index "jobs_owner_idx" on "jobs" ("owner_id");`);

    for (const role of ROLES) {
      this.addSql(
        `insert into "roles" ("name", "description", "rank") values (${literal(role.name)}, ${literal(role.description)}, ${role.rank});`,
      );
      for (const [action, subject, conditions] of role.rules) {
        this.addSql(
          `insert into "role_permissions" ("id", "role", "action", "subject", "conditions") values (gen_random_uuid(), ${literal(role.name)}, ${literal(action)}, ${literal(subject)}, ${conditions ? `${literal(JSON.stringify(conditions))}::jsonb` : 'null'});`,
        );
      }
    }
  }

  override down(): void {
    this.addSql('alter table "jobs" drop constraint if exists "jobs_owner_id_foreign";');
    this.addSql('drop index if exists "jobs_owner_idx";');
    this.addSql('alter table "jobs" drop column if exists "owner_id";');
    for (const table of [
      'audit_log',
      'user_secrets',
      'api_keys',
      'refresh_tokens',
      'auth_sessions',
      'user_roles',
      'role_permissions',
      'roles',
      'users',
    ]) {
      this.addSql(`drop table if exists "${table}" cascade;`);
    }
    this.addSql('drop function if exists "audit_log_audit_log_no_update_fn"();');
    this.addSql('drop function if exists "audit_log_audit_log_no_truncate_fn"();');
  }
}
