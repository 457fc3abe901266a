import { type FieldDef, type Pool, type PoolClient, type QueryConfig } from 'pg';
import Cursor from 'pg-cursor';
import { databaseCode, isConnectionFailure } from '../../database/connection-failure';

/** Where a registered connection points; `host` is the address it was pinned to when checked. */
export interface TargetConnection {
  /** Identifies the pool: the connection's id and version (a changed connection gets a new pool). */
  key: string;
  host: string;
  port: number;
  database: string;
  user: string;
  password?: string;
  ssl?: boolean;
  /** Schemas the statement may name without qualification (the search path after pg_catalog). */
  schemas: string[];
}

export interface RunLimits {
  statementTimeoutMs: number;
  lockTimeoutMs: number;
  /** Rows returned at most; more make `truncated`. */
  maxRows: number;
  /** Bytes of row data (as JSON) returned at most; more make `truncated`. */
  maxBytes: number;
  /** Plans the planner estimates above this cost are refused before they run; 0 turns the gate off. */
  maxCost: number;
}

export interface RunResult {
  columns: { name: string; type: string }[];
  rows: unknown[][];
  rowCount: number;
  truncated: boolean;
  /** The planner's estimate, when the cost gate asked. */
  cost?: number;
  executionMs: number;
}

/**
 * Why a statement did not run: `refused` by the database (read-only transaction, privileges),
 * `rejected` as invalid (undefined column, type error: worth a repair), `timeout`, `too_costly`
 * (the plan's estimate), `unreachable`.
 */
export type TargetFailureKind = 'refused' | 'rejected' | 'timeout' | 'too_costly' | 'unreachable';

export class TargetError extends Error {
  constructor(
    readonly kind: TargetFailureKind,
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** SQLSTATEs of a statement the database refused on principle rather than found invalid. */
const REFUSED = new Set(['25006', '42501', '25001', '0A000', '2F003', '38003']);
const TIMEOUT = new Set(['57014', '55P03', '25P03']);
const FETCH_BATCH = 200;

/**
 * Runs one statement on a user's database, as the second and third layers of SQL chat's defence:
 * the extended protocol (one statement, nothing stacked, no parameters inlined), inside
 * `BEGIN READ ONLY` with local statement, lock and idle timeouts and a search path of pg_catalog
 * first (`withReadOnly`); an optional EXPLAIN cost gate first; rows read through a cursor in
 * batches and capped by count and bytes rather than by rewriting the statement with LIMIT.
 */
export function runReadOnly(pool: Pool, target: TargetConnection, sql: string, limits: RunLimits): Promise<RunResult> {
  const started = performance.now();
  return withReadOnly(pool, target, limits, async (client) => {
    let cost: number | undefined;
    if (limits.maxCost > 0) {
      cost = await planCost(client, sql);
      if (cost > limits.maxCost) {
        throw new TargetError(
          'too_costly',
          `The planner estimates this query at ${Math.round(cost)} cost units, above the limit of ${limits.maxCost}; narrow it down`,
        );
      }
    }
    const { fields, rows, truncated } = await readCapped(client, sql, limits);
    const columns = await columnTypes(client, fields);
    return {
      columns,
      rows,
      rowCount: rows.length,
      truncated,
      cost,
      executionMs: Math.round((performance.now() - started) * 10) / 10,
    };
  });
}

/**
 * Work on a user's database inside `BEGIN READ ONLY` with local statement, lock and idle timeouts
 * and a search path of pg_catalog first; always rolled back, and the session discarded so nothing
 * carries over to the next user of the pooled connection. Errors come out as `TargetError`.
 */
export async function withReadOnly<T>(
  pool: Pool,
  target: TargetConnection,
  limits: Pick<RunLimits, 'statementTimeoutMs' | 'lockTimeoutMs'>,
  work: (client: PoolClient) => Promise<T>,
): Promise<T> {
  const client = await connect(pool);
  let broken: Error | undefined;
  try {
    await client.query('BEGIN READ ONLY');
    await client.query({
      text: `select set_config('statement_timeout', $1, true), set_config('lock_timeout', $2, true),
                    set_config('idle_in_transaction_session_timeout', $3, true), set_config('search_path', $4, true)`,
      values: [
        `${limits.statementTimeoutMs}ms`,
        `${limits.lockTimeoutMs}ms`,
        `${limits.statementTimeoutMs + 5000}ms`,
        ['pg_catalog', ...target.schemas].map((s) => client.escapeIdentifier(s)).join(', '),
      ],
    });
    return await work(client);
  } catch (error) {
    throw asTargetError(error);
  } finally {
    try {
      await client.query('ROLLBACK');
      // What a transaction does not undo: prepared statements, session advisory locks, LISTEN.
      await client.query('DISCARD ALL');
    } catch (error) {
      broken = error as Error;
    }
    // A client whose rollback failed is in an unknown state: destroy it instead of reusing it.
    client.release(broken);
  }
}

async function connect(pool: Pool): Promise<PoolClient> {
  try {
    return await pool.connect();
  } catch (error) {
    throw new TargetError('unreachable', `Could not connect to the database: ${(error as Error).message}`);
  }
}

async function planCost(client: PoolClient, sql: string): Promise<number> {
  // The extended protocol (node-postgres' queryMode, missing from its types) takes one statement only.
  const explain: QueryConfig & { queryMode: 'extended' } = {
    text: `EXPLAIN (FORMAT JSON) ${sql}`,
    queryMode: 'extended',
  };
  const { rows } = await client.query<{ 'QUERY PLAN': [{ Plan: { 'Total Cost': number } }] }>(explain);
  return rows[0]['QUERY PLAN'][0].Plan['Total Cost'];
}

function readCapped(
  client: PoolClient,
  sql: string,
  limits: RunLimits,
): Promise<{ fields: FieldDef[]; rows: unknown[][]; truncated: boolean }> {
  const cursor = client.query(new Cursor<unknown[]>(sql, [], { rowMode: 'array' }));
  const rows: unknown[][] = [];
  let bytes = 0;
  let fields: FieldDef[] = [];
  const batch = (): Promise<unknown[][]> =>
    new Promise((resolve, reject) =>
      cursor.read(FETCH_BATCH, (error, got, result) => {
        if (error) return reject(error);
        if (result) fields = result.fields; // a finished cursor answers without one
        resolve(got);
      }),
    );
  return (async () => {
    try {
      for (;;) {
        const got = await batch();
        if (got.length === 0) return { fields, rows, truncated: false };
        for (const row of got) {
          const size = Buffer.byteLength(JSON.stringify(row));
          if (rows.length >= limits.maxRows || bytes + size > limits.maxBytes) return { fields, rows, truncated: true };
          rows.push(row);
          bytes += size;
        }
      }
    } finally {
      await new Promise<void>((resolve) => cursor.close(() => resolve()));
    }
  })();
}

/** Column names and their SQL types, read in the same transaction. */
async function columnTypes(client: PoolClient, fields: FieldDef[]): Promise<{ name: string; type: string }[]> {
  if (fields.length === 0) return [];
  const { rows } = await client.query<{ oid: number; name: string }>({
    text: 'select oid::int as oid, format_type(oid, null) as name from pg_catalog.pg_type where oid = any($1::oid[])',
    values: [[...new Set(fields.map((f) => f.dataTypeID))]],
  });
  const names = new Map(rows.map((r) => [r.oid, r.name]));
  return fields.map((f) => ({ name: f.name, type: names.get(f.dataTypeID) ?? 'unknown' }));
}

function asTargetError(error: unknown): TargetError {
  if (error instanceof TargetError) return error;
  const message = (error as Error).message ?? String(error);
  const code = databaseCode(error);
  if (code && TIMEOUT.has(code)) return new TargetError('timeout', `The query took too long: ${message}`, code);
  if (code && REFUSED.has(code))
    return new TargetError('refused', `The database refused the statement: ${message}`, code);
  if (isConnectionFailure(error))
    return new TargetError('unreachable', `The database connection failed: ${message}`, code);
  return new TargetError('rejected', message, code);
}
