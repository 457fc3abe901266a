import { extname, join } from 'node:path';
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { WorkerPool } from '../../common/worker-pool';
import { type AppConfig } from '../../config/app-config';
import { InjectConfig } from '../../config/config.module';
import { UnprocessableDocumentError } from '../document';
import { type PrepareEvent, prepareDocument, type PrepareInput, type PreparedDocument } from './prepare-document';

/** Heap ceiling of one worker: a pathological document kills its worker, not the process. */
const WORKER_HEAP_MB = 1024;

/**
 * Runs {@link prepareDocument} in a pool of INGEST_WORKERS worker threads, so parsing a large PDF
 * never stalls the requests this instance serves, and ingestion uses more than one core. A
 * cancelled job's document is abandoned at once (its worker is terminated).
 */
@Injectable()
export class DocumentPreparer implements OnApplicationShutdown {
  private readonly pool?: WorkerPool<PrepareInput, PreparedDocument, PrepareEvent>;

  constructor(@InjectConfig() config: AppConfig) {
    if (config.ingestion.workers > 0) {
      this.pool = new WorkerPool(join(__dirname, `document.worker${extname(__filename)}`), {
        size: config.ingestion.workers,
        maxHeapMb: WORKER_HEAP_MB,
        reviveError: (name, message) =>
          name === 'UnprocessableDocumentError' ? new UnprocessableDocumentError(message) : new Error(message),
        outOfMemoryError: () =>
          new UnprocessableDocumentError(`parsing this document needs more than ${WORKER_HEAP_MB} MB of memory`),
      });
    }
  }

  /** `owner`: whose document it is; owners take turns for the worker threads. */
  prepare(
    input: PrepareInput,
    signal: AbortSignal,
    onEvent: (event: PrepareEvent) => void,
    owner?: string,
  ): Promise<PreparedDocument> {
    if (!this.pool) return prepareDocument(input, onEvent);
    // A copy the worker can own: the original may share its memory with other buffers.
    const data = new Uint8Array(input.data);
    return this.pool.run({ ...input, data }, { signal, transfer: [data.buffer], onEvent, group: owner });
  }

  /** After graceful shutdown has let running jobs finish (beforeApplicationShutdown), not before. */
  async onApplicationShutdown(): Promise<void> {
    await this.pool?.close();
  }
}
