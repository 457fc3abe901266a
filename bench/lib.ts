/* eslint-disable no-console -- benchmarks report on stdout */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { Client } from 'pg';

export interface LoadResult {
  label: string;
  connections: number;
  durationSec: number;
  requests: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
}

/** Drives one URL with autocannon and returns throughput, exact latency percentiles and errors. */
export async function runLoad(
  label: string,
  url: string,
  connections: number,
  durationSec: number,
  headers: Record<string, string> = {},
  request: { method?: 'GET' | 'POST'; body?: string } = {},
): Promise<LoadResult> {
  const latencies: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const options = {
      url,
      connections,
      duration: durationSec,
      headers,
      timeout: 10,
      method: request.method ?? 'GET',
      body: request.body,
    };
    const instance = autocannon(options, (error, res) =>
      error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(res),
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  });
  latencies.sort((a, b) => a - b);
  const pct = (p: number): number =>
    latencies.length === 0 ? NaN : latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
  return {
    label,
    connections,
    durationSec,
    requests: result.requests.total,
    rps: result.requests.total / durationSec,
    p50: pct(50),
    p95: pct(95),
    p99: pct(99),
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

export function printResults(results: LoadResult[]): void {
  const rows = results.map((r) => ({
    target: r.label,
    conns: r.connections,
    'req/s': Math.round(r.rps),
    'p50 ms': r.p50.toFixed(1),
    'p95 ms': r.p95.toFixed(1),
    'p99 ms': r.p99.toFixed(1),
    errors: r.errors,
    requests: r.requests,
  }));
  console.table(rows);
}

/** Starts a compiled script (relative to dist/) as a child process and waits until `readyUrl` answers 200. */
export async function startNode(script: string, env: Record<string, string>, readyUrl: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(__dirname, '..', script)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${script} exited with code ${child.exitCode}`);
    try {
      const res = await fetch(readyUrl);
      if (res.ok) return child;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${script} did not become ready`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export async function stopNode(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** Drops and recreates a database, for runs that must start empty; returns its URL. */
export async function freshDatabase(url: string): Promise<string> {
  const target = new URL(url);
  const name = target.pathname.slice(1).replace(/"/g, '');
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`drop database if exists "${name}" with (force)`);
    await client.query(`create database "${name}"`);
  } finally {
    await client.end();
  }
  return url;
}

/** Creates the database if it does not exist; returns its URL. */
export async function ensureDatabase(url: string): Promise<string> {
  const target = new URL(url);
  const name = target.pathname.slice(1);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const exists = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (exists.rowCount === 0) await client.query(`create database "${name.replace(/"/g, '')}"`);
  } finally {
    await client.end();
  }
  return url;
}

export function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
}

export function machineSummary(): string {
  return `${cpus().length} CPU (${cpus()[0]?.model ?? '?'}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

/** Server-mode environment for a benchmarked Folio: real Postgres and Redis, quiet logs, limits out of the way. */
export function folioServerEnv(databaseUrl: string, redisUrl: string, port: number): Record<string, string> {
  return {
    NODE_ENV: 'production',
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    // One prefix per database: two benches sharing a prefix would take each other's jobs (a job
    // whose row is in the other database is dropped as unknown).
    REDIS_KEY_PREFIX: `bench-${createHash('sha256').update(new URL(databaseUrl).pathname).digest('hex').slice(0, 12)}`,
    MIGRATE_ON_START: 'true',
    LOG_LEVEL: 'warn',
    LOG_REQUESTS: 'false',
    JOB_SCHEDULE: 'false',
    // Stable across runs, so tokens and keys issued by one bench run stay valid in the next.
    JWT_SECRET: 'bench-only-secret-bench-only-secret-0123456789',
    VAULT_KEYS: `bench:${Buffer.alloc(32, 7).toString('base64')}`,
    // Measure the full request path, rate limiters included, without ever tripping them.
    RATE_LIMIT_MAX: '1000000000',
    AUTH_RATE_LIMIT_MAX: '1000000000',
  };
}

export function benchTargets(): { databaseUrl: Promise<string>; redisUrl: string; duration: number } {
  return {
    databaseUrl: ensureDatabase(process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/folio_bench'),
    redisUrl: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
    duration: envNumber('BENCH_DURATION', 10),
  };
}

/** Signs a bench user up (or logs it in when a previous run created it); returns its id and access token. */
export async function benchUser(
  baseUrl: string,
  email = 'bench@example.test',
): Promise<{ id: string; accessToken: string }> {
  const password = 'bench password for folio';
  const post = (path: string, body: object) =>
    fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const signup = await post('/api/v1/auth/signup', { email, password });
  let accessToken: string;
  if (signup.status === 201) {
    accessToken = ((await signup.json()) as { tokens: { accessToken: string } }).tokens.accessToken;
  } else {
    const login = await post('/api/v1/auth/login', { email, password });
    if (!login.ok) throw new Error(`bench login failed: ${login.status} ${await login.text()}`);
    accessToken = ((await login.json()) as { accessToken: string }).accessToken;
  }
  const me = await fetch(`${baseUrl}/api/v1/auth/me`, { headers: { authorization: `Bearer ${accessToken}` } });
  return { id: ((await me.json()) as { id: string }).id, accessToken };
}
