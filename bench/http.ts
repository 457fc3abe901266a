/* eslint-disable no-console -- benchmarks report on stdout */
// npm run bench:http — Folio in server mode vs a bare Express + pg baseline doing the same
// database work (a primary-key read of a job record), at 100 and 1000 connections.
//
// Environment: BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/folio_bench),
// BENCH_REDIS_URL (default redis://127.0.0.1:6379), BENCH_DURATION seconds per run (default 10),
// BENCH_CONNECTIONS (default "100,1000").
import { Client } from 'pg';
import {
  ensureDatabase,
  envNumber,
  machineSummary,
  printResults,
  runLoad,
  startNode,
  stopNode,
  type LoadResult,
} from './lib';

const JOB_ID = '0190b3c2-bbbb-7000-8000-00000000b001';

async function seed(databaseUrl: string): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(
      `insert into jobs (id, queue, name, key, payload, state, progress, attempts, max_attempts, result, started_at, finished_at)
       values ($1, 'maintenance', 'maintenance.purge-finished-jobs', 'bench', '{}', 'completed', 100, 1, 3, '{"deleted":0}', now(), now())
       on conflict (id) do nothing`,
      [JOB_ID],
    );
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const databaseUrl = await ensureDatabase(
    process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/folio_bench',
  );
  const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const duration = envNumber('BENCH_DURATION', 10);
  const connectionCounts = (process.env.BENCH_CONNECTIONS ?? '100,1000').split(',').map(Number);
  console.log(`bench:http on ${machineSummary()}; ${duration}s per run after a 3s warm-up`);

  const folio = await startNode(
    'src/main.js',
    {
      NODE_ENV: 'production',
      PORT: '3801',
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: 'folio-bench',
      MIGRATE_ON_START: 'true',
      LOG_LEVEL: 'warn',
      LOG_REQUESTS: 'false',
      JOB_SCHEDULE: 'false',
      // Measure the full request path, rate limiter included, without ever tripping it.
      RATE_LIMIT_MAX: '1000000000',
    },
    'http://127.0.0.1:3801/health/ready',
  );
  await seed(databaseUrl);
  const baseline = await startNode(
    'bench/baseline-server.js',
    { DATABASE_URL: databaseUrl, PORT: '3802', POOL_SIZE: '10' },
    'http://127.0.0.1:3802/health',
  );

  const targets = [
    { label: 'folio', url: `http://127.0.0.1:3801/api/v1/jobs/${JOB_ID}` },
    { label: 'express+pg', url: `http://127.0.0.1:3802/api/v1/jobs/${JOB_ID}` },
  ];
  const results: LoadResult[] = [];
  try {
    for (const connections of connectionCounts) {
      for (const target of targets) {
        await runLoad(target.label, target.url, Math.min(connections, 100), 3); // warm-up
        const result = await runLoad(target.label, target.url, connections, duration);
        results.push(result);
        console.log(
          `${target.label} @ ${connections}: ${Math.round(result.rps)} req/s, p99 ${result.p99.toFixed(1)} ms, ${result.errors} errors`,
        );
      }
    }
  } finally {
    await stopNode(folio);
    await stopNode(baseline);
  }

  console.log('\nGET /api/v1/jobs/:id (primary-key read, JSON)');
  printResults(results);
  for (const connections of connectionCounts) {
    const f = results.find((r) => r.label === 'folio' && r.connections === connections)!;
    const b = results.find((r) => r.label === 'express+pg' && r.connections === connections)!;
    console.log(
      `${connections} connections: Folio / baseline throughput = ${(f.rps / b.rps).toFixed(2)}, p99 ${f.p99.toFixed(1)} ms vs ${b.p99.toFixed(1)} ms`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
