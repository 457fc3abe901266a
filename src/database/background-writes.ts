import { Injectable } from '@nestjs/common';
import { type AppConfig } from '../config/app-config';
import { InjectConfig } from '../config/config.module';

/**
 * Large background writes (batches of chunks and summary nodes) go through here. On a server,
 * Postgres runs them side by side with everything else, so they run at once. The embedded
 * Postgres runs one statement at a time, in arrival order: four ingestion jobs writing at once
 * put four batches ahead of every API query (bench:ingest fairness, zero-setup mode: API p95
 * 146 ms), so there they take turns, one batch in the queue at a time.
 */
@Injectable()
export class BackgroundWrites {
  private readonly serial: boolean;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(@InjectConfig() config: AppConfig) {
    this.serial = !config.database.url;
  }

  run<T>(write: () => Promise<T>): Promise<T> {
    if (!this.serial) return write();
    const result = this.tail.then(write, write);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
