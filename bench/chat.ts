/* eslint-disable no-console -- benchmarks report on stdout */
// npm run bench:chat — simulated users chatting with history (each in their own session) against
// one notebook of 100k chunks, through POST /api/v2/chat, with an OpenAI-compatible fake model
// that answers instantly. Arrivals are open-loop: each user sends a message after an
// exponentially distributed think time from their previous *send*, whether or not it was
// answered, so latency includes queueing the way real traffic does. Prints Folio's server-side
// latency (the Server-Timing header) and the client-side one, and errors, for: 100 users every
// 2 s (~50 chats/s; target p95 < 100 ms, zero errors), 500 users every 10 s (target zero
// errors), then rising rates from 10 chats/s until p95 passes 1 s: the highest rate below that
// is reported.
//
// Environment: BENCH_DURATION (seconds per phase, default 30), BENCH_CHUNKS (default 100000),
// BENCH_REDIS_URL.
import { Client } from 'pg';
import { loadCorpus, rng, vocabulary } from './corpus';
import { startInstantLlm } from './fake-llm';
import { benchUser, ensureDatabase, envNumber, folioServerEnv, machineSummary, startNode, stopNode } from './lib';

const FOLIO = 'http://127.0.0.1:3806';

interface PhaseResult {
  sent: number;
  ok: number;
  errors: number;
  server: number[];
  client: number[];
  statuses: Map<string, number>;
  seconds: number;
}

const pct = (sorted: number[], p: number): number =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function phase(
  token: string,
  notebook: string,
  users: number,
  thinkSec: number,
  durationSec: number,
): Promise<PhaseResult> {
  const words = vocabulary(20_000);
  const random = rng(users * 1000 + thinkSec);
  const result: PhaseResult = {
    sent: 0,
    ok: 0,
    errors: 0,
    server: [],
    client: [],
    statuses: new Map(),
    seconds: durationSec,
  };
  const sessions: (string | undefined)[] = new Array<string | undefined>(users).fill(undefined);
  const inflight = new Set<Promise<void>>();
  const started = performance.now();
  const end = started + durationSec * 1000;
  const send = (user: number): void => {
    const query = Array.from({ length: 4 }, () => words[20 + Math.floor(random() * 2000)]).join(' ');
    const body = sessions[user] ? { session_id: sessions[user], query } : { notebook_id: notebook, query };
    result.sent++;
    const t0 = performance.now();
    const p = fetch(`${FOLIO}/api/v2/chat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    })
      .then(async (res) => {
        const json = (await res.json()) as { session_id?: string };
        result.client.push(performance.now() - t0);
        const timing = /app;dur=([\d.]+)/.exec(res.headers.get('server-timing') ?? '');
        if (timing) result.server.push(Number(timing[1]));
        if (res.status === 200) {
          result.ok++;
          sessions[user] ??= json.session_id;
        } else {
          result.errors++;
          result.statuses.set(String(res.status), (result.statuses.get(String(res.status)) ?? 0) + 1);
        }
      })
      .catch((error: unknown) => {
        result.errors++;
        const name = error instanceof Error ? error.name : 'error';
        result.statuses.set(name, (result.statuses.get(name) ?? 0) + 1);
      })
      .finally(() => inflight.delete(p));
    inflight.add(p);
  };
  // Each user's arrivals: a Poisson process with mean gap thinkSec, first arrival spread too.
  await Promise.all(
    Array.from({ length: users }, async (_, user) => {
      let next = started + -Math.log(1 - random()) * thinkSec * 1000;
      while (next < end) {
        const wait = next - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        send(user);
        next += -Math.log(1 - random()) * thinkSec * 1000;
      }
    }),
  );
  await Promise.all([...inflight]);
  result.server.sort((a, b) => a - b);
  result.client.sort((a, b) => a - b);
  return result;
}

function report(label: string, r: PhaseResult): void {
  const f = (n: number): string => n.toFixed(1);
  const statuses = [...r.statuses].map(([k, v]) => `${k}×${v}`).join(', ');
  console.log(
    `  ${label}: ${r.sent} chats in ${r.seconds} s (${(r.sent / r.seconds).toFixed(1)}/s), ${r.errors} errors${statuses ? ` (${statuses})` : ''}\n` +
      `    server p50 ${f(pct(r.server, 50))} / p95 ${f(pct(r.server, 95))} / p99 ${f(pct(r.server, 99))} ms; ` +
      `client p50 ${f(pct(r.client, 50))} / p95 ${f(pct(r.client, 95))} / p99 ${f(pct(r.client, 99))} ms`,
  );
}

async function main(): Promise<void> {
  const duration = envNumber('BENCH_DURATION', 30);
  const chunks = envNumber('BENCH_CHUNKS', 100_000);
  console.log(`bench:chat on ${machineSummary()}`);
  const llm = await startInstantLlm();
  const databaseUrl = await ensureDatabase('postgresql://postgres@127.0.0.1:5432/folio_bench_chat');
  const env = {
    ...folioServerEnv(databaseUrl, process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379', 3806),
    EMBEDDING_PROVIDER: 'local',
    LLM_PROVIDER: 'openai',
    OPENAI_API_KEY: 'bench-key',
    OPENAI_BASE_URL: llm.baseUrl,
    SUMMARIES_ENABLED: 'false',
  };
  let folio = await startNode('src/main.js', env, `${FOLIO}/health/ready`);
  try {
    const user = await benchUser(FOLIO, 'bench-chat@example.test');
    const list = await fetch(`${FOLIO}/api/v1/notebooks?limit=1`, {
      headers: { authorization: `Bearer ${user.accessToken}` },
    });
    let notebook = ((await list.json()) as { items: { id: string }[] }).items[0]?.id;
    if (!notebook) {
      const created = await fetch(`${FOLIO}/api/v1/notebooks`, {
        method: 'POST',
        headers: { authorization: `Bearer ${user.accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'bench chat' }),
      });
      notebook = ((await created.json()) as { id: string }).id;
    }
    if (await loadCorpus(databaseUrl, [notebook], chunks)) {
      await stopNode(folio);
      folio = await startNode('src/main.js', env, `${FOLIO}/health/ready`);
    }
    const db = new Client({ connectionString: databaseUrl });
    await db.connect();
    const { rows } = await db.query<{ n: number; buffers: string; huge: string }>(
      "select count(*)::int as n, current_setting('shared_buffers') as buffers, current_setting('huge_pages') as huge from chunks where notebook_id = $1",
      [notebook],
    );
    await db.query('truncate chat_sessions cascade');
    await db.end();
    console.log(
      `notebook of ${rows[0].n} chunks; Postgres shared_buffers ${rows[0].buffers}, huge_pages ${rows[0].huge}; model answers instantly (fake OpenAI-compatible server)\n`,
    );

    await phase(user.accessToken, notebook, 20, 1, 5); // warm-up
    report('100 users, a message every 2 s on average', await phase(user.accessToken, notebook, 100, 2, duration));
    report('500 users, a message every 10 s on average', await phase(user.accessToken, notebook, 500, 10, duration));
    let best = 0;
    for (const rate of [10, 20, 30, 40, 50, 75, 100, 150, 200, 300]) {
      const r = await phase(user.accessToken, notebook, rate * 2, 2, Math.min(duration, 20));
      report(`${rate * 2} users, ~${rate} chats/s offered`, r);
      if (pct(r.client, 95) < 1000 && r.errors === 0) best = Math.max(best, r.sent / r.seconds);
      else break;
    }
    console.log(`\nhighest sustained rate with p95 < 1 s and no errors: ${best.toFixed(1)} chats/s`);
    console.log(`fake LLM calls: ${llm.calls()}`);
  } finally {
    await stopNode(folio);
    await llm.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
