import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable } from '@nestjs/common';
import { RequestContext, TransactionContext } from '@mikro-orm/core';
import { EntityManager } from '@mikro-orm/postgresql';

type AfterCommit = () => Promise<void>;

/**
 * Where a repository's statements run: in the open unit of work's transaction if there is one
 * (MikroORM's transaction context, carried by AsyncLocalStorage), otherwise on a fresh fork of the
 * EntityManager — never the global one, and never an `em` handed down by the caller.
 */
@Injectable()
export class DbContext {
  constructor(private readonly orm: EntityManager) {}

  /** The EntityManager of the current transaction, or a fresh fork (an empty identity map). */
  em(): EntityManager {
    return (TransactionContext.getEntityManager(this.orm.name) as EntityManager | undefined) ?? this.orm.fork();
  }

  /** A fresh fork even inside a transaction: for statements that must not join the caller's. */
  detached(): EntityManager {
    return this.orm.fork();
  }

  /** Runs background work (a job) in a context of its own, as MikroORM wants of work outside a request. */
  isolated<T>(work: () => Promise<T>): Promise<T> {
    return RequestContext.create(this.orm, work);
  }

  /** MikroORM's Kysely on the same connection as {@link em}. */
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
