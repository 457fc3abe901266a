/** Queues: one per kind of work, so a flood of one kind cannot starve another. */
export enum QueueName {
  Maintenance = 'maintenance',
  Ingestion = 'ingestion',
  Summaries = 'summaries',
}

/** Every job Folio runs. Feature issues add their own names here. */
export enum JobName {
  PurgeFinishedJobs = 'maintenance.purge-finished-jobs',
  PurgeDeletedNotebooks = 'maintenance.purge-deleted-notebooks',
  PurgeChunkWrites = 'maintenance.purge-chunk-writes',
  ReembedLocal = 'maintenance.reembed-local',
  IngestSource = 'ingestion.ingest-source',
  SummarizeSource = 'summaries.summarize-source',
  SummarizeNotebook = 'summaries.summarize-notebook',
}

/**
 * Payload type of each job. An interface (not a type) so tests can add their own jobs by
 * declaration merging.
 */
export interface JobPayloads {
  [JobName.PurgeFinishedJobs]: { olderThanDays: number };
  [JobName.PurgeDeletedNotebooks]: Record<string, never>;
  /** Delete the rows of retired (and long-abandoned) chunk writes. */
  [JobName.PurgeChunkWrites]: Record<string, never>;
  /** Re-embed in place what an older version of the local embedding provider embedded. */
  [JobName.ReembedLocal]: Record<string, never>;
  /** Ingest a source as it is at `revision`; a later revision supersedes this job. */
  [JobName.IngestSource]: { sourceId: string; revision: number };
  /** Build the summary tree of a source as it is at `revision`. */
  [JobName.SummarizeSource]: { sourceId: string; revision: number };
  /** Rebuild a notebook's own summary over its sources' roots. */
  [JobName.SummarizeNotebook]: { notebookId: string };
}

export type JobNameOf = keyof JobPayloads & string;
export type JobPayloadOf<N extends JobNameOf> = JobPayloads[N];

/** What a handler gets besides its payload. */
export interface JobContext {
  readonly jobId: string;
  /** 1-based number of this attempt. */
  readonly attempt: number;
  readonly maxAttempts: number;
  /** Aborted when the job is cancelled or the process shuts down; long work should watch it. */
  readonly signal: AbortSignal;
  /**
   * Records progress (0–100) and optional detail. Throws {@link JobCancelledError} if the job was
   * cancelled meanwhile, so a handler that reports progress stops promptly.
   */
  progress(percent: number, detail?: Record<string, unknown>): Promise<void>;
}

export type JobHandlerFn<N extends JobNameOf = JobNameOf> = (
  payload: JobPayloadOf<N>,
  context: JobContext,
) => Promise<Record<string, unknown> | void>;

/** Throw from a handler when retrying cannot help (bad input, missing record): no more attempts. */
export class PermanentJobError extends Error {
  override name = 'PermanentJobError';
}

export class JobCancelledError extends Error {
  override name = 'JobCancelledError';
  constructor() {
    super('job was cancelled');
  }
}
