import { Injectable } from '@nestjs/common';
import { uuidv7 } from '../common/uuid';
import { DbContext } from '../database/unit-of-work';
import { sql } from 'kysely';
import { Sql } from '../database/sql';
import { type GrantLevel, Notebook } from './notebook.entity';
import { type NotebookRow } from './notebook-row';

export interface GrantRow {
  user_id: string;
  email: string;
  level: GrantLevel;
  created_at: string;
}

/** A notebook with the caller's ($1) grant and its sources' totals; the caller adds the `where`. */
const FOR_CALLER = `
  select n.id, n.name, n.description, n.owner_id, n.created_at, n.updated_at, n.deleted_at, g.level as grant,
         coalesce(s.source_count, 0)::int as source_count, coalesce(s.chunk_count, 0)::int as chunk_count,
         greatest(n.updated_at, s.last_source_update) as last_updated_at
  from notebooks n
  left join notebook_grants g on g.notebook_id = n.id and g.user_id = $1
  left join lateral (
    select count(*) as source_count, sum(chunk_count) as chunk_count, max(updated_at) as last_source_update
    from sources where notebook_id = n.id
  ) s on true`;

/** Every query on notebooks and their grants. Counts come from one lateral join: no N+1. */
@Injectable()
export class NotebooksRepository {
  constructor(
    private readonly db: DbContext,
    private readonly sql: Sql,
  ) {}

  async create(data: { ownerId: string; name: string; description?: string | null }): Promise<Notebook> {
    const notebook = await this.db.entity(
      Notebook,
      sql`insert into notebooks (id, owner_id, name, description)
          values (${uuidv7()}, ${data.ownerId}, ${data.name}, ${data.description ?? null}) returning *`,
    );
    return notebook!;
  }

  /**
   * One notebook as the caller sees it, deleted or not (the service decides). On every notebook
   * route, so a named prepared statement (planned once per connection).
   */
  findForCaller(id: string, callerId: string): Promise<NotebookRow | null> {
    return this.sql.one<NotebookRow>('notebook_for_caller', `${FOR_CALLER} where n.id = $2`, [callerId, id]);
  }

  /** Several notebooks as {@link findForCaller} sees them, in one query (deleted ones included). */
  findManyForCaller(ids: readonly string[], callerId: string): Promise<NotebookRow[]> {
    return this.sql.rows<NotebookRow>('notebooks_for_caller', `${FOR_CALLER} where n.id = any($2::uuid[])`, [
      callerId,
      [...ids],
    ]);
  }

  /** The caller's own and shared notebooks, newest first, optionally narrowed by name and ids. */
  async listForCaller(
    callerId: string,
    filter: { search?: string; before?: string; limit: number; onlyIds?: readonly string[] | null },
  ): Promise<NotebookRow[]> {
    const search = filter.search ? `%${filter.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
    const rows = await this.db.rows(sql<NotebookRow>`
      select n.id, n.name, n.description, n.owner_id, n.created_at, n.updated_at, n.deleted_at, g.level as grant,
             coalesce(s.source_count, 0)::int as source_count, coalesce(s.chunk_count, 0)::int as chunk_count,
             greatest(n.updated_at, s.last_source_update) as last_updated_at
      from notebooks n
      left join notebook_grants g on g.notebook_id = n.id and g.user_id = ${callerId}
      left join lateral (
        select count(*) as source_count, sum(chunk_count) as chunk_count, max(updated_at) as last_source_update
        from sources where notebook_id = n.id
      ) s on true
      where n.deleted_at is null
        and (n.owner_id = ${callerId} or g.user_id is not null)
        and (${search}::text is null or n.name ilike ${search})
        and (${filter.before ?? null}::uuid is null or n.id < ${filter.before ?? null})
        and (${filter.onlyIds ? [...filter.onlyIds] : null}::uuid[] is null or n.id = any(${filter.onlyIds ? [...filter.onlyIds] : null}))
      order by n.id desc
      limit ${filter.limit}`);
    return rows;
  }

  async update(id: string, changes: { name?: string; description?: string | null }): Promise<void> {
    const sets = [
      ...(changes.name !== undefined ? [sql`name = ${changes.name}`] : []),
      ...(changes.description !== undefined ? [sql`description = ${changes.description}`] : []),
      sql`updated_at = now()`,
    ];
    await this.db.rows(sql`update notebooks set ${sql.join(sets)} where id = ${id}`);
  }

  async setDeleted(id: string, deleted: boolean): Promise<void> {
    await this.db.rows(
      sql`update notebooks set deleted_at = ${deleted ? new Date() : null}, updated_at = now() where id = ${id}`,
    );
  }

  async grants(notebookId: string): Promise<GrantRow[]> {
    const rows = await this.db.rows(sql<GrantRow>`
      select g.user_id, u.email, g.level, g.created_at from notebook_grants g join users u on u.id = g.user_id
      where g.notebook_id = ${notebookId} order by g.created_at`);
    return rows;
  }

  async upsertGrant(grant: {
    notebookId: string;
    userId: string;
    level: GrantLevel;
    grantedBy: string;
  }): Promise<void> {
    await this.db.rows(sql`
      insert into notebook_grants (notebook_id, user_id, level, granted_by) values (${grant.notebookId}, ${grant.userId}, ${grant.level}, ${grant.grantedBy})
      on conflict (notebook_id, user_id) do update set level = excluded.level, granted_by = excluded.granted_by`);
  }

  async deleteGrant(notebookId: string, userId: string): Promise<boolean> {
    return (
      (await this.db.affected(
        sql`delete from notebook_grants where notebook_id = ${notebookId} and user_id = ${userId}`,
      )) > 0
    );
  }

  /** Notebooks in the trash for longer than the retention period, with their sources' blob keys. */
  async findExpired(deletedBefore: Date, limit: number): Promise<{ id: string; storage_keys: string[] }[]> {
    const rows = await this.db.rows(sql<{ id: string; storage_keys: string[] }>`
      select n.id, array(select s.storage_key from sources s where s.notebook_id = n.id) as storage_keys
      from notebooks n where n.deleted_at is not null and n.deleted_at < ${deletedBefore}
      order by n.deleted_at limit ${limit}`);
    return rows;
  }

  async hardDelete(ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    return this.db.affected(sql`delete from notebooks where id = any(${[...ids]}::uuid[])`);
  }
}
