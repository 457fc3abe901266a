import { Injectable, type MessageEvent, NotFoundException } from '@nestjs/common';
import { subject } from '@casl/ability';
import { type Principal } from '../access/principal';
import { type AppConfig } from '../config/app-config';
import { InjectConfig } from '../config/config.module';
import { uuidv5 } from '../common/uuid';
import { EventBus } from '../events/event-bus';
import { JobRegistry } from './job-registry';
import { JOB_CANCELLED_TOPIC, type JobProgressEvent, jobProgressTopic } from './job-runner';
import { FINISHED_JOB_STATES } from './job.entity';
import { Observable } from 'rxjs';
import { type JobNameOf, type JobPayloadOf } from './job.types';
import { type JobEntity } from './job.entity';
import { JobsRepository } from './jobs.repository';
import { type JobDto, toJobDto } from './dto/job.dto';
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
}

/** What feature modules use to run background work, whichever runtime mode is active. */
@Injectable()
export class JobsService {
  constructor(
    private readonly repository: JobsRepository,
    private readonly registry: JobRegistry,
    private readonly transport: JobTransport,
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
    const queue = this.queueOf(name);
    const delayMs = options.delayMs ?? 0;
    const { created, job } = await this.repository.insertIfAbsent({
      id: this.jobId(name, key),
      queue,
      name,
      key,
      payload: payload,
      maxAttempts: options.maxAttempts ?? this.config.jobs.attempts,
      ownerId: options.ownerId ?? null,
      runAt: new Date(Date.now() + delayMs),
    });
    if (created) {
      await this.transport.dispatch({ id: job.id, queue, name, maxAttempts: job.maxAttempts, delayMs });
    }
    return toJobDto(job);
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
      const finish = async (): Promise<void> => {
        if (closed) return;
        closed = true;
        const job = await this.repository.findById(id);
        if (job) subscriber.next({ type: 'end', data: toJobDto(job) });
        subscriber.complete();
      };
      const unsubscribe = this.events.subscribe<JobProgressEvent>(jobProgressTopic(id), (event) => {
        if (closed) return;
        if (event.outcome && event.outcome !== 'retry') {
          void finish();
          return;
        }
        subscriber.next({ type: 'progress', data: event });
      });
      const heartbeat = setInterval(() => subscriber.next({ type: 'ping', data: {} }), HEARTBEAT_MS);
      heartbeat.unref();
      void this.repository.findById(id).then((job) => {
        if (!job || closed) return;
        subscriber.next({ type: 'state', data: toJobDto(job) });
        if ((FINISHED_JOB_STATES as readonly string[]).includes(job.state)) void finish();
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
      await this.transport.remove({ id: job.id, queue: job.queue });
      await this.events.publish(JOB_CANCELLED_TOPIC, { jobId: job.id });
    }
  }

  /** Another user's job answers exactly like a job that does not exist. */
  private async findVisible(auth: Principal, id: string, action: 'read' | 'update'): Promise<JobEntity> {
    const job = await this.repository.findById(id);
    if (!job || !auth.ability.can(action, subject('Job', { ownerId: job.ownerId ?? null }))) {
      throw new NotFoundException('Job not found');
    }
    return job;
  }

  private queueOf(name: string): string {
    const handler = this.registry.get(name);
    if (!handler) throw new Error(`no handler is registered for job "${name}"`);
    return handler.queue;
  }
}
