import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import {
  type EntityClass,
  type EntityDictionary,
  RequestContext,
  TransactionContext,
  UniqueConstraintViolationException,
} from '@mikro-orm/core';
import { type QueryResult, type RawBuilder } from 'kysely';
import { EntityManager } from '@mikro-orm/postgresql';

type AfterCommit = () => Promise<void>;

/**
 * The one idiom of every repository: statements written with kysely's `sql` template (values are
 * always bind parameters, vectors included), run on this context's connection, their rows returned
 * as they are or hydrated into entities by MikroORM's mapper (column → property names and types).
 * No repository uses MikroORM's entity API (find/persist/flush): a set-based statement (`unnest`
 * inserts, conditional `update … returning`, `for update`) says what it does in one place, and
 * soft-deleted rows are excluded by the statement's own `where`, not a global filter.
 */
export class Statements {
  constructor(private readonly manager: () => EntityManager) {}

  async rows<R>(statement: RawBuilder<R>): Promise<R[]> {
    return (await this.run(statement)).rows;
  }

  async one<R>(statement: RawBuilder<R>): Promise<R | null> {
    return (await this.rows(statement))[0] ?? null;
  }

  /** Runs a statement; returns the number of rows it inserted, updated or deleted. */
  async affected(statement: RawBuilder<unknown>): Promise<number> {
    return Number((await this.run(statement)).numAffectedRows ?? 0);
  }

  /** The rows (every column of the entity's table, snake_case) as entities. */
  async entities<T extends object>(entity: EntityClass<T>, statement: RawBuilder<Row>): Promise<T[]> {
    const rows = await this.rows(statement);
    return rows.map((row) => this.hydrate(entity, row));
  }

  async entity<T extends object>(entity: EntityClass<T>, statement: RawBuilder<Row>): Promise<T | null> {
    return (await this.entities(entity, statement))[0] ?? null;
  }

  /**
   * MikroORM connects lazily, on its own first query (ensureConnection, as its entity API does
   * before every statement); Kysely's executor does not. DbContext also connects at init (for
   * readiness), but a provider's onModuleInit may run a statement before DbContext's own init
   * has run, and `ensureConnection` is a flag check once connected (MikroORM's Connection.js).
   */
  private async run<R>(statement: RawBuilder<R>): Promise<QueryResult<R>> {
    const em = this.manager();
    await em.getConnection().ensureConnection();
    return statement.execute(em.getKysely());
  }

  /** A row read elsewhere (the prepared-statement pool) as an entity. */
  hydrate<T extends object>(entity: EntityClass<T>, row: Row): T {
    return this.manager().map(entity, row as EntityDictionary<T>);
  }
}

type Row = Record<string, unknown>;

/** Postgres refused a row for a unique constraint (23505), however the statement was run. */
export function isUniqueViolation(error: unknown): boolean {
  return (
    error instanceof UniqueConstraintViolationException ||
    (typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505')
  );
}

/**
 * Where a repository's statements run: in the open unit of work's transaction if there is one
 * (MikroORM's transaction context, carried by AsyncLocalStorage), otherwise on a fresh fork of the
 * EntityManager — never the global one, and never an `em` handed down by the caller.
 */
@Injectable()
export class DbContext extends Statements implements OnModuleInit {
  constructor(private readonly orm: EntityManager) {
    super(() => this.em());
  }

  /** Connected from the start (no round trip): readiness asks MikroORM whether it is. */
  async onModuleInit(): Promise<void> {
    await this.orm.getConnection().ensureConnection();
  }

  /** The EntityManager of the current transaction, or a fresh fork (an empty identity map). For infrastructure only. */
  em(): EntityManager {
    return (TransactionContext.getEntityManager(this.orm.name) as EntityManager | undefined) ?? this.orm.fork();
  }

  /** Statements on a fresh fork even inside a transaction: for writes that must not join the caller's. */
  detached(): Statements {
    return new Statements(() => this.orm.fork());
  }

  /** Runs background work (a job) in a context of its own, as MikroORM wants of work outside a request. */
  isolated<T>(work: () => Promise<T>): Promise<T> {
    return RequestContext.create(this.orm, work);
  }

  /** MikroORM's Kysely on the same connection as {@link em}. For infrastructure only. */
  kysely(): ReturnType<EntityManager['getKysely']> {
    return this.em().getKysely();
  }
}

/**
 * The one way a use case changes several aggregates atomically: `transaction(work)` runs `work`
 * in one database transaction, and every repository call inside it (any module's, however deep)
 * joins it through {@link DbContext}. Work that must only happen once the change is durable —
 * handing recorded jobs to the queue — is registered with {@link afterCommit}.
 */
@Injectable()
export class UnitOfWork {
  private readonly hooks = new AsyncLocalStorage<AfterCommit[]>();

  constructor(private readonly orm: EntityManager) {}

  /** Runs `work` in a transaction; inside an open one, it joins it (commits with the outermost). */
  async transaction<T>(work: () => Promise<T>): Promise<T> {
    if (this.active()) return work();
    const hooks: AfterCommit[] = [];
    const result = await this.hooks.run(hooks, () => this.orm.fork().transactional(() => work()));
    for (const hook of hooks) await hook();
    return result;
  }

  /** Runs `hook` once the open transaction has committed (never if it rolls back); at once outside one. */
  async afterCommit(hook: AfterCommit): Promise<void> {
    const hooks = this.hooks.getStore();
    if (hooks && this.active()) hooks.push(hook);
    else await hook();
  }

  private active(): boolean {
    return TransactionContext.getEntityManager(this.orm.name) !== undefined;
  }
}
