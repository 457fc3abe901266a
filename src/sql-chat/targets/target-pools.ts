import { Pool } from 'pg';
import { type TargetConnection } from './target-runner';

export interface TargetPoolOptions {
  /** Connections per registered database at most. */
  maxConnections: number;
  connectTimeoutMs: number;
  /** A pool unused this long is closed (its connections too). */
  idleMs: number;
}

/**
 * One small pool per registered connection (and version of it), opened on first use and closed
 * when idle, so a user's database sees at most `maxConnections` from each instance and none while
 * nobody asks.
 */
export class TargetPools {
  private readonly pools = new Map<string, { pool: Pool; lastUsed: number }>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly options: TargetPoolOptions) {
    this.sweeper = setInterval(() => void this.closeIdle(), Math.max(1000, Math.floor(options.idleMs / 2)));
    this.sweeper.unref();
  }

  get(target: TargetConnection): Pool {
    const entry = this.pools.get(target.key);
    if (entry) {
      entry.lastUsed = Date.now();
      return entry.pool;
    }
    const pool = new Pool({
      host: target.host,
      port: target.port,
      database: target.database,
      user: target.user,
      password: target.password,
      ssl: target.ssl ? { rejectUnauthorized: true } : undefined,
      max: this.options.maxConnections,
      connectionTimeoutMillis: this.options.connectTimeoutMs,
      idleTimeoutMillis: this.options.idleMs,
      application_name: 'folio-sql-chat',
    });
    // A connection the server closes while idle must not take the process down.
    pool.on('error', () => undefined);
    this.pools.set(target.key, { pool, lastUsed: Date.now() });
    return pool;
  }

  /** Closes the pools of one connection (every version of it): after an edit or a delete. */
  async forget(keyPrefix: string): Promise<void> {
    const closing = [...this.pools].filter(([key]) => key.startsWith(keyPrefix));
    for (const [key] of closing) this.pools.delete(key);
    await Promise.all(closing.map(([, { pool }]) => pool.end().catch(() => undefined)));
  }

  async closeAll(): Promise<void> {
    clearInterval(this.sweeper);
    await this.forget('');
  }

  private async closeIdle(): Promise<void> {
    const now = Date.now();
    const idle = [...this.pools].filter(
      ([, e]) => now - e.lastUsed >= this.options.idleMs && e.pool.waitingCount === 0,
    );
    for (const [key] of idle) this.pools.delete(key);
    await Promise.all(idle.map(([, { pool }]) => pool.end().catch(() => undefined)));
  }
}
