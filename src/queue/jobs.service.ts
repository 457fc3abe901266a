import { Injectable, NotFoundException } from '@nestjs/common';
import { subject } from '@casl/ability';
import { type Principal } from '../access/principal';
import { type AppConfig } from '../config/app-config';
import { InjectConfig } from '../config/config.module';
import { uuidv5 } from '../common/uuid';
import { EventBus } from '../events/event-bus';
import { JobRegistry } from './job-registry';
import { JOB_CANCELLED_TOPIC } from './job-runner';
import { type JobNameOf, type JobPayloadOf } from './job.types';
import { type JobEntity } from './job.entity';
import { JobsRepository } from './jobs.repository';
import { type JobDto, toJobDto } from './dto/job.dto';
import { JobTransport } from './transports/job-transport';

/** Namespace of job ids: uuidv5(namespace, "queue:name:key"). */
const JOB_ID_NAMESPACE = '6f1d8a52-3c0e-4f7b-9a55-2d0b7c4e9e11';

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
    if (await this.repository.cancel(id)) {
      await this.transport.remove({ id, queue: job.queue });
      await this.events.publish(JOB_CANCELLED_TOPIC, { jobId: id });
    }
    return this.get(auth, id);
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
