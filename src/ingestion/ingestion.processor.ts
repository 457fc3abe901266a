import { Injectable, type OnModuleInit } from '@nestjs/common';
import { JobHandler, JobProcessor } from '../queue/job-handler.decorator';
import { JobScheduler } from '../queue/job-scheduler';
import { type JobContext, JobName, type JobPayloads, QueueName } from '../queue/job.types';
import { type IngestResult, IngestionService } from './ingestion.service';

/** Thin: the pipeline lives in IngestionService; retries and failure states are the runner's. */
const CHUNK_WRITES_SWEEP_MS = 10 * 60_000;

@Injectable()
@JobProcessor()
export class IngestionProcessor implements OnModuleInit {
  constructor(
    private readonly ingestion: IngestionService,
    private readonly scheduler: JobScheduler,
  ) {}

  onModuleInit(): void {
    this.scheduler.every(JobName.PurgeChunkWrites, CHUNK_WRITES_SWEEP_MS, () => ({}));
    this.scheduler.atStart(JobName.ReembedLocal, () => ({}));
  }

  @JobHandler({ queue: QueueName.Ingestion, name: JobName.IngestSource })
  ingest(payload: JobPayloads[JobName.IngestSource], context: JobContext): Promise<IngestResult> {
    return this.ingestion.ingest(payload.sourceId, payload.revision, context);
  }

  /** Chunks of writes that died with their process (or whose clean-up did). */
  @JobHandler({ queue: QueueName.Maintenance, name: JobName.PurgeChunkWrites })
  purgeChunkWrites(): Promise<{ deleted: number }> {
    return this.ingestion.purgeAbandonedWrites();
  }

  /** Vectors of an older local embedding provider, after an upgrade. */
  @JobHandler({ queue: QueueName.Maintenance, name: JobName.ReembedLocal })
  reembedLocal(_payload: JobPayloads[JobName.ReembedLocal], context: JobContext): Promise<Record<string, number>> {
    return this.ingestion.reembedLocal(context);
  }
}
