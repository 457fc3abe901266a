import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

export interface EmbeddedPostgresOptions {
  /** Directory the database lives in; undefined keeps it in memory (tests). */
  dataDir?: string;
  /** Upper bound of client connections; must be at least the ORM's pool size. */
  maxConnections: number;
}

/** Connection settings for `pg`/MikroORM: a Unix socket in a private (0700) directory. */
export interface EmbeddedPostgresConnection {
  host: string;
  port: number;
  user: string;
  dbName: string;
}

type WorkerMessage = { type: 'ready' } | { type: 'stopped' } | { type: 'error'; message: string };

const SOCKET_PORT = 5432;

/**
 * The zero-setup database: PGlite with pgvector, run in a worker thread and served over a Unix
 * socket that only this user can open. One process may own a data directory at a time (a pid lock
 * guards it), which is why zero-setup mode is single-instance only.
 */
export class EmbeddedPostgres {
  private constructor(
    private readonly worker: Worker,
    private readonly socketDir: string,
    private readonly lockFile: string | undefined,
  ) {}

  static async start(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
    let pgDir: string | undefined;
    let lockFile: string | undefined;
    if (options.dataDir) {
      pgDir = join(options.dataDir, 'pg');
      mkdirSync(pgDir, { recursive: true, mode: 0o700 });
      lockFile = join(options.dataDir, 'pg.lock');
      acquireLock(lockFile);
    }
    const socketDir = mkdtempSync(join(tmpdir(), 'folio-pg-'));
    const worker = new Worker(join(__dirname, 'embedded-postgres.worker.mjs'), {
      workerData: {
        dataDir: pgDir,
        socketPath: join(socketDir, `.s.PGSQL.${SOCKET_PORT}`),
        maxConnections: options.maxConnections,
      },
    });
    try {
      const first = await nextMessage(worker);
      if (first.type !== 'ready') {
        throw new Error(`embedded Postgres failed to start: ${first.type === 'error' ? first.message : first.type}`);
      }
    } catch (error) {
      await worker.terminate();
      rmSync(socketDir, { recursive: true, force: true });
      if (lockFile) rmSync(lockFile, { force: true });
      throw error;
    }
    worker.unref();
    return new EmbeddedPostgres(worker, socketDir, lockFile);
  }

  get connection(): EmbeddedPostgresConnection {
    return { host: this.socketDir, port: SOCKET_PORT, user: 'postgres', dbName: 'postgres' };
  }

  private stopping?: Promise<void>;

  /** Stops serving and closes PGlite, which flushes everything to the data directory. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    try {
      const stopped = nextMessage(this.worker, 30_000).catch(() => undefined);
      this.worker.postMessage({ type: 'stop' });
      await stopped;
      await this.worker.terminate();
    } finally {
      rmSync(this.socketDir, { recursive: true, force: true });
      if (this.lockFile) rmSync(this.lockFile, { force: true });
    }
  }
}

function nextMessage(worker: Worker, timeoutMs = 120_000): Promise<WorkerMessage> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error('embedded Postgres did not answer in time'));
    }, timeoutMs);
    const onMessage = (message: WorkerMessage): void => {
      cleanup();
      resolve(message);
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const onExit = (code: number): void => {
      cleanup();
      reject(new Error(`embedded Postgres worker exited with code ${code}`));
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
    };
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
  });
}

/** Two processes writing one PGlite directory would corrupt it; refuse rather than risk it. */
function acquireLock(lockFile: string): void {
  try {
    writeFileSync(lockFile, String(process.pid), { flag: 'wx', mode: 0o600 });
    return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const owner = Number.parseInt(readFileSync(lockFile, 'utf8'), 10);
  if (Number.isInteger(owner) && owner !== process.pid && isAlive(owner)) {
    throw new Error(
      `the data directory is in use by another Folio process (pid ${owner}); zero-setup mode is single-instance only — ` +
        'stop that process, or use DATABASE_URL and REDIS_URL to run several instances',
    );
  }
  // Stale lock from a process that died: take it over.
  writeFileSync(lockFile, String(process.pid), { mode: 0o600 });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
