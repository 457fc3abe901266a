import { type Opt } from '@mikro-orm/core';
import { Check, Entity, Enum, Index, Property } from '@mikro-orm/decorators/legacy';
import { BaseEntity } from '../database/base.entity';

export enum JobState {
  Queued = 'queued',
  Active = 'active',
  /** Failed an attempt; waiting for its backoff before the next one. */
  Retrying = 'retrying',
  Completed = 'completed',
  Failed = 'failed',
  Cancelled = 'cancelled',
}

export const UNFINISHED_JOB_STATES = [JobState.Queued, JobState.Active, JobState.Retrying] as const;
export const FINISHED_JOB_STATES = [JobState.Completed, JobState.Failed, JobState.Cancelled] as const;

/** The durable record of a background job: what clients read, whichever runner executes it. */
@Entity({ tableName: 'jobs' })
@Index({
  name: 'jobs_unfinished_idx',
  properties: ['queue', 'runAt'],
  expression: `create index "jobs_unfinished_idx" on "jobs" ("queue", "run_at") where "state" in ('queued', 'active', 'retrying')`,
})
@Index({ name: 'jobs_finished_at_idx', properties: ['finishedAt'] })
@Index({
  name: 'jobs_outbox_idx',
  properties: ['runAt'],
  expression: `create index "jobs_outbox_idx" on "jobs" ("run_at") where "delivered_at" is null and "dispatched_at" is not null and "state" in ('queued', 'retrying')`,
})
@Index({
  name: 'jobs_backlog_idx',
  properties: ['queue', 'ownerId', 'seq'],
  expression: `create index "jobs_backlog_idx" on "jobs" ("queue", "owner_id", "seq") where "dispatched_at" is null and "state" in ('queued', 'retrying')`,
})
@Index({
  name: 'jobs_leases_idx',
  properties: ['leaseExpiresAt'],
  expression: `create index "jobs_leases_idx" on "jobs" ("lease_expires_at") where "state" = 'active'`,
})
export class JobEntity extends BaseEntity {
  @Property({ type: 'text' })
  queue!: string;

  @Property({ type: 'text' })
  name!: string;

  /** Caller-chosen deduplication key; the id is derived from queue, name and key. */
  @Property({ type: 'text' })
  key!: string;

  @Property({ type: 'json' })
  payload!: Record<string, unknown>;

  /**
   * The user the job works for; null for system jobs (maintenance). Only they (and admins) see it.
   * A plain id, like the notebook's: the queue knows no feature's tables.
   */
  @Property({ type: 'uuid', nullable: true })
  @Index({ name: 'jobs_owner_idx' })
  ownerId?: string | null;

  /** The notebook the job works in, if any: a notebook-limited API key sees only its notebooks' jobs. */
  @Property({ type: 'uuid', nullable: true })
  notebookId?: string | null;

  @Enum({ items: () => JobState })
  state: JobState & Opt = JobState.Queued;

  /** 0–100. */
  @Property({ type: 'smallint' })
  @Check({ name: 'jobs_progress_check', expression: 'progress >= 0 AND progress <= 100' })
  progress: number & Opt = 0;

  /** Free-form progress detail, e.g. `{ stage: 'embedding', done: 40, total: 120 }`. */
  @Property({ type: 'json', nullable: true })
  detail?: Record<string, unknown> | null;

  @Property({ type: 'json', nullable: true })
  result?: Record<string, unknown> | null;

  @Property({ type: 'smallint' })
  attempts: number & Opt = 0;

  @Property({ type: 'smallint' })
  maxAttempts!: number;

  @Property({ type: 'text', nullable: true })
  error?: string | null;

  /** Enqueue order (jobs of one upload share their `created_at`): an owner's waiting jobs go in this order. */
  @Property({ type: 'bigint', autoincrement: true })
  seq!: string & Opt;

  /**
   * When the job was handed to the transport (Bull or the in-process runner); null while it waits
   * in the database for its owner's turn (fair queues, see JobDispatcher).
   */
  @Property({ type: 'datetime', columnType: 'timestamptz', nullable: true })
  dispatchedAt?: Date | null;

  /** Earliest time the next attempt may start (backoff); used by the in-process runner. */
  @Property({ type: 'datetime', columnType: 'timestamptz', defaultRaw: 'now()' })
  runAt: Date & Opt = new Date();

  /**
   * When the job was last handed to the transport; null on a queued or retrying job that has its
   * turn means it waits in the outbox (JobOutbox hands it over as soon as the transport can take it).
   */
  @Property({ type: 'datetime', columnType: 'timestamptz', nullable: true })
  deliveredAt?: Date | null;

  /** Hand-overs so far: `${id}.${delivery}` names the transport's copy of this run. */
  @Property({ type: 'integer', defaultRaw: '0' })
  delivery: number & Opt = 0;

  /** The running attempt's lease: its writes are conditional on this token. Null unless active. */
  @Property({ type: 'uuid', nullable: true })
  leaseToken?: string | null;

  /** The instance whose worker holds the lease. */
  @Property({ type: 'text', nullable: true })
  leaseOwner?: string | null;

  /** The lease lapses here unless the heartbeat renews it; then any instance runs the job again. */
  @Property({ type: 'datetime', columnType: 'timestamptz', nullable: true })
  leaseExpiresAt?: Date | null;

  /** Attempts lost with their worker (crash, kill, lapsed lease): not attempts, but bounded. */
  @Property({ type: 'smallint', defaultRaw: '0' })
  interruptions: number & Opt = 0;

  @Property({ type: 'datetime', columnType: 'timestamptz', nullable: true })
  startedAt?: Date | null;

  @Property({ type: 'datetime', columnType: 'timestamptz', nullable: true })
  finishedAt?: Date | null;
}
