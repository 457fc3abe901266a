import { Injectable } from '@nestjs/common';
import { DbContext, type Statements, UnitOfWork } from '../database/unit-of-work';
import { sql } from 'kysely';
import { Sql } from '../database/sql';
import { FINISHED_JOB_STATES, JobEntity } from './job.entity';

export interface NewJob {
  id: string;
  queue: string;
  name: string;
  key: string;
  payload: Record<string, unknown>;
  maxAttempts: number;
  runAt: Date;
  ownerId: string | null;
  notebookId: string | null;
  /** Handed to the transport at once; false: it waits for its owner's turn (JobDispatcher). */
  dispatched: boolean;
}

/** Clears the lease: the attempt that held it can no longer write the job. */
const endLease = sql`lease_token = null, lease_owner = null, lease_expires_at = null`;

/**
 * Every query on `jobs`. State changes are single conditional UPDATEs, so two runners (or a
 * runner and a cancel) racing on one job cannot both win.
 */
@Injectable()
export class JobsRepository {
  constructor(
    private readonly db: DbContext,
    private readonly uow: UnitOfWork,
    private readonly sql: Sql,
  ) {}

  /**
   * Inserts the jobs whose ids do not exist yet, in one statement (in the open unit of work, if
   * there is one); returns every job's row, marking those that are new.
   */
  async insertMany(jobs: readonly NewJob[]): Promise<{ created: Set<string>; rows: JobEntity[] }> {
    if (jobs.length === 0) return { created: new Set(), rows: [] };
    const inserted = await this.db.rows(sql<Record<string, unknown>>`
      insert into jobs (id, queue, name, key, payload, max_attempts, run_at, owner_id, notebook_id, dispatched_at)
      select id, queue, name, key, payload, max_attempts, run_at, owner_id, notebook_id, case when dispatched then now() end
      from unnest(${jobs.map((j) => j.id)}::uuid[], ${jobs.map((j) => j.queue)}::text[],
        ${jobs.map((j) => j.name)}::text[], ${jobs.map((j) => j.key)}::text[],
        ${jobs.map((j) => JSON.stringify(j.payload))}::jsonb[], ${jobs.map((j) => j.maxAttempts)}::smallint[],
        ${jobs.map((j) => j.runAt.toISOString())}::timestamptz[], ${jobs.map((j) => j.ownerId)}::uuid[],
        ${jobs.map((j) => j.notebookId)}::uuid[], ${jobs.map((j) => j.dispatched)}::boolean[])
        as t(id, queue, name, key, payload, max_attempts, run_at, owner_id, notebook_id, dispatched)
      on conflict (id) do nothing returning *`);
    const created = new Set(inserted.map((row) => row.id as string));
    const missing = jobs.filter((j) => !created.has(j.id)).map((j) => j.id);
    const existing =
      missing.length > 0
        ? await this.db.rows(sql<Record<string, unknown>>`select * from jobs where id = any(${missing}::uuid[])`)
        : [];
    const byId = new Map([...inserted, ...existing].map((row) => [row.id as string, this.db.hydrate(JobEntity, row)]));
    return { created, rows: jobs.map((j) => byId.get(j.id)).filter((row): row is JobEntity => row !== undefined) };
  }

  /**
   * The hot read behind GET /jobs/:id and every progress poll: one prepared statement and a plain
   * hydration, well under half the cost of `em.findOne` (bench:http).
   */
  async findById(id: string): Promise<JobEntity | null> {
    const row = await this.sql.one<Record<string, unknown>>('job_by_id', 'select * from jobs where id = $1', [id]);
    return row ? this.db.hydrate(JobEntity, row) : null;
  }

  /**
   * Gives an owner's waiting jobs of a fair queue their turn: marks dispatched the oldest of them,
   * as many as keep the owner at `max` dispatched unfinished jobs, and returns those. Serialised
   * per queue and owner (advisory lock), so instances feeding the same owner never exceed `max`.
   */
  async takeTurns(queue: string, ownerId: string, max: number): Promise<JobEntity[]> {
    return this.uow.transaction(async () => {
      await this.db.rows(sql`select pg_advisory_xact_lock(hashtextextended(${`jobs:turns:${queue}:${ownerId}`}, 0))`);
      return this.db.entities(
        JobEntity,
        sql`
        update jobs set dispatched_at = now(), updated_at = now()
        where id in (
          select id from jobs
          where queue = ${queue} and owner_id = ${ownerId} and state in ('queued', 'retrying') and dispatched_at is null
          order by seq
          limit greatest(0, ${max}::int - (
            select count(*) from jobs
            where queue = ${queue} and owner_id = ${ownerId} and dispatched_at is not null
              and state in ('queued', 'active', 'retrying'))))
        returning *`,
      );
    });
  }

  /** Owners with jobs of `queue` waiting for a turn they could have now (fewer than `max` dispatched). */
  async ownersWaiting(queue: string, max: number): Promise<string[]> {
    const rows = await this.detached().rows(sql<{ owner_id: string }>`
      select b.owner_id from jobs b
      where b.queue = ${queue} and b.dispatched_at is null and b.state in ('queued', 'retrying') and b.owner_id is not null
      group by b.owner_id
      having (select count(*) from jobs a where a.queue = ${queue} and a.owner_id = b.owner_id
              and a.dispatched_at is not null and a.state in ('queued', 'active', 'retrying')) < ${max}`);
    return rows.map((row) => row.owner_id);
  }

  /**
   * Claims a job for an attempt: counts the attempt, takes a fresh lease (token, owner, expiry)
   * and returns the job; null if there is nothing to run — finished, cancelled, or running under
   * a live lease elsewhere (a second copy in the transport never runs it twice at once).
   */
  async claim(id: string, owner: string, leaseMs: number): Promise<JobEntity | null> {
    return this.detached().entity(
      JobEntity,
      sql`update jobs set state = 'active', attempts = attempts + 1, started_at = coalesce(started_at, now()),
            lease_token = gen_random_uuid(), lease_owner = ${owner},
            lease_expires_at = now() + ${leaseMs} * interval '1 millisecond', updated_at = now()
          where id = ${id}
            and (state in ('queued', 'retrying')
              or (state = 'active' and (lease_expires_at is null or lease_expires_at < now())))
          returning *`,
    );
  }

  /** The heartbeat: extends the leases still held; returns their tokens (a missing one was lost). */
  async renewLeases(tokens: readonly string[], leaseMs: number): Promise<Set<string>> {
    if (tokens.length === 0) return new Set();
    const rows = await this.detached().rows(sql<{ lease_token: string }>`
      update jobs set lease_expires_at = now() + ${leaseMs} * interval '1 millisecond'
      where lease_token = any(${[...tokens]}::uuid[]) and state = 'active' returning lease_token`);
    return new Set(rows.map((row) => row.lease_token));
  }

  /** Returns false when the attempt no longer holds the job (cancelled, or its lease was lost). */
  async setProgress(
    id: string,
    token: string,
    progress: number,
    detail: Record<string, unknown> | undefined,
  ): Promise<boolean> {
    const detailJson = detail === undefined ? null : JSON.stringify(detail);
    const rows = await this.detached().rows(sql<{ id: string }>`
      update jobs set progress = ${progress}, detail = coalesce(${detailJson}::jsonb, detail), updated_at = now()
      where id = ${id} and lease_token = ${token} and state = 'active' returning id`);
    return rows.length === 1;
  }

  /** `detail`: the last progress detail reported, which may not have been written yet. */
  async complete(
    id: string,
    token: string,
    result: Record<string, unknown> | null,
    detail?: Record<string, unknown>,
  ): Promise<void> {
    const resultJson = result === null ? null : JSON.stringify(result);
    const detailJson = detail === undefined ? null : JSON.stringify(detail);
    await this.detached().rows(sql`
      update jobs set state = 'completed', progress = 100, result = ${resultJson}::jsonb, error = null,
      detail = coalesce(${detailJson}::jsonb, detail), finished_at = now(), updated_at = now(), ${endLease}
      where id = ${id} and lease_token = ${token} and state = 'active'`);
  }

  /**
   * Ends the attempt and puts the job back in the outbox to run again at `runAt` (a new hand-over).
   * `counted: false` gives the attempt back: it was not the job's fault (the database went away
   * under it, or the instance is shutting down).
   */
  async scheduleRetry(id: string, token: string, error: string | null, runAt: Date, counted = true): Promise<boolean> {
    const attempts = counted ? sql`attempts` : sql`greatest(attempts - 1, 0)`;
    const rows = await this.detached().rows(sql<{ id: string }>`
      update jobs set state = 'retrying', attempts = ${attempts}, error = coalesce(${error}, error), run_at = ${runAt},
        delivered_at = null, delivery = delivery + 1, updated_at = now(), ${endLease}
      where id = ${id} and lease_token = ${token} and state = 'active' returning id`);
    return rows.length === 1;
  }

  async fail(id: string, token: string, error: string, detail?: Record<string, unknown>): Promise<void> {
    const detailJson = detail === undefined ? null : JSON.stringify(detail);
    await this.detached().rows(sql`
      update jobs set state = 'failed', error = ${error}, detail = coalesce(${detailJson}::jsonb, detail),
      finished_at = now(), updated_at = now(), ${endLease}
      where id = ${id} and lease_token = ${token} and state = 'active'`);
  }

  /**
   * Jobs whose lease lapsed (their worker died, was stopped, or lost the database) — or, with
   * `everyActive`, every active job of these queues (the single instance of zero-setup mode starts:
   * whatever was active belonged to a process that is gone). They go back to the outbox at once.
   * A lost attempt is given back, up to `maxInterruptions`; past that it counts, and a job with no
   * attempts left fails, so a job that kills its worker every time cannot loop for ever.
   */
  async reap(options: { maxInterruptions: number; everyActive?: readonly string[] }): Promise<JobEntity[]> {
    const which = options.everyActive
      ? sql`queue = any(${[...options.everyActive]}::text[])`
      : sql`(lease_expires_at is null or lease_expires_at < now())`;
    const over = sql`interruptions + 1 > ${options.maxInterruptions}`;
    const exhausted = sql`(${over} and attempts >= max_attempts)`;
    return this.db.entities(
      JobEntity,
      sql`update jobs set
            interruptions = interruptions + 1,
            attempts = case when ${over} then attempts else greatest(attempts - 1, 0) end,
            state = case when ${exhausted} then 'failed' else 'retrying' end,
            error = case when ${exhausted}
              then 'its worker was lost ' || (interruptions + 1) || ' times (process killed or lease lapsed)'
              else error end,
            finished_at = case when ${exhausted} then now() end,
            run_at = now(), delivered_at = null, delivery = delivery + 1, updated_at = now(), ${endLease}
          where id in (select id from jobs where state = 'active' and ${which}
                       order by lease_expires_at nulls first limit 500 for update skip locked)
          returning *`,
    );
  }

  /**
   * The outbox: jobs that have their turn but are not with the transport yet, earliest first.
   * Delivering one twice is harmless (the transport keeps one copy per `${id}.${delivery}`).
   */
  pendingDelivery(limit: number): Promise<JobEntity[]> {
    return this.detached().entities(
      JobEntity,
      sql`select * from jobs
          where delivered_at is null and dispatched_at is not null and state in ('queued', 'retrying')
          order by run_at limit ${limit}`,
    );
  }

  /** Marks hand-overs done, unless the job was handed back meanwhile (a newer delivery). */
  async markDelivered(jobs: readonly { id: string; delivery: number }[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.detached().rows(sql`
      update jobs set delivered_at = now()
      from unnest(${jobs.map((j) => j.id)}::uuid[], ${jobs.map((j) => j.delivery)}::int[]) as d(id, delivery)
      where jobs.id = d.id and jobs.delivery = d.delivery and jobs.delivered_at is null`);
  }

  /**
   * Hands waiting jobs over again, under the same name, so the transport keeps the copy it still
   * holds and gets back one it lost (Redis restarted empty, or an add that never arrived).
   * `deliveredBefore`: only those delivered before then and due since (a stale hand-over).
   */
  async redeliver(options: { deliveredBefore?: Date } = {}): Promise<number> {
    const stale = options.deliveredBefore
      ? sql`and delivered_at < ${options.deliveredBefore} and run_at < ${options.deliveredBefore}`
      : sql``;
    return this.detached().affected(sql`
      update jobs set delivered_at = null
      where delivered_at is not null and dispatched_at is not null and state in ('queued', 'retrying') ${stale}`);
  }

  /** Cancels an unfinished job; false if it had already finished. */
  async cancel(id: string): Promise<boolean> {
    const rows = await this.detached().rows(sql<{ id: string }>`
      update jobs set state = 'cancelled', finished_at = now(), updated_at = now(), ${endLease}
      where id = ${id} and state in ('queued', 'active', 'retrying') returning id`);
    return rows.length === 1;
  }

  /** Whether a queue has work waiting or running (on any instance). */
  async hasUnfinished(queue: string): Promise<boolean> {
    const row = await this.detached().one(sql<{ busy: boolean }>`
      select exists (select 1 from jobs where queue = ${queue} and state in ('queued', 'active', 'retrying')) as busy`);
    return row?.busy ?? false;
  }

  async deleteFinishedBefore(before: Date): Promise<number> {
    return this.db.affected(sql`
      delete from jobs where state = any(${[...FINISHED_JOB_STATES]}::text[]) and finished_at < ${before}`);
  }

  /**
   * State changes and reads of the runner: on a fresh fork, never joining a caller's unit of work
   * (a job's record must not roll back with the work that happened to touch it).
   */
  private detached(): Statements {
    return this.db.detached();
  }
}
