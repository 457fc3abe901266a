/* eslint-disable no-console -- benchmarks report on stdout */
// npm run bench:http — Folio in server mode vs a bare Express + pg baseline doing the same
// database work (a primary-key read of a job record), at 100 and 1000 connections. Folio's
// route is the real one: authenticated (JWT), rate-limited, logged, measured.
//
// Environment: BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/folio_bench),
// BENCH_REDIS_URL (default redis://127.0.0.1:6379), BENCH_DURATION seconds per run (default 10),
// BENCH_CONNECTIONS (default "100,1000").
import { Client } from 'pg';
import {
  benchTargets,
  benchUser,
  folioServerEnv,
  machineSummary,
  printResults,
  runLoad,
  startNode,
  stopNode,
  type LoadResult,
} from './lib';

const JOB_ID = '0190b3c2-bbbb-7000-8000-00000000b001';
const FOLIO = 'http://127.0.0.1:3801';

async function seed(databaseUrl: string, ownerId: string): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(
      `insert into jobs (id, queue, name, key, payload, state, progress, attempts, max_attempts, result, started_at, finished_at, owner_id)
       values ($1, 'maintenance', 'maintenance.purge-finished-jobs', 'bench', '{}', 'completed', 100, 1, 3, '{"deleted":0}', now(), now(), $2)
       on conflict (id) do update set owner_id = excluded.owner_id`,
      [JOB_ID, ownerId],
    );
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const targets = benchTargets();
  const databaseUrl = await targets.databaseUrl;
  const { redisUrl, duration } = targets;
  const connectionCounts = (process.env.BENCH_CONNECTIONS ?? '100,1000').split(',').map(Number);
  console.log(`bench:http on ${machineSummary()}; ${duration}s per run after a 3s warm-up`);

  const folio = await startNode('src/main.js', folioServerEnv(databaseUrl, redisUrl, 3801), `${FOLIO}/health/ready`);
  const user = await benchUser(FOLIO);
  await seed(databaseUrl, user.id);
  const baseline = await startNode(
    'bench/baseline-server.js',
    { DATABASE_URL: databaseUrl, PORT: '3802', POOL_SIZE: '10' },
    'http://127.0.0.1:3802/health',
  );

  const runs: { label: string; url: string; headers: Record<string, string> }[] = [
    { label: 'folio', url: `${FOLIO}/api/v1/jobs/${JOB_ID}`, headers: { authorization: `Bearer ${user.accessToken}` } },
    { label: 'express+pg', url: `http://127.0.0.1:3802/api/v1/jobs/${JOB_ID}`, headers: {} },
  ];
  const results: LoadResult[] = [];
  try {
    for (const connections of connectionCounts) {
      for (const run of runs) {
        await runLoad(run.label, run.url, Math.min(connections, 100), 3, run.headers); // warm-up
        const result = await runLoad(run.label, run.url, connections, duration, run.headers);
        results.push(result);
        console.log(
          `${run.label} @ ${connections}: ${Math.round(result.rps)} req/s, p99 ${result.p99.toFixed(1)} ms, ${result.errors} errors`,
        );
      }
    }
  } finally {
    await stopNode(folio);
    await stopNode(baseline);
  }

  console.log('\nGET /api/v1/jobs/:id (primary-key read, JSON; Folio authenticated with a JWT)');
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
