/* eslint-disable no-console -- benchmarks report on stdout */
// The fairness scenario of bench:ingest: user A uploads a large batch (the Python manual) while
// user B uploads one small file every second and a third client calls the API every 100 ms.
// Prints B's time-to-ready (p50/p95; target p95 < 5 s in server mode) and the API's latency
// meanwhile (target p95 < 100 ms), beside the same figures measured idle just before (baseline).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchUser, envNumber, folioServerEnv, freshDatabase, startNode, stopNode } from './lib';
import { uploadPages } from './python-docs';

const UNFINISHED = ['queued', 'parsing', 'chunking', 'embedding', 'storing'];

export type FairnessMode = 'server' | 'embedded';

const percentile = (values: number[], p: number): number => {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
const fmt = (values: number[], unit: 'ms' | 's'): string => {
  const f = (v: number): string => (unit === 's' ? (v / 1000).toFixed(2) : v.toFixed(1));
  return `n=${values.length} p50 ${f(percentile(values, 50))} / p95 ${f(percentile(values, 95))} / max ${f(Math.max(...values))} ${unit}`;
};

export interface Client {
  base: string;
  auth: Record<string, string>;
}

export async function json<T>(res: Response): Promise<T> {
  if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

export async function notebook(client: Client, name: string): Promise<string> {
  const res = await fetch(`${client.base}/api/v1/notebooks`, {
    method: 'POST',
    headers: { ...client.auth, 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  return (await json<{ id: string }>(res)).id;
}

/** Uploads one small file and resolves with its time from upload to ready, in ms. */
async function smallFileToReady(client: Client, notebookId: string, n: number): Promise<number> {
  const started = performance.now();
  const form = new FormData();
  const text = `# Note ${n}\n\nA small note, number ${n}, about kestrels and the certificates they rotate.\n`;
  form.append('files', new Blob([text], { type: 'text/markdown' }), `note-${n}-${Date.now()}.md`);
  const uploaded = await json<{ sources: { id: string }[] }>(
    await fetch(`${client.base}/api/v1/notebooks/${notebookId}/sources`, {
      method: 'POST',
      headers: client.auth,
      body: form,
    }),
  );
  const id = uploaded.sources[0].id;
  for (;;) {
    const source = await json<{ status: string }>(
      await fetch(`${client.base}/api/v1/notebooks/${notebookId}/sources/${id}`, { headers: client.auth }),
    );
    if (source.status === 'ready' || source.status === 'failed') return performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Calls the API every `everyMs` until `stop()`; returns the latencies. */
function probeApi(client: Client, notebookId: string, everyMs: number): { stop: () => Promise<number[]> } {
  const latencies: number[] = [];
  let running = true;
  const loop = (async () => {
    for (let i = 0; running; i++) {
      const started = performance.now();
      const path = i % 2 === 0 ? '/api/v1/auth/me' : `/api/v1/notebooks/${notebookId}/sources?limit=20`;
      const res = await fetch(`${client.base}${path}`, { headers: client.auth });
      await res.arrayBuffer();
      latencies.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return latencies;
    },
  };
}

async function allIngested(client: Client, notebookId: string): Promise<boolean> {
  for (const status of UNFINISHED) {
    const page = await json<{ items: unknown[] }>(
      await fetch(`${client.base}/api/v1/notebooks/${notebookId}/sources?status=${status}&limit=1`, {
        headers: client.auth,
      }),
    );
    if (page.items.length > 0) return false;
  }
  return true;
}

/** Starts Folio in `mode` on `port` (fresh database or data directory), runs `work`, stops it. */
export async function withFolio(
  mode: FairnessMode,
  port: number,
  redisUrl: string,
  extra: Record<string, string>,
  work: (base: string) => Promise<void>,
): Promise<void> {
  const base = `http://127.0.0.1:${port}`;
  const dataDir = mode === 'embedded' ? mkdtempSync(join(tmpdir(), 'folio-bench-fair-')) : undefined;
  const env =
    mode === 'server'
      ? folioServerEnv(
          await freshDatabase(
            process.env.BENCH_FAIRNESS_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/folio_bench_fair',
          ),
          redisUrl,
          port,
        )
      : {
          ...folioServerEnv('', '', port),
          DATABASE_URL: '',
          REDIS_URL: '',
          DATA_DIR: dataDir!,
          NODE_ENV: 'development',
        };
  const folio = await startNode(
    'src/main.js',
    { ...env, EMBEDDING_PROVIDER: 'local', ...extra },
    `${base}/health/ready`,
  );
  try {
    await work(base);
  } finally {
    await stopNode(folio);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

/** A signed-up bench user as a client. */
export async function user(base: string, tag: string): Promise<Client> {
  const { accessToken } = await benchUser(base, `${tag}-${Date.now()}@example.test`);
  return { base, auth: { authorization: `Bearer ${accessToken}` } };
}

export async function runFairness(
  mode: FairnessMode,
  root: string,
  pages: readonly string[],
  redisUrl: string,
): Promise<void> {
  await withFolio(mode, mode === 'server' ? 3805 : 3806, redisUrl, { UPLOAD_MAX_FILES: '25' }, async (base) => {
    const a = await user(base, 'fair-batch');
    const b = await user(base, 'fair-small');
    const c = await user(base, 'fair-probe');
    const [batchNotebook, smallNotebook, probeNotebook] = await Promise.all([
      notebook(a, 'Python 3.11 manual'),
      notebook(b, 'Notes'),
      notebook(c, 'Probe'),
    ]);

    // Baseline: the same small uploads and API calls on an idle instance.
    const idleProbe = probeApi(c, probeNotebook, 100);
    const idleReady: number[] = [];
    for (let i = 0; i < 5; i++) {
      idleReady.push(await smallFileToReady(b, smallNotebook, i));
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const idleApi = await idleProbe.stop();

    // Under load: A's batch, B's file every second, C's calls every 100 ms.
    const loadProbe = probeApi(c, probeNotebook, 100);
    const started = Date.now();
    const batch = uploadPages(base, a.auth, batchNotebook, root, pages, 4);
    const small: Promise<number>[] = [];
    let n = 100;
    let done = false;
    const ticker = (async () => {
      while (!done) {
        small.push(smallFileToReady(b, smallNotebook, n++));
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    })();
    await batch;
    const uploadedAt = Date.now();
    while (!(await allIngested(a, batchNotebook))) await new Promise((resolve) => setTimeout(resolve, 500));
    const batchSeconds = (Date.now() - started) / 1000;
    done = true;
    await ticker;
    const loadReady = await Promise.all(small);
    const loadApi = await loadProbe.stop();
    const info = await json<{ chunkCount: number; sourceCount: number }>(
      await fetch(`${base}/api/v1/notebooks/${batchNotebook}`, { headers: a.auth }),
    );

    console.log(
      `\nfairness, ${mode} mode (${mode === 'server' ? 'PostgreSQL + Redis' : 'embedded PGlite, in-process jobs'})`,
    );
    console.log(
      `  batch: ${info.sourceCount} pages, ${info.chunkCount} chunks, uploaded in ${((uploadedAt - started) / 1000).toFixed(1)} s, all ready after ${batchSeconds.toFixed(1)} s`,
    );
    console.log(`  small file, upload → ready   idle:  ${fmt(idleReady, 's')}`);
    console.log(`                              batch: ${fmt(loadReady, 's')}   (target p95 < 5 s in server mode)`);
    console.log(`  API latency (me, list)       idle:  ${fmt(idleApi, 'ms')}`);
    console.log(`                              batch: ${fmt(loadApi, 'ms')}   (target p95 < 100 ms)`);
  });
}

export const fairnessModes = (): FairnessMode[] =>
  (process.env.BENCH_FAIRNESS_MODES ?? 'server,embedded').split(',').map((m) => m.trim() as FairnessMode);

export const fairnessPages = (): number => envNumber('BENCH_FAIRNESS_PAGES', 526);

/**
 * The pasted-megabyte case: one user pastes 1,000,000 × "A" (no sentence, no newline), another
 * pastes 60 bytes right after. Prints both times to ready (both modes).
 */
export async function runPaste(mode: FairnessMode, redisUrl: string): Promise<void> {
  await withFolio(mode, mode === 'server' ? 3807 : 3808, redisUrl, {}, async (base) => {
    const paste = async (client: Client, notebookId: string, text: string): Promise<number> => {
      const started = performance.now();
      const created = await json<{ id: string }>(
        await fetch(`${base}/api/v1/notebooks/${notebookId}/sources/text`, {
          method: 'POST',
          headers: { ...client.auth, 'content-type': 'application/json' },
          body: JSON.stringify({ title: 'pasted', text }),
        }),
      );
      for (;;) {
        const source = await json<{ status: string }>(
          await fetch(`${base}/api/v1/notebooks/${notebookId}/sources/${created.id}`, { headers: client.auth }),
        );
        if (source.status === 'ready' || source.status === 'failed') return performance.now() - started;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    const big = await user(base, 'paste-big');
    const small = await user(base, 'paste-small');
    const [bigNotebook, smallNotebook] = await Promise.all([notebook(big, 'Big'), notebook(small, 'Small')]);
    const bigDone = paste(big, bigNotebook, 'A'.repeat(1_000_000));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const smallMs = await paste(small, smallNotebook, 'A sixty-byte note about kestrels, pasted right after it.');
    const bigMs = await bigDone;
    console.log(
      `\npasted megabyte, ${mode} mode: 1,000,000 × "A" ready after ${(bigMs / 1000).toFixed(2)} s; another user's 60-byte paste, 0.2 s later, ready after ${(smallMs / 1000).toFixed(2)} s`,
    );
  });
}

/**
 * The large-file case: one user uploads a 3.6 MiB Markdown file of about 36,000 sections (7,240
 * chunks) while another calls GET /api/v1/auth/me every 50 ms, through ingestion and the summary
 * tree that follows. Prints the calls' latency (both modes).
 */
export async function runLargeFile(mode: FairnessMode, redisUrl: string): Promise<void> {
  await withFolio(mode, mode === 'server' ? 3809 : 3810, redisUrl, {}, async (base) => {
    const owner = await user(base, 'large');
    const other = await user(base, 'other');
    const notebookId = await notebook(owner, 'Large');
    let markdown = '';
    for (let i = 0; markdown.length < 3.6 * 1024 * 1024; i++) {
      markdown += `## Section ${i}\n\nParagraph ${i} about kestrels and ${i % 97} falcons, with some more words to fill the line.\n\n`;
    }
    const latencies: number[] = [];
    let running = true;
    const probe = (async () => {
      while (running) {
        const started = performance.now();
        await (await fetch(`${base}/api/v1/auth/me`, { headers: other.auth })).arrayBuffer();
        latencies.push(performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const started = Date.now();
    const form = new FormData();
    form.append('files', new Blob([markdown], { type: 'text/markdown' }), 'large.md');
    const uploaded = await json<{ sources: { id: string }[] }>(
      await fetch(`${base}/api/v1/notebooks/${notebookId}/sources`, {
        method: 'POST',
        headers: owner.auth,
        body: form,
      }),
    );
    let source: { status: string; chunkCount: number };
    for (;;) {
      source = await json<{ status: string; chunkCount: number }>(
        await fetch(`${base}/api/v1/notebooks/${notebookId}/sources/${uploaded.sources[0].id}`, {
          headers: owner.auth,
        }),
      );
      if (source.status === 'ready' || source.status === 'failed') break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const readyAfter = (Date.now() - started) / 1000;
    // The summary tree of the source (and of the notebook) is built after it is ready.
    await new Promise((resolve) => setTimeout(resolve, envNumber('BENCH_LARGE_AFTER_MS', 40_000)));
    running = false;
    await probe;
    console.log(
      `\nlarge file, ${mode} mode: ${(markdown.length / 1024 / 1024).toFixed(1)} MiB Markdown, ${source.chunkCount} chunks, ${source.status} after ${readyAfter.toFixed(1)} s`,
    );
    console.log(`  another user's GET /auth/me every 50 ms, during ingestion and summaries: ${fmt(latencies, 'ms')}`);
  });
}
