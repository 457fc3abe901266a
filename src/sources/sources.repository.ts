import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { Source, type SourceStatus, SourceText } from './source.entity';

/** Every query on sources and their extracted text. Stage updates are guarded by revision. */
@Injectable()
export class SourcesRepository {
  constructor(private readonly em: EntityManager) {}

  findInNotebook(notebookId: string, sourceId: string): Promise<Source | null> {
    return this.em.fork().findOne(Source, { id: sourceId, notebookId });
  }

  findById(sourceId: string): Promise<Source | null> {
    return this.em.fork().findOne(Source, sourceId);
  }

  findByHash(notebookId: string, contentHash: string): Promise<Source | null> {
    return this.em.fork().findOne(Source, { notebookId, contentHash });
  }

  list(notebookId: string, filter: { status?: SourceStatus; before?: string; limit: number }): Promise<Source[]> {
    return this.em.fork().find(
      Source,
      {
        notebookId,
        ...(filter.status ? { status: filter.status } : {}),
        ...(filter.before ? { id: { $lt: filter.before } } : {}),
      },
      { orderBy: { id: 'desc' }, limit: filter.limit },
    );
  }

  async text(sourceId: string): Promise<SourceText | null> {
    return this.em.fork().findOne(SourceText, { sourceId });
  }

  async setJob(sourceId: string, jobId: string): Promise<void> {
    await this.em.fork().nativeUpdate(Source, { id: sourceId }, { jobId });
  }

  /** Moves a source to a pipeline stage, if it is still at `revision` (else the job was superseded). */
  async setStage(
    sourceId: string,
    revision: number,
    status: SourceStatus,
    progress: number,
    error?: string | null,
  ): Promise<boolean> {
    const updated = await this.em
      .fork()
      .nativeUpdate(
        Source,
        { id: sourceId, revision },
        { status, progress, updatedAt: new Date(), ...(error !== undefined ? { error } : {}) },
      );
    return updated > 0;
  }

  /** Starts a new revision (re-index): later stage updates of older jobs no longer apply. */
  async nextRevision(sourceId: string): Promise<number | null> {
    const { rows } = await sql<{ revision: number }>`
      update sources set revision = revision + 1, status = 'queued', progress = 0, error = null, updated_at = now()
      where id = ${sourceId} returning revision`.execute(this.em.fork().getKysely());
    return rows[0]?.revision ?? null;
  }

  /** Locks the source row for the rest of the transaction; null if it is gone or at another revision. */
  async lockAtRevision(em: EntityManager, sourceId: string, revision: number): Promise<{ notebook_id: string } | null> {
    const { rows } = await sql<{ notebook_id: string; revision: number }>`
      select notebook_id, revision from sources where id = ${sourceId} for update`.execute(em.getKysely());
    return rows[0] && rows[0].revision === revision ? rows[0] : null;
  }

  async markReady(
    em: EntityManager,
    sourceId: string,
    result: { chunkCount: number; tokenCount: number; pageCount: number | null; text: string },
  ): Promise<void> {
    await sql`
      insert into source_texts (source_id, text, char_count) values (${sourceId}, ${result.text}, ${result.text.length})
      on conflict (source_id) do update set text = excluded.text, char_count = excluded.char_count`.execute(
      em.getKysely(),
    );
    await sql`
      update sources set status = 'ready', progress = 100, error = null, chunk_count = ${result.chunkCount},
        token_count = ${result.tokenCount}, page_count = ${result.pageCount}, updated_at = now()
      where id = ${sourceId}`.execute(em.getKysely());
  }

  async delete(em: EntityManager, sourceId: string): Promise<boolean> {
    return (await em.nativeDelete(Source, { id: sourceId })) > 0;
  }
}
