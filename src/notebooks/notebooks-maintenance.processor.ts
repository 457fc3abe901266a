import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { JobHandler, JobProcessor } from '../queue/job-handler.decorator';
import { JobScheduler } from '../queue/job-scheduler';
import { JobName, QueueName } from '../queue/job.types';
import { BlobStorage } from '../storage/blob-storage';
import { NotebooksService } from './notebooks.service';

const HOUR_MS = 3_600_000;

/** Purges notebooks that stayed in the trash past NOTEBOOK_RETENTION_DAYS: rows, chunks and files. */
@Injectable()
@JobProcessor()
export class NotebooksMaintenanceProcessor implements OnModuleInit {
  private readonly logger = new Logger(NotebooksMaintenanceProcessor.name);

  constructor(
    private readonly notebooks: NotebooksService,
    private readonly storage: BlobStorage,
    private readonly scheduler: JobScheduler,
  ) {}

  onModuleInit(): void {
    this.scheduler.every(JobName.PurgeDeletedNotebooks, HOUR_MS, () => ({}));
  }

  @JobHandler({ queue: QueueName.Maintenance, name: JobName.PurgeDeletedNotebooks })
  async purge(): Promise<{ notebooks: number }> {
    const { notebooks, storageKeys } = await this.notebooks.purgeExpired();
    // Rows first (one cascade), files after: a crash in between leaves orphan files, never dangling rows.
    await this.storage.delete(storageKeys);
    if (notebooks > 0) this.logger.log(`purged ${notebooks} notebook(s) and ${storageKeys.length} file(s)`);
    return { notebooks };
  }
}
