/* eslint-disable no-console -- benchmarks report on stdout */
// npm run bench:ingest — ingests a real document collection not written by us (the HTML manual
// of Python 3.11 from Debian's python3.11-doc) through Folio's API in server mode with the local
// embedding provider, and prints pages/s, chunks/s, the time until everything is searchable and
// Folio's peak RSS. Target on a 2-core machine: ≥ 300 chunks/s end to end, peak RSS < 1 GiB.
//
// Then the fairness scenario (bench/fairness.ts), in server and in zero-setup mode: one user
// uploads the manual while another uploads a small file every second.
//
// Environment: as bench:http, plus BENCH_PAGES (limit the number of pages), BENCH_UPLOAD_PARALLEL
// (concurrent upload requests, default 4), BENCH_INGEST_CONCURRENCY (default: Folio's own),
// BENCH_PARTS (throughput,fairness,paste,large,docsets: see runPaste, runLargeFile, docsets.ts), BENCH_FAIRNESS_MODES (server,embedded), BENCH_FAIRNESS_PAGES
// (pages of the batch, default all); INGEST_WORKERS and other Folio settings pass through.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { cpus } from 'node:os';
import { Client } from 'pg';
import {
  benchTargets,
  benchUser,
  envNumber,
  folioServerEnv,
  freshDatabase,
  machineSummary,
  startNode,
  stopNode,
} from './lib';
import { runDocsets } from './docsets';
import { fairnessModes, fairnessPages, runFairness, runLargeFile, runPaste } from './fairness';
import { FILES_PER_REQUEST, htmlPages, pythonDocsRoot, uploadPages, waitUntilIngested } from './python-docs';

const FOLIO = 'http://127.0.0.1:3804';

/** CPU seconds (user + system) used so far by Folio, by every Postgres process and by Redis. */
function cpuSeconds(folioPid: number): { folio: number; postgres: number; redis: number } {
  const ticks = 100; // USER_HZ on Linux
  const out = { folio: 0, postgres: 0, redis: 0 };
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const used = (Number(fields[11]) + Number(fields[12])) / ticks; // utime, stime
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (Number(pid) === folioPid) out.folio += used;
      else if (comm === 'postgres') out.postgres += used;
      else if (comm.startsWith('redis')) out.redis += used;
    } catch {
      // the process ended meanwhile
    }
  }
  return out;
}

function rssKiB(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: field('VmRSS'), hwm: field('VmHWM') };
}

async function main(): Promise<void> {
  const parts = (process.env.BENCH_PARTS ?? 'throughput,fairness,paste,large,docsets').split(',');
  if (parts.includes('throughput')) await throughput();
  if (parts.includes('fairness')) {
    const root = pythonDocsRoot();
    const pages = htmlPages(root).slice(0, fairnessPages());
    console.log(`\nfairness scenario: a batch of ${pages.length} pages beside one small file a second`);
    for (const mode of fairnessModes()) await runFairness(mode, root, pages, benchTargets().redisUrl);
  }
  if (parts.includes('paste')) for (const mode of fairnessModes()) await runPaste(mode, benchTargets().redisUrl);
  if (parts.includes('large')) for (const mode of fairnessModes()) await runLargeFile(mode, benchTargets().redisUrl);
  if (parts.includes('docsets')) await runDocsets(benchTargets().redisUrl);
}

async function throughput(): Promise<void> {
  const targets = benchTargets();
  // A fresh database every run: index sizes (HNSW above all) change what inserting costs.
  const databaseUrl = await freshDatabase(
    process.env.BENCH_INGEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/folio_bench_ingest',
  );
  const root = pythonDocsRoot();
  let pages = htmlPages(root);
  if (process.env.BENCH_PAGES) pages = pages.slice(0, envNumber('BENCH_PAGES', pages.length));
  const bytes = pages.reduce((n, p) => n + statSync(p).size, 0);
  const parallel = envNumber('BENCH_UPLOAD_PARALLEL', 4);
  console.log(`bench:ingest on ${machineSummary()}`);
  console.log(`corpus: ${pages.length} HTML pages of the Python 3.11 manual, ${(bytes / 1024 / 1024).toFixed(1)} MiB`);

  const folio = await startNode(
    'src/main.js',
    {
      ...folioServerEnv(databaseUrl, targets.redisUrl, 3804),
      EMBEDDING_PROVIDER: 'local',
      UPLOAD_MAX_FILES: String(FILES_PER_REQUEST),
      ...(process.env.BENCH_INGEST_CONCURRENCY ? { INGEST_CONCURRENCY: process.env.BENCH_INGEST_CONCURRENCY } : {}),
    },
    `${FOLIO}/health/ready`,
  );
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssKiB(folio.pid!).rss)), 100);
  try {
    const user = await benchUser(FOLIO, `bench-ingest-${Date.now()}@example.test`);
    const auth = { authorization: `Bearer ${user.accessToken}` };
    const created = await fetch(`${FOLIO}/api/v1/notebooks`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Python 3.11 manual' }),
    });
    const notebook = ((await created.json()) as { id: string }).id;

    const cpuBefore = cpuSeconds(folio.pid!);
    const started = Date.now();
    await uploadPages(FOLIO, auth, notebook, root, pages, parallel);
    const uploaded = Date.now();

    const counts = await waitUntilIngested(db, notebook, pages.length);
    const searchable = Date.now();
    const cpuAfter = cpuSeconds(folio.pid!);
    const { hwm } = rssKiB(folio.pid!);

    const probe = await fetch(`${FOLIO}/api/v1/notebooks/${notebook}/search`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'how do I read a file line by line', k: 3 }),
    });
    const hits = ((await probe.json()) as { hits: { sourceTitle: string }[] }).hits;

    const seconds = (searchable - started) / 1000;
    const chunks = counts.ready?.chunks ?? 0;
    console.log(`\nuploaded ${pages.length} pages in ${((uploaded - started) / 1000).toFixed(1)} s`);
    console.log(
      `ready: ${counts.ready?.n ?? 0}, failed: ${counts.failed?.n ?? 0}; ${chunks} chunks, ${counts.ready?.tokens ?? 0} tokens`,
    );
    console.log(`time until everything is searchable: ${seconds.toFixed(1)} s`);
    console.log(
      `throughput end to end: ${(pages.length / seconds).toFixed(1)} pages/s, ${(chunks / seconds).toFixed(0)} chunks/s`,
    );
    console.log(
      `Folio peak RSS: ${(Math.max(peakRss, hwm) / 1024).toFixed(0)} MiB (sampled ${(peakRss / 1024).toFixed(0)} MiB, VmHWM ${(hwm / 1024).toFixed(0)} MiB)`,
    );
    const used = (key: keyof typeof cpuAfter): string => (cpuAfter[key] - cpuBefore[key]).toFixed(1);
    console.log(
      `CPU used meanwhile: Folio ${used('folio')} s, Postgres ${used('postgres')} s, Redis ${used('redis')} s (of ${(seconds * cpus().length).toFixed(1)} s available)`,
    );
    console.log(`search "how do I read a file line by line" → ${hits.map((h) => h.sourceTitle).join(', ')}`);
  } finally {
    clearInterval(sampler);
    await db.end();
    await stopNode(folio);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
