import { Injectable } from '@nestjs/common';
import { JobHandler, JobProcessor } from '../queue/job-handler.decorator';
import { type JobContext, JobName, type JobPayloads, QueueName } from '../queue/job.types';
import { type IngestResult, IngestionService } from './ingestion.service';

/** Thin: the pipeline lives in IngestionService; retries and failure states are the runner's. */
@Injectable()
@JobProcessor()
export class IngestionProcessor {
  constructor(private readonly ingestion: IngestionService) {}

  @JobHandler({ queue: QueueName.Ingestion, name: JobName.IngestSource })
  ingest(payload: JobPayloads[JobName.IngestSource], context: JobContext): Promise<IngestResult> {
    return this.ingestion.ingest(payload.sourceId, payload.revision, context);
  }
}
