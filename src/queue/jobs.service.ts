import { Injectable, type MessageEvent } from '@nestjs/common';
import { can, loadEach, requireAccess, type ResourceKind } from '../access/resource-access';
import { UnitOfWork } from '../database/unit-of-work';
import { type Principal } from '../access/principal';
import { type AppConfig } from '../config/app-config';
import { InjectConfig } from '../config/config.module';
import { uuidv5 } from '../common/uuid';
import { EventBus } from '../events/event-bus';
import { JobDispatcher } from './job-dispatcher';
import { JobRegistry } from './job-registry';
import { JOB_CANCELLED_TOPIC, type JobProgressEvent, jobProgressTopic } from './job-runner';
import { FINISHED_JOB_STATES } from './job.entity';
import { Observable } from 'rxjs';
import { type JobNameOf, type JobPayloadOf, type QueueName } from './job.types';
import { sleep } from '../common/async';
import { type JobEntity } from './job.entity';
import { JobsRepository } from './jobs.repository';
import { type JobDto, toJobDto } from './dto/job.dto';
import { JobOutbox } from './job-outbox';
import { JobTransport } from './transports/job-transport';

/** Namespace of job ids: uuidv5(namespace, "queue:name:key"). */
const JOB_ID_NAMESPACE = '6f1d8a52-3c0e-4f7b-9a55-2d0b7c4e9e11';

/** Keeps proxies from closing an idle event stream. */
const HEARTBEAT_MS = 15_000;

export interface EnqueueOptions {
  maxAttempts?: number;
  delayMs?: number;
  /** The user the job works for: only they (and admins) can see or cancel it. */
  ownerId?: string;
  /** The notebook it works in: an API key limited to other notebooks cannot see it. */
  notebookId?: string;
}

/** What feature modules use to run background work, whichever runtime mode is active. */
@Injectable()
export class JobsService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly repository: JobsRepository,
    private readonly registry: JobRegistry,
    private readonly transport: JobTransport,
    private readonly dispatcher: JobDispatcher,
    private readonly outbox: JobOutbox,
    private readonly events: EventBus,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  /** The id a job with this name and key has (or will have). */
  jobId(name: JobNameOf, key: string): string {
    const queue = this.queueOf(name);
    return uuidv5(`${queue}:${name}:${key}`, JOB_ID_NAMESPACE);
  }

  /**
   * Enqueues a job. The id is derived from name and `key`, so enqueueing the same name and key
   * again returns the existing job instead of running the work twice.
   */
  async enqueue<N extends JobNameOf>(
    name: N,
    key: string,
    payload: JobPayloadOf<N>,
    options: EnqueueOptions = {},
  ): Promise<JobDto> {
    const [job] = await this.enqueueMany(name, [{ key, payload }], options);
    return job;
  }

  /**
   * Waits (polling, without using a worker's CPU) until `queue` has no waiting or running jobs,
   * or `maxWaitMs` passes: lets background work yield to more urgent work of another queue.
   */
  async waitUntilIdle(
    queue: QueueName,
    options: { signal?: AbortSignal; maxWaitMs: number; pollMs?: number },
  ): Promise<void> {
    const deadline = Date.now() + options.maxWaitMs;
    while (Date.now() < deadline && !options.signal?.aborted && (await this.repository.hasUnfinished(queue))) {
      await sleep(options.pollMs ?? 1000);
    }
  }

  /**
   * Enqueues several jobs of one kind with one database statement and one hand-off to the queue.
   * Inside a unit of work the records are written in its transaction, so they exist exactly if
   * the work they belong to was committed, and are handed to the queue once it has committed (at
   * once outside one). If the process dies in between, or the transport is unreachable, the
   * records wait in the outbox (JobOutbox) and are handed over by any instance.
   */
  async enqueueMany<N extends JobNameOf>(
    name: N,
    items: readonly { key: string; payload: JobPayloadOf<N> }[],
    options: EnqueueOptions = {},
  ): Promise<JobDto[]> {
    const queue = this.queueOf(name);
    const delayMs = options.delayMs ?? 0;
    const runAt = new Date(Date.now() + delayMs);
    const maxAttempts = options.maxAttempts ?? this.config.jobs.attempts;
    // Jobs of a fair queue that work for a user wait for that user's turn (JobDispatcher).
    const ownerId = options.ownerId ?? null;
    const waitsForTurn = ownerId !== null && this.dispatcher.isFair(queue);
    const { created, rows } = await this.repository.insertMany(
      items.map(({ key, payload }) => ({
        id: this.jobId(name, key),
        queue,
        name,
        key,
        payload,
        maxAttempts,
        ownerId,
        notebookId: options.notebookId ?? null,
        runAt,
        dispatched: !waitsForTurn,
      })),
    );
    const fresh = rows.filter((job) => created.has(job.id));
    // The records are the outbox: once they are committed, hand them over — at once if the
    // transport can take them, otherwise as soon as it can (the request never waits for Redis).
    if (fresh.length > 0) {
      await this.uow.afterCommit(() =>
        waitsForTurn ? this.dispatcher.feed(queue, ownerId) : this.outbox.handOver(fresh),
      );
    }
    return rows.map(toJobDto);
  }

  async get(auth: Principal, id: string): Promise<JobDto> {
    return toJobDto(await this.findVisible(auth, id, 'read'));
  }

  /** Cancels a job that has not finished; a running attempt is aborted on whichever instance runs it. */
  async cancel(auth: Principal, id: string): Promise<JobDto> {
    const job = await this.findVisible(auth, id, 'update');
    await this.stop(job);
    return this.get(auth, id);
  }

  /**
   * A live view of a job for Server-Sent Events: its current record first, then `progress`
   * events as they happen (on whichever instance runs it), and `end` with the final record.
   * Subscribes before reading the record, so no update can fall between the two.
   */
  async watch(auth: Principal, id: string): Promise<Observable<MessageEvent>> {
    await this.findVisible(auth, id, 'read');
    return new Observable<MessageEvent>((subscriber) => {
      let closed = false;
      // Events that arrive before the record has been read wait for it: the record comes first.
      let pending: JobProgressEvent[] | undefined = [];
      const finish = async (): Promise<void> => {
        if (closed) return;
        closed = true;
        const job = await this.repository.findById(id);
        if (job) subscriber.next({ type: 'end', data: toJobDto(job) });
        subscriber.complete();
      };
      const deliver = (event: JobProgressEvent): void => {
        if (closed) return;
        if (event.outcome && event.outcome !== 'retry') {
          void finish();
          return;
        }
        subscriber.next({ type: 'progress', data: event });
      };
      const unsubscribe = this.events.subscribe<JobProgressEvent>(jobProgressTopic(id), (event) => {
        if (pending) pending.push(event);
        else deliver(event);
      });
      const heartbeat = setInterval(() => subscriber.next({ type: 'ping', data: {} }), HEARTBEAT_MS);
      heartbeat.unref();
      void this.repository.findById(id).then((job) => {
        const early = pending ?? [];
        pending = undefined;
        if (!job || closed) return;
        subscriber.next({ type: 'state', data: toJobDto(job) });
        if ((FINISHED_JOB_STATES as readonly string[]).includes(job.state)) void finish();
        else early.forEach(deliver);
      });
      return () => {
        closed = true;
        clearInterval(heartbeat);
        unsubscribe();
      };
    });
  }

  /** Cancels a job on behalf of the system (its source was deleted or superseded); no-op if finished. */
  async cancelById(id: string): Promise<void> {
    const job = await this.repository.findById(id);
    if (job) await this.stop(job);
  }

  private async stop(job: JobEntity): Promise<void> {
    if (await this.repository.cancel(job.id)) {
      await this.transport.remove({ id: job.id, queue: job.queue, delivery: job.delivery });
      await this.events.publish(JOB_CANCELLED_TOPIC, { jobId: job.id });
      // A cancelled job that was queued frees its owner's turn (a running one does when it stops).
      await this.dispatcher.nextTurn(job);
    }
  }

  /** Another user's job answers exactly like a job that does not exist. */
  private async findVisible(auth: Principal, id: string, action: 'read' | 'update'): Promise<JobEntity> {
    const [job] = await requireAccess(auth, action, [id], this.jobs);
    return job;
  }

  /** Jobs for `requireAccess`: one the caller may not `action` (another user's) is as absent as a missing one. */
  private readonly jobs: ResourceKind<JobEntity> = {
    notFound: 'Job not found',
    load: loadEach((_auth, id) => this.repository.findById(id)),
    id: (job) => job.id,
    visible: (auth, job, action) =>
      can(auth, action, 'Job', { ownerId: job.ownerId ?? null, notebookId: job.notebookId ?? null }),
    allows: () => true,
    forbidden: () => null,
  };

  private queueOf(name: string): string {
    const handler = this.registry.get(name);
    if (!handler) throw new Error(`no handler is registered for job "${name}"`);
    return handler.queue;
  }
}
