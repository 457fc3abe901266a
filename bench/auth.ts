/* eslint-disable no-console -- benchmarks report on stdout */
// npm run bench:auth — the cost of identity: argon2id hashing per core, login throughput and
// latency (and that an unknown email costs what a wrong password costs), and authenticated
// GET /api/v1/auth/me (JWT and API key) against the public GET /health/live of the same server.
//
// Environment: as bench:http (BENCH_DATABASE_URL, BENCH_REDIS_URL, BENCH_DURATION).
import { availableParallelism } from 'node:os';
import * as argon2 from 'argon2';
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

const FOLIO = 'http://127.0.0.1:3803';
const OWASP = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

async function hashRate(): Promise<{ perCore: number; allCores: number; msPerHash: number }> {
  const n = 40;
  let start = Date.now();
  for (let i = 0; i < n; i++) await argon2.hash(`password ${i}`, OWASP);
  const serialMs = Date.now() - start;
  start = Date.now();
  await Promise.all(Array.from({ length: n }, (_, i) => argon2.hash(`password ${i}`, OWASP)));
  const parallelMs = Date.now() - start;
  return { perCore: (n * 1000) / serialMs, allCores: (n * 1000) / parallelMs, msPerHash: serialMs / n };
}

async function loginLatency(email: string, password: string, n: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    await fetch(`${FOLIO}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b);
}

const median = (xs: number[]): number => xs[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const targets = benchTargets();
  const databaseUrl = await targets.databaseUrl;
  const { redisUrl, duration } = targets;
  console.log(`bench:auth on ${machineSummary()}; ${duration}s per load run after a 3s warm-up\n`);

  const rate = await hashRate();
  console.log(
    `argon2id (m=19456 KiB, t=2, p=1): ${rate.msPerHash.toFixed(1)} ms per hash, ${rate.perCore.toFixed(1)} hashes/s on one core, ` +
      `${rate.allCores.toFixed(1)} hashes/s on all ${availableParallelism()} cores`,
  );

  const folio = await startNode('src/main.js', folioServerEnv(databaseUrl, redisUrl, 3803), `${FOLIO}/health/ready`);
  const results: LoadResult[] = [];
  try {
    const email = 'bench-auth@example.test';
    const password = 'bench password for folio';
    const user = await benchUser(FOLIO, email);
    const keyRes = await fetch(`${FOLIO}/api/v1/auth/api-keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${user.accessToken}` },
      body: JSON.stringify({ name: 'bench', scopes: ['read'] }),
    });
    const apiKey = ((await keyRes.json()) as { key: string }).key;

    // Same answer, same time: an unknown account is verified against a dummy hash.
    await loginLatency(email, password, 5);
    const wrong = await loginLatency(email, 'not the password', 30);
    const unknown = await loginLatency('nobody-here@example.test', password, 30);
    const right = await loginLatency(email, password, 30);
    console.log(
      `login latency, one client (median of 30): right password ${median(right).toFixed(1)} ms, ` +
        `wrong password ${median(wrong).toFixed(1)} ms, unknown email ${median(unknown).toFixed(1)} ms`,
    );

    const loginBody = JSON.stringify({ email, password });
    for (const connections of [10, 50]) {
      const r = await runLoadPost(
        `login (c=${connections})`,
        `${FOLIO}/api/v1/auth/login`,
        connections,
        duration,
        loginBody,
      );
      results.push(r);
    }

    const runs: { label: string; url: string; headers: Record<string, string> }[] = [
      { label: 'GET /health/live (public)', url: `${FOLIO}/health/live`, headers: {} },
      {
        label: 'GET /auth/me (JWT)',
        url: `${FOLIO}/api/v1/auth/me`,
        headers: { authorization: `Bearer ${user.accessToken}` },
      },
      { label: 'GET /auth/me (API key)', url: `${FOLIO}/api/v1/auth/me`, headers: { 'x-api-key': apiKey } },
    ];
    for (const run of runs) {
      await runLoad(run.label, run.url, 100, 3, run.headers);
      results.push(await runLoad(run.label, run.url, 100, duration, run.headers));
    }
  } finally {
    await stopNode(folio);
  }

  printResults(results);
  const live = results.find((r) => r.label.startsWith('GET /health/live'))!;
  const jwt = results.find((r) => r.label === 'GET /auth/me (JWT)')!;
  const key = results.find((r) => r.label === 'GET /auth/me (API key)')!;
  console.log(
    `cost of authentication (authenticated /auth/me vs public /health/live, 100 connections): ` +
      `JWT ${(jwt.rps / live.rps).toFixed(2)}×, API key ${(key.rps / live.rps).toFixed(2)}× the throughput`,
  );
}

function runLoadPost(
  label: string,
  url: string,
  connections: number,
  durationSec: number,
  body: string,
): Promise<LoadResult> {
  return runLoad(
    label,
    url,
    connections,
    durationSec,
    { 'content-type': 'application/json' },
    { method: 'POST', body },
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
