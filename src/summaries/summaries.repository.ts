import { Injectable } from '@nestjs/common';
import { DbContext, UnitOfWork } from '../database/unit-of-work';
import { type RawBuilder, sql } from 'kysely';
import { inTimedBatches } from '../common/async';
import { BackgroundWrites } from '../database/background-writes';
import { embeddingModels, reembedRows } from '../database/embedded-rows';
import { VISIBLE_CHUNK } from '../chunks/chunk-visibility';

export interface TreeInput {
  id: string;
  text: string;
  /** pgvector text form. */
  embedding: string;
}

export interface NewSummary {
  id: string;
  level: number;
  ordinal: number;
  text: string;
  tokenCount: number;
  childIds: string[];
  embedding: string;
  model: string;
}

/** Chunks per read when building a source's tree. */
const READ_PAGE = 500;

@Injectable()
export class SummariesRepository {
  constructor(
    private readonly db: DbContext,
    private readonly uow: UnitOfWork,
    private readonly writes: BackgroundWrites,
  ) {}

  /** The embedding models the stored summary nodes come from (see embeddingModels). */
  embeddingModels(): Promise<string[]> {
    return embeddingModels(this.db, 'summaries');
  }

  /** Re-embeds in place a batch of summary nodes of model `from` (see reembedRows), as a background write. */
  reembedBatch(
    models: { from: string; to: string },
    page: { after: string | null; limit: number },
    embed: (rows: readonly { id: string; text: string }[]) => string[],
  ): Promise<{ last: string | null; count: number }> {
    return this.writes.run(() =>
      this.uow.transaction(() => reembedRows(this.db, 'summaries', ['text'], models, page, embed)),
    );
  }

  /** A ready source at this revision: its notebook, else null (deleted, superseded, failed). */
  async readySource(sourceId: string, revision: number): Promise<{ notebook_id: string } | null> {
    return this.db.one(sql<{ notebook_id: string }>`
      select notebook_id from sources where id = ${sourceId} and revision = ${revision} and status = 'ready'`);
  }

  /** A source's visible chunks in order, read a page at a time (vectors as text are large). */
  async chunksOf(sourceId: string, model: string): Promise<TreeInput[]> {
    const out: TreeInput[] = [];
    for (let after = -1; ;) {
      const rows = await this.db.rows(sql<TreeInput & { ordinal: number }>`
        select c.id, c.ordinal, c.text, c.embedding::text as embedding from chunks c
        where c.source_id = ${sourceId} and c.embedding_model = ${model} and c.ordinal > ${after}
          and ${sql.raw(VISIBLE_CHUNK)}
        order by c.ordinal limit ${READ_PAGE}`);
      for (const row of rows) out.push({ id: row.id, text: row.text, embedding: row.embedding });
      if (rows.length < READ_PAGE) return out;
      after = rows[rows.length - 1].ordinal;
    }
  }

  /** The root (highest level) summary of each of the notebook's sources. */
  async sourceRoots(notebookId: string, model: string): Promise<TreeInput[]> {
    return this.db.rows(sql<TreeInput>`
      select distinct on (source_id) id, text, embedding::text as embedding from summaries
      where notebook_id = ${notebookId} and source_id is not null and embedding_model = ${model}
      order by source_id, level desc, ordinal`);
  }

  /**
   * Replaces a source's tree, if the source is still at `revision` (checked under the row lock,
   * serialised with ingestion of the same source, and again by every insert). False when
   * superseded. The old tree goes in one statement; the new one comes in timed batches, each its
   * own statement (written in one, a 7,240-chunk source's tree stalled other requests for 2 s in
   * zero-setup mode), so for a few
   * seconds the source has part of its tree — summaries only add candidates beside its chunks.
   */
  async replaceForSource(
    sourceId: string,
    revision: number,
    notebookId: string,
    embeddingModel: string,
    nodes: readonly NewSummary[],
  ): Promise<boolean> {
    const current = await this.uow.transaction(async () => {
      const row = await this.db.one(sql<{ revision: number }>`
        select revision from sources where id = ${sourceId} and status = 'ready' for update`);
      if (row?.revision !== revision) return false;
      await this.db.rows(sql`delete from summaries where source_id = ${sourceId}`);
      return true;
    });
    if (!current) return false;
    const guard = sql`exists (select 1 from sources where id = ${sourceId} and revision = ${revision} and status = 'ready')`;
    await inTimedBatches(
      nodes,
      (batch) => this.writes.run(() => this.insert(notebookId, sourceId, embeddingModel, batch, guard)),
      {
        targetMs: 25,
        initial: 10,
        max: 1000,
      },
    );
    return true;
  }

  /** Replaces the notebook-level nodes; one rebuild of a notebook at a time (advisory lock). */
  async replaceForNotebook(notebookId: string, embeddingModel: string, nodes: readonly NewSummary[]): Promise<void> {
    await this.uow.transaction(async () => {
      await this.db.rows(sql`select pg_advisory_xact_lock(hashtextextended(${`summaries:${notebookId}`}, 0))`);
      await this.db.rows(sql`delete from summaries where notebook_id = ${notebookId} and source_id is null`);
      await this.insert(notebookId, null, embeddingModel, nodes);
    });
  }

  private async insert(
    notebookId: string,
    sourceId: string | null,
    embeddingModel: string,
    nodes: readonly NewSummary[],
    guard: RawBuilder<unknown> = sql`true`,
  ): Promise<void> {
    if (nodes.length === 0) return;
    await this.db.rows(sql`
      insert into summaries (id, notebook_id, source_id, level, ordinal, text, token_count, child_ids, embedding, embedding_model, model)
      select id, ${notebookId}::uuid, ${sourceId}::uuid, level, ordinal, text, token_count,
             (select coalesce(array_agg(x::uuid), '{}') from jsonb_array_elements_text(children) x), embedding::vector, ${embeddingModel}, model
      from unnest(${nodes.map((n) => n.id)}::uuid[], ${nodes.map((n) => n.level)}::int[], ${nodes.map((n) => n.ordinal)}::int[],
                  ${nodes.map((n) => n.text)}::text[], ${nodes.map((n) => n.tokenCount)}::int[],
                  ${nodes.map((n) => JSON.stringify(n.childIds))}::jsonb[], ${nodes.map((n) => n.embedding)}::text[],
                  ${nodes.map((n) => n.model)}::text[])
        as t(id, level, ordinal, text, token_count, children, embedding, model)
      where ${guard}`);
  }
}
