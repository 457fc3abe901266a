import { Injectable } from '@nestjs/common';
import { DbContext } from '../database/unit-of-work';
import { sql } from 'kysely';
import { Sql } from '../database/sql';
import { Source, type SourceFormat, type SourceStatus, SourceText } from './source.entity';

export interface NewSourceRow {
  id: string;
  notebookId: string;
  createdBy: string;
  kind: 'file' | 'text';
  title: string;
  filename: string | null;
  format: SourceFormat;
  language: string | null;
  mimeType: string;
  sizeBytes: number;
  contentHash: string;
  storageKey: string;
  /** The ingestion job's id, known in advance (job ids are derived from their key). */
  jobId: string;
}

/** Every query on sources and their extracted text. Stage updates are guarded by revision. */
@Injectable()
export class SourcesRepository {
  constructor(
    private readonly db: DbContext,
    private readonly sql: Sql,
  ) {}

  findInNotebook(notebookId: string, sourceId: string): Promise<Source | null> {
    return this.db.entity(Source, sql`select * from sources where id = ${sourceId} and notebook_id = ${notebookId}`);
  }

  /** The ingestion job's read: a prepared statement, no join (the job checks the revision). */
  async findById(sourceId: string): Promise<Source | null> {
    const row = await this.sql.one<Record<string, unknown>>('source_by_id', 'select * from sources where id = $1', [
      sourceId,
    ]);
    return row ? this.db.hydrate(Source, row) : null;
  }

  async findByHashes(notebookId: string, contentHashes: readonly string[]): Promise<Source[]> {
    return this.db.entities(
      Source,
      sql`select * from sources where notebook_id = ${notebookId} and content_hash = any(${contentHashes}::text[])`,
    );
  }

  /**
   * Inserts new sources in one statement, inside `em`'s transaction. Content the notebook already
   * has (same hash — also twice in one batch, or from a concurrent upload) is skipped: only the
   * rows actually inserted come back.
   */
  async insertMany(rows: readonly NewSourceRow[]): Promise<Source[]> {
    if (rows.length === 0) return [];
    const column = <K extends keyof NewSourceRow>(key: K): NewSourceRow[K][] => rows.map((row) => row[key]);
    return this.db.entities(
      Source,
      sql`
      insert into sources (id, notebook_id, created_by, kind, title, filename, format, language, mime_type,
                           size_bytes, content_hash, storage_key, job_id)
      select * from unnest(${column('id')}::uuid[], ${column('notebookId')}::uuid[], ${column('createdBy')}::uuid[],
        ${column('kind')}::text[], ${column('title')}::text[], ${column('filename')}::text[], ${column('format')}::text[],
        ${column('language')}::text[], ${column('mimeType')}::text[], ${column('sizeBytes')}::bigint[],
        ${column('contentHash')}::text[], ${column('storageKey')}::text[], ${column('jobId')}::uuid[])
      on conflict (notebook_id, content_hash) do nothing returning *`,
    );
  }

  list(notebookId: string, filter: { status?: SourceStatus; before?: string; limit: number }): Promise<Source[]> {
    return this.db.entities(
      Source,
      sql`select * from sources
          where notebook_id = ${notebookId}
            and (${filter.status ?? null}::text is null or status = ${filter.status ?? null})
            and (${filter.before ?? null}::uuid is null or id < ${filter.before ?? null}::uuid)
          order by id desc limit ${filter.limit}`,
    );
  }

  async text(sourceId: string): Promise<SourceText | null> {
    return this.db.entity(SourceText, sql`select * from source_texts where source_id = ${sourceId}`);
  }

  async setJob(sourceId: string, jobId: string): Promise<void> {
    await this.db.rows(sql`update sources set job_id = ${jobId} where id = ${sourceId}`);
  }

  /** Moves a source to a pipeline stage, if it is still at `revision` (else the job was superseded). */
  async setStage(
    sourceId: string,
    revision: number,
    status: SourceStatus,
    progress: number,
    error?: string | null,
  ): Promise<boolean> {
    const setError = error === undefined ? sql`` : sql`, error = ${error}`;
    // Outside any caller's transaction, like the job's own state: progress is not rolled back.
    const rows = await this.db.detached().rows(sql<{ id: string }>`
      update sources set status = ${status}, progress = ${progress}${setError}, updated_at = now()
      where id = ${sourceId} and revision = ${revision} returning id`);
    return rows.length > 0;
  }

  /** Starts a new revision (re-index): later stage updates of older jobs no longer apply. */
  async nextRevision(sourceId: string): Promise<number | null> {
    const rows = await this.db.rows(sql<{ revision: number }>`
      update sources set revision = revision + 1, status = 'queued', progress = 0, error = null, updated_at = now()
      where id = ${sourceId} returning revision`);
    return rows[0]?.revision ?? null;
  }

  /**
   * Sources to ingest again after an embedding-model change: those with chunks of another model
   * (`staleFor`), or every source (`staleFor` undefined).
   */
  async idsForReindex(staleFor?: string): Promise<string[]> {
    const rows =
      staleFor === undefined
        ? await this.db.rows(sql<{ id: string }>`select id from sources order by id`)
        : await this.db.rows(sql<{ id: string }>`
            select s.id from sources s
            where exists (select 1 from chunks c where c.source_id = s.id and c.embedding_model <> ${staleFor})
            order by s.id`);
    return rows.map((row) => row.id);
  }

  /** Starts a new revision of many sources at once (see {@link nextRevision}). */
  async nextRevisions(
    sourceIds: readonly string[],
  ): Promise<{ id: string; revision: number; created_by: string | null; notebook_id: string }[]> {
    return this.db.rows(sql<{ id: string; revision: number; created_by: string | null; notebook_id: string }>`
      update sources set revision = revision + 1, status = 'queued', progress = 0, error = null, updated_at = now()
      where id = any(${sourceIds}::uuid[]) returning id, revision, created_by, notebook_id`);
  }

  async setJobs(jobs: readonly { sourceId: string; jobId: string }[]): Promise<void> {
    await this.db.rows(sql`
      update sources s set job_id = j.job_id
      from unnest(${jobs.map((j) => j.sourceId)}::uuid[], ${jobs.map((j) => j.jobId)}::uuid[]) as j(source_id, job_id)
      where s.id = j.source_id`);
  }

  /** How many of these sources are in each status. */
  async countByStatus(sourceIds: readonly string[]): Promise<Partial<Record<SourceStatus, number>>> {
    const rows = await this.db.rows(sql<{ status: SourceStatus; n: number }>`
      select status, count(*)::int as n from sources where id = any(${sourceIds}::uuid[]) group by status`);
    return Object.fromEntries(rows.map((row) => [row.status, row.n]));
  }

  /** Locks the source row for the rest of the transaction; null if it is gone or at another revision. */
  async lockAtRevision(sourceId: string, revision: number): Promise<{ notebook_id: string } | null> {
    const rows = await this.db.rows(sql<{ notebook_id: string; revision: number }>`
      select notebook_id, revision from sources where id = ${sourceId} for update`);
    return rows[0] && rows[0].revision === revision ? rows[0] : null;
  }

  /**
   * Stores a source's extracted text, if it is still at `revision`. Its own statement, before the
   * short transaction that makes the source ready: a text of megabytes takes a while to write.
   */
  async saveText(sourceId: string, revision: number, text: string): Promise<void> {
    await this.db.rows(sql`
      insert into source_texts (source_id, text, char_count)
      select ${sourceId}, ${text}, ${text.length} where exists (select 1 from sources where id = ${sourceId} and revision = ${revision})
      on conflict (source_id) do update set text = excluded.text, char_count = excluded.char_count`);
  }

  async markReady(
    sourceId: string,
    result: { chunkCount: number; tokenCount: number; pageCount: number | null },
  ): Promise<void> {
    await this.db.rows(sql`
      update sources set status = 'ready', progress = 100, error = null, chunk_count = ${result.chunkCount},
        token_count = ${result.tokenCount}, page_count = ${result.pageCount}, updated_at = now()
      where id = ${sourceId}`);
  }

  async delete(sourceId: string): Promise<boolean> {
    return (await this.db.affected(sql`delete from sources where id = ${sourceId}`)) > 0;
  }
}
