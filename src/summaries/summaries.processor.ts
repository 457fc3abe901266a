import { Injectable } from '@nestjs/common';
import { JobHandler, JobProcessor } from '../queue/job-handler.decorator';
import { type JobContext, JobName, type JobPayloads, QueueName } from '../queue/job.types';
import { type SummaryResult, SummariesService } from './summaries.service';

@Injectable()
@JobProcessor()
export class SummariesProcessor {
  constructor(private readonly summaries: SummariesService) {}

  @JobHandler({ queue: QueueName.Summaries, name: JobName.SummarizeSource })
  source(payload: JobPayloads[JobName.SummarizeSource], context: JobContext): Promise<SummaryResult> {
    return this.summaries.buildForSource(payload.sourceId, payload.revision, context);
  }

  @JobHandler({ queue: QueueName.Summaries, name: JobName.SummarizeNotebook })
  notebook(payload: JobPayloads[JobName.SummarizeNotebook], context: JobContext): Promise<SummaryResult> {
    return this.summaries.buildForNotebook(payload.notebookId, context);
  }
}
