/* eslint-disable no-console -- the drill reports on stdout */
// npm run drill — the fault drill of README "Faults": its own throwaway PostgreSQL cluster and
// Redis (never the machine's shared ones), two Folio instances (the built entry point, server
// mode) behind a small nginx-like load balancer, and a light load through it (a request every
// 50 ms: who am I, notebook list, search, chat). Then, one after the other:
//   1. PostgreSQL stopped (pg_ctl -m fast) for 10 s while a source is being ingested;
//   2. Redis killed (SIGKILL, it keeps nothing) for 10 s, with an upload while it is away;
//   3. SIGKILL of the instance that runs an ingestion, mid-job and mid-chat-stream;
//   4. a rolling restart (SIGTERM one, start it, wait for ready, then the other) mid-ingestion.
// Per scenario it prints requests sent, failures by status, p95 latency during the fault against
// the baseline p95 of the same run, time to ready after recovery, jobs stuck or lost and duplicate
// chunks, checks each against its target, and exits 1 when one is missed.
//
// Environment: DRILL_OUTAGE_MS (default 10000), DRILL_LEASE_MS (JOB_LOCK_MS, default 5000),
// DRILL_KEEP=1 keeps the temporary folder (logs of both instances and of PostgreSQL).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { Balancer } from './drill/balancer';
import { FolioInstance } from './drill/instance';
import { describeFailures, Load, windowStats, type WindowStats } from './drill/load';
import { freePort, sleep, ThrowawayPostgres, ThrowawayRedis } from './drill/services';
import { startInstantLlm } from './fake-llm';
import { benchUser, envNumber, folioServerEnv, machineSummary } from './lib';

const OUTAGE_MS = envNumber('DRILL_OUTAGE_MS', 10_000);
const LEASE_MS = envNumber('DRILL_LEASE_MS', 5000);
const DRAIN_MS = 3000;
const CHECK_INTERVAL_MS = 1000;
const FINAL = ['completed', 'failed', 'cancelled'];

interface Verdict {
  what: string;
  figure: string;
  target: string;
  met: boolean;
}

interface ScenarioReport {
  name: string;
  sent: number;
  failures: string;
  p95Fault: number;
  readyAfterMs: number | undefined;
  stuck: number;
  duplicates: number;
  verdicts: Verdict[];
  notes: string[];
}

interface Settled {
  stuck: number;
  duplicates: number;
  verdicts: Verdict[];
}

interface Outage {
  upload: string;
  duringStatus: number;
  duringMs: number;
  readiness: string;
  readyAfterMs: number | undefined;
  settled: Settled;
  fault: WindowStats;
  all: WindowStats;
  log: LogSummary;
}

interface LogSummary {
  lines: number;
  mostRepeated: string;
  repeats: number;
}

interface JobRow {
  state: string;
  lease_owner: string | null;
  attempts: number;
  interruptions: number;
}

class Drill {
  private readonly work = mkdtempSync(join(tmpdir(), 'folio-drill-'));
  private pg!: ThrowawayPostgres;
  private redis!: ThrowawayRedis;
  private llm!: Awaited<ReturnType<typeof startInstantLlm>>;
  private instances: FolioInstance[] = [];
  private balancer!: Balancer;
  private load!: Load;
  private token = '';
  private notebook = '';
  private baselineP95 = NaN;
  private readonly uploaded: { id: string; scenario: string }[] = [];
  readonly reports: ScenarioReport[] = [];

  async setUp(): Promise<void> {
    this.pg = await ThrowawayPostgres.create();
    this.redis = await ThrowawayRedis.create();
    // Embeddings take 100 ms a batch of 4 chunks, so an ingestion lasts seconds and can be
    // interrupted; a streamed answer is 60 words 100 ms apart.
    this.llm = await startInstantLlm({ embeddingDelayMs: 100, streamDelayMs: 100, streamWords: 60 });
    const env: Record<string, string> = {
      ...folioServerEnv(this.pg.url, this.redis.url, 0),
      LOG_LEVEL: 'warn',
      JOB_LOCK_MS: String(LEASE_MS),
      // The balancer checks readiness every second and takes a backend out after one failure:
      // three seconds of draining cover a check interval, a slow check and a request in flight.
      SHUTDOWN_DRAIN_MS: String(DRAIN_MS),
      SHUTDOWN_TIMEOUT_MS: '4000',
      OPENAI_API_KEY: 'drill-key',
      OPENAI_BASE_URL: this.llm.baseUrl,
      EMBEDDING_PROVIDER: 'openai',
      LLM_PROVIDER: 'openai',
      EMBEDDING_BATCH_SIZE: '4',
      CHUNK_TARGET_TOKENS: '64',
      CHUNK_OVERLAP_TOKENS: '8',
      SUMMARIES_ENABLED: 'false',
    };
    for (const name of ['A', 'B']) {
      const instance = new FolioInstance(name, await freePort(), env, join(this.work, `${name}.log`));
      // One at a time: the first applies the migrations.
      await instance.start();
      this.instances.push(instance);
    }
    this.balancer = await new Balancer(
      this.instances.map((i) => ({ name: i.name, port: i.port })),
      CHECK_INTERVAL_MS,
    ).start();
    const user = await benchUser(this.balancer.url, 'drill@example.test');
    this.token = user.accessToken;
    const created = await this.api('POST', '/api/v1/notebooks', { name: 'Drill' });
    this.notebook = ((await created.json()) as { id: string }).id;
    const seed = await this.upload('seed.md', document('seed', 24));
    await this.settle(seed.id, 60_000);
    this.load = new Load(this.balancer.url, this.token, [
      { name: 'me', method: 'GET', path: '/api/v1/auth/me' },
      { name: 'notebooks', method: 'GET', path: '/api/v1/notebooks' },
      {
        name: 'search',
        method: 'POST',
        path: `/api/v1/notebooks/${this.notebook}/search`,
        body: { query: 'tidal flats and their waders', k: 5 },
      },
      {
        name: 'chat',
        method: 'POST',
        path: '/api/v2/chat',
        body: { notebook_id: this.notebook, query: 'What feeds on the flats?' },
      },
    ]);
  }

  async baseline(): Promise<void> {
    this.load.start();
    const from = Date.now();
    await sleep(10_000);
    const stats = windowStats(this.load.samples, from, Date.now());
    this.baselineP95 = stats.p95;
    console.log(
      `baseline (10 s, no fault): ${stats.sent} requests, failures ${describeFailures(stats.failures)}, p50 ${stats.p50.toFixed(1)} ms, p95 ${stats.p95.toFixed(1)} ms`,
    );
  }

  /** PostgreSQL stopped for OUTAGE_MS while a source is being embedded. */
  async databaseOutage(): Promise<void> {
    const name = `PostgreSQL stopped ${OUTAGE_MS / 1000} s`;
    const source = await this.upload('db-outage.md', document('tidal', 160), name);
    await this.embedding(source.id);
    const o = await this.outage(
      name,
      () => this.pg.stop('fast'),
      () => this.pg.start(),
      document('dune', 8),
      120_000,
    );
    const unexpected = Object.entries(o.all.failures).filter(([status]) => status !== '503');
    this.report(name, o, [
      verdict(
        'failures other than 503',
        describeFailures(Object.fromEntries(unexpected)),
        'none',
        unexpected.length === 0,
      ),
      verdict('an upload during the outage', o.upload, '503 under 1 s', o.duringStatus === 503 && o.duringMs < 1000),
      verdict('p95 during the outage', `${o.fault.p95.toFixed(0)} ms`, 'under 1 s (no hang)', o.fault.p95 < 1000),
      verdict('readiness during the outage', o.readiness, '503 naming database', /^503 .*database/.test(o.readiness)),
      readyVerdict(o.readyAfterMs, 5000),
    ]);
  }

  /** Redis killed for OUTAGE_MS (it comes back empty), with an upload while it is away. */
  async redisOutage(): Promise<void> {
    const name = `Redis killed ${OUTAGE_MS / 1000} s`;
    const o = await this.outage(
      name,
      () => this.redis.kill(),
      () => this.redis.start(),
      document('godwit', 40),
      60_000,
    );
    this.report(name, o, [
      verdict('failed requests', describeFailures(o.all.failures), 'none', o.all.failed === 0),
      verdict(
        'p95 during the outage',
        `${o.fault.p95.toFixed(1)} ms (baseline ${this.baselineP95.toFixed(1)} ms)`,
        'at most 2 × baseline + 20 ms',
        o.fault.p95 <= 2 * this.baselineP95 + 20,
      ),
      verdict('an upload during the outage', o.upload, '201 under 1 s', o.duringStatus === 201 && o.duringMs < 1000),
      verdict('readiness during the outage', o.readiness, '503 naming redis', /^503 .*redis/.test(o.readiness)),
      readyVerdict(o.readyAfterMs, 3000),
    ]);
  }

  /**
   * A dependency away for OUTAGE_MS under the load, with an upload and a readiness probe while it
   * is away; then the time until both instances are ready, and the scenario's uploads settled.
   */
  private async outage(
    name: string,
    stop: () => Promise<void>,
    start: () => Promise<void>,
    duringText: string,
    settleMs: number,
  ): Promise<Outage> {
    const from = Date.now();
    await stop();
    await sleep(300);
    const during = await this.timedUpload(`during-${name.split(' ')[0].toLowerCase()}-outage.md`, duringText, name);
    const readiness = await this.readiness(this.instances[0]);
    await sleep(Math.max(0, OUTAGE_MS - (Date.now() - from)));
    await start();
    const back = Date.now();
    const readyAfterMs = await this.timeToReady(back, 30_000);
    const settled = await this.settleAll(name, settleMs);
    return {
      upload: `${during.status} in ${during.ms} ms`,
      duringStatus: during.status,
      duringMs: during.ms,
      readiness,
      readyAfterMs,
      settled,
      fault: windowStats(this.load.samples, from, back),
      all: windowStats(this.load.samples, from, Date.now()),
      log: logSummary(this.instances, from, back + (readyAfterMs ?? 0)),
    };
  }

  /** SIGKILL of the instance that holds an ingestion's lease, with a chat stream open on it. */
  async killMidJob(): Promise<void> {
    const name = 'SIGKILL mid-ingest and mid-stream';
    const source = await this.upload('killed.md', document('knot', 320), name);
    await this.embedding(source.id);
    const job = await this.jobOf(source.id);
    const victim = await this.holder(job);
    const survivor = this.instances.find((i) => i !== victim)!;
    const stream = await this.openStream(victim);
    const retriedBefore = this.balancer.retried;
    const killedAt = Date.now();
    await victim.stop('SIGKILL');
    // Requests sent before the process was gone may have reached it (in flight at its death).
    const diedAt = Date.now();
    const streamEnd = await stream.end;
    const pickedUpMs = await this.pickedUp(job, survivor, killedAt, 4 * LEASE_MS);
    const settled = await this.settleAll(name, 120_000);
    const doneMs = Date.now() - killedAt;
    await victim.start();
    await this.inBalancer(victim);
    const end = Date.now();
    // Requests the balancer had already passed to the victim when it died are lost with it (a GET
    // is retried, as nginx does); every request sent after the kill must succeed.
    const lost = windowStats(this.load.samples, killedAt - 10_000, diedAt);
    const after = windowStats(this.load.samples, diedAt, end);
    const bound = Math.round(LEASE_MS * (1 + 1 / 3)) + 1000;
    this.publish({
      name,
      sent: after.sent,
      failures: describeFailures(after.failures),
      p95Fault: windowStats(this.load.samples, diedAt, diedAt + LEASE_MS).p95,
      readyAfterMs: undefined,
      stuck: settled.stuck,
      duplicates: settled.duplicates,
      verdicts: [
        verdict(
          'requests sent after the process was gone that failed',
          describeFailures(after.failures),
          'none',
          after.failed === 0,
        ),
        verdict(
          'the chat stream on the killed instance',
          streamEnd,
          'cut (it was on that process)',
          streamEnd !== 'completed',
        ),
        verdict(
          'job taken over by the survivor',
          pickedUpMs === undefined ? 'never' : `${pickedUpMs} ms after the kill`,
          `within the lease + a reaper pass + a second (${bound} ms)`,
          pickedUpMs !== undefined && pickedUpMs <= bound,
        ),
        ...settled.verdicts,
      ],
      notes: [
        `lease ${LEASE_MS} ms; source ready ${doneMs} ms after the kill`,
        `process gone ${diedAt - killedAt} ms after the signal; failed requests sent around the kill (ms from the signal): ${
          this.load.samples
            .filter(
              (x) =>
                x.at >= killedAt - 10_000 &&
                x.at < killedAt + 2000 &&
                !(typeof x.outcome === 'number' && x.outcome < 400),
            )
            .map((x) => `${x.route} ${x.outcome} at ${x.at - killedAt}`)
            .join(', ') || 'none'
        }`,
        `requests in flight at the killed instance: ${describeFailures(lost.failures)}; retried on the other backend by the balancer: ${this.balancer.retried - retriedBefore}`,
      ],
    });
  }

  /** SIGTERM one instance, start it again, wait until it is ready, then the other; mid-ingestion. */
  async rollingRestart(): Promise<void> {
    const name = 'rolling restart';
    const source = await this.upload('rolling.md', document('curlew', 320), name);
    await this.embedding(source.id);
    const job = await this.jobOf(source.id);
    const first = await this.holder(job);
    const order = [first, ...this.instances.filter((i) => i !== first)];
    const retriedBefore = this.balancer.retried;
    const from = Date.now();
    const exits: string[] = [];
    let handedBackMs: number | undefined;
    for (const instance of order) {
      const stopping = Date.now();
      const code = await instance.stop('SIGTERM');
      exits.push(`${instance.name} exit ${code} after ${Date.now() - stopping} ms`);
      if (instance === first) {
        const other = order[1];
        const taken = await this.pickedUp(job, other, Date.now(), 2 * LEASE_MS);
        handedBackMs = taken;
      }
      await instance.start();
      await this.inBalancer(instance);
    }
    const end = Date.now();
    const settled = await this.settleAll(name, 120_000);
    const all = windowStats(this.load.samples, from, end);
    const row = (await this.jobRow(job))!;
    this.publish({
      name,
      sent: all.sent,
      failures: describeFailures(all.failures),
      p95Fault: all.p95,
      readyAfterMs: undefined,
      stuck: settled.stuck,
      duplicates: settled.duplicates,
      verdicts: [
        verdict('failed requests at the balancer', describeFailures(all.failures), 'none', all.failed === 0),
        verdict(
          'exit codes',
          exits.map((e) => e.split(' after')[0]).join(', '),
          '0',
          exits.every((e) => / exit 0 /.test(e)),
        ),
        verdict(
          'running job handed back on SIGTERM',
          handedBackMs === undefined
            ? 'not taken over'
            : `running on ${order[1].name} ${handedBackMs} ms after ${first.name} exited`,
          'at once: under 2 s, not after the lease',
          handedBackMs !== undefined && handedBackMs < 2000,
        ),
        ...settled.verdicts,
      ],
      notes: [
        ...exits,
        `job attempts ${row.attempts}, interruptions ${row.interruptions}`,
        `requests retried on the other backend by the balancer: ${this.balancer.retried - retriedBefore}`,
      ],
    });
  }

  async tearDown(): Promise<void> {
    await this.load?.stop();
    await Promise.all(this.instances.map((i) => i.stop('SIGKILL')));
    await this.balancer?.stop();
    await this.llm?.stop();
    await this.redis?.kill();
    await this.pg?.destroy();
    if (process.env.DRILL_KEEP === '1') console.log(`logs kept in ${this.work}`);
    else rmSync(this.work, { recursive: true, force: true });
  }

  // ——— helpers ———

  private api(method: string, path: string, body?: unknown, base = this.balancer.url): Promise<Response> {
    return fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
  }

  private async upload(filename: string, text: string, scenario = 'setup'): Promise<{ id: string }> {
    const res = await this.timedUpload(filename, text, scenario);
    if (res.status !== 201) throw new Error(`upload of ${filename} answered ${res.status}`);
    return { id: res.id! };
  }

  private async timedUpload(
    filename: string,
    text: string,
    scenario: string,
  ): Promise<{ status: number; ms: number; id?: string }> {
    const form = new FormData();
    form.append('files', new Blob([text], { type: 'text/markdown' }), filename);
    const started = Date.now();
    const res = await fetch(`${this.balancer.url}/api/v1/notebooks/${this.notebook}/sources`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.token}` },
      body: form,
      signal: AbortSignal.timeout(30_000),
    });
    const ms = Date.now() - started;
    const body = (await res.json()) as { sources?: { id: string }[] };
    const id = res.status === 201 ? body.sources![0].id : undefined;
    if (id) this.uploaded.push({ id, scenario });
    return { status: res.status, ms, id };
  }

  private async source(id: string): Promise<{ status: string; progress: number } | undefined> {
    try {
      const res = await this.api('GET', `/api/v1/notebooks/${this.notebook}/sources/${id}`);
      return res.ok ? ((await res.json()) as { status: string; progress: number }) : undefined;
    } catch {
      return undefined;
    }
  }

  /** Waits until a source is being embedded (past a tenth of its chunks), so a fault lands mid-job. */
  private async embedding(id: string): Promise<void> {
    await until(async () => {
      const s = await this.source(id);
      if (s && ['ready', 'failed'].includes(s.status)) throw new Error(`source ${id} finished before the fault`);
      return s?.status === 'embedding' && s.progress >= 10;
    }, 60_000);
  }

  private async settle(id: string, timeoutMs: number): Promise<string | undefined> {
    let status: string | undefined;
    await until(async () => {
      status = (await this.source(id))?.status;
      return status === 'ready' || status === 'failed';
    }, timeoutMs).catch(() => undefined);
    return status;
  }

  /**
   * Waits for the scenario's uploads to finish; then counts, over the whole database, jobs left in
   * a non-final state (stuck or lost) and chunk rows beyond each source's count (duplicates).
   */
  private async settleAll(scenario: string, timeoutMs: number): Promise<Settled> {
    const mine = this.uploaded.filter((u) => u.scenario === scenario);
    const statuses = await Promise.all(mine.map((u) => this.settle(u.id, timeoutMs)));
    const notReady = statuses.filter((s) => s !== 'ready').length;
    const [jobs] = await this.sql<{ stuck: number }>(
      `select count(*)::int as stuck from jobs where state not in (${FINAL.map((s) => `'${s}'`).join(', ')})`,
    );
    const [chunks] = await this.sql<{ duplicates: number; missing: number }>(
      `select coalesce(sum(greatest(c.n - s.chunk_count, 0)), 0)::int as duplicates,
              coalesce(sum(greatest(s.chunk_count - c.ordinals, 0)), 0)::int as missing
         from sources s join (select source_id, count(*) as n, count(distinct ordinal) as ordinals from chunks group by source_id) c
           on c.source_id = s.id`,
    );
    const stuck = jobs.stuck + notReady;
    return {
      stuck,
      duplicates: chunks.duplicates,
      verdicts: [
        verdict('uploads of the scenario ready', `${mine.length - notReady} of ${mine.length}`, 'all', notReady === 0),
        verdict('jobs stuck or lost', String(jobs.stuck), '0', jobs.stuck === 0),
        verdict(
          'duplicate / missing chunks',
          `${chunks.duplicates} / ${chunks.missing}`,
          '0 / 0',
          chunks.duplicates + chunks.missing === 0,
        ),
      ],
    };
  }

  private async sql<T>(text: string, params: unknown[] = []): Promise<T[]> {
    const client = new Client({ connectionString: this.pg.url });
    await client.connect();
    try {
      return (await client.query(text, params)).rows as T[];
    } finally {
      await client.end();
    }
  }

  private async jobOf(sourceId: string): Promise<string> {
    const res = await this.api('GET', `/api/v1/notebooks/${this.notebook}/sources/${sourceId}`);
    return ((await res.json()) as { jobId: string }).jobId;
  }

  private async jobRow(id: string): Promise<JobRow | undefined> {
    const [row] = await this.sql<JobRow>('select state, lease_owner, attempts, interruptions from jobs where id = $1', [
      id,
    ]);
    return row;
  }

  /** The instance whose worker holds the job's lease (INSTANCE_ID is host:pid:tag). */
  private async holder(job: string): Promise<FolioInstance> {
    const row = await this.jobRow(job);
    const pid = Number(row?.lease_owner?.split(':')[1]);
    const instance = this.instances.find((i) => i.pid === pid);
    if (!instance) throw new Error(`job ${job} is not held by a drill instance (${row?.lease_owner})`);
    return instance;
  }

  /** Milliseconds from `since` until `instance` holds the job's lease (or the job is done there). */
  private async pickedUp(
    job: string,
    instance: FolioInstance,
    since: number,
    timeoutMs: number,
  ): Promise<number | undefined> {
    try {
      await until(
        async () => {
          const row = await this.jobRow(job);
          return row?.state === 'active' && Number(row.lease_owner?.split(':')[1]) === instance.pid;
        },
        timeoutMs,
        50,
      );
      return Date.now() - since;
    } catch {
      return undefined;
    }
  }

  /** One instance's readiness: its status and the parts it names. */
  private async readiness(instance: FolioInstance): Promise<string> {
    try {
      const res = await fetch(`${instance.url}/health/ready`, { signal: AbortSignal.timeout(3000) });
      const body = (await res.json()) as { details?: { field: string }[] };
      return `${res.status} ${(body.details ?? []).map((d) => d.field).join(', ')}`.trim();
    } catch (error) {
      return `no answer (${(error as Error).message})`;
    }
  }

  /** Milliseconds from `since` until every instance answers readiness 200. */
  private async timeToReady(since: number, timeoutMs: number): Promise<number | undefined> {
    try {
      await until(async () => (await Promise.all(this.instances.map((i) => i.ready()))).every(Boolean), timeoutMs, 100);
      return Date.now() - since;
    } catch {
      return undefined;
    }
  }

  private async inBalancer(instance: FolioInstance): Promise<void> {
    await until(
      () => Promise.resolve(this.balancer.backends.find((b) => b.name === instance.name)?.healthy === true),
      30_000,
      50,
    );
  }

  /** Opens a chat stream on one instance; resolves once its first token arrived. */
  private async openStream(instance: FolioInstance): Promise<{ end: Promise<string> }> {
    const res = await this.api(
      'POST',
      '/api/v2/chat/stream',
      { notebook_id: this.notebook, query: 'Tell me about knots' },
      instance.url,
    );
    if (res.status !== 200 || !res.body) throw new Error(`chat stream answered ${res.status}`);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    while (!text.includes('event: token')) {
      const { value, done } = await reader.read();
      if (done) throw new Error('the chat stream ended before its first token');
      text += Buffer.from(value).toString('utf8');
    }
    const end = (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return /event: done/.test(text) ? 'completed' : 'cut before its end';
          text += Buffer.from(value).toString('utf8');
        }
      } catch {
        return 'cut (connection reset)';
      }
    })();
    return { end };
  }

  private report(name: string, o: Outage, verdicts: Verdict[]): void {
    this.publish({
      name,
      sent: o.all.sent,
      failures: describeFailures(o.all.failures),
      p95Fault: o.fault.p95,
      readyAfterMs: o.readyAfterMs,
      stuck: o.settled.stuck,
      duplicates: o.settled.duplicates,
      verdicts: [...verdicts, logVerdict(o.log), ...o.settled.verdicts],
      notes: [],
    });
  }

  private publish(report: ScenarioReport): void {
    this.reports.push(report);
    console.log(`\n${report.name}`);
    for (const v of report.verdicts)
      console.log(`  ${v.met ? 'ok  ' : 'MISS'} ${v.what}: ${v.figure} (target: ${v.target})`);
    for (const n of report.notes) console.log(`       ${n}`);
  }
}

function verdict(what: string, figure: string, target: string, met: boolean): Verdict {
  return { what, figure, target, met };
}

function readyVerdict(ms: number | undefined, targetMs: number): Verdict {
  return verdict(
    'readiness back after recovery',
    ms === undefined ? 'not within 30 s' : `${ms} ms`,
    `within ${targetMs / 1000} s`,
    ms !== undefined && ms <= targetMs,
  );
}

/**
 * What the instances logged (warnings and worse) in [from, to): lines in all, and the message
 * written most often (numbers and request ids folded). Target: each message once per change of
 * state, not once per request, probe or retry.
 */
function logSummary(instances: FolioInstance[], from: number, to: number): LogSummary {
  const counts = new Map<string, number>();
  let lines = 0;
  for (const instance of instances) {
    for (const line of instance.logLines()) {
      let entry: { time?: number; level?: number; context?: string; msg?: string };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        continue;
      }
      if ((entry.time ?? 0) < from || (entry.time ?? 0) >= to || (entry.level ?? 0) < 40) continue;
      lines++;
      const key = `${instance.name} ${entry.context ?? '-'}: ${(entry.msg ?? '').replace(/\d+/g, 'N')}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  const [mostRepeated, repeats] = [...counts].sort((a, b) => b[1] - a[1])[0] ?? ['-', 0];
  return { lines, mostRepeated, repeats };
}

function logVerdict(log: LogSummary): Verdict {
  return verdict(
    'log lines (warn and worse) during the fault',
    `${log.lines}; most repeated ${log.repeats}× (${log.mostRepeated.slice(0, 100)})`,
    'each message once per change of state',
    log.repeats <= 1,
  );
}

/** A markdown document of `paragraphs` paragraphs (about one chunk each), its words marked by `tag`. */
function document(tag: string, paragraphs: number): string {
  const body = Array.from(
    { length: paragraphs },
    (_, i) =>
      `Paragraph ${i} of the ${tag} notes: the ${tag} flock ${i} feeds on tidal flats at low water, ` +
      `counted on transect ${i % 17} by observer ${i % 5}, with ${(i * 37) % 101} birds seen and ${(i * 11) % 23} ringed.`,
  );
  return `# ${tag} survey\n\n${body.join('\n\n')}\n`;
}

async function until(check: () => Promise<boolean>, timeoutMs: number, everyMs = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}

function summary(reports: ScenarioReport[]): void {
  console.log('\nSummary');
  console.table(
    reports.map((r) => ({
      scenario: r.name,
      requests: r.sent,
      'failures by status': r.failures,
      'p95 in fault ms': Number.isNaN(r.p95Fault) ? '-' : Math.round(r.p95Fault),
      'ready after ms': r.readyAfterMs ?? '-',
      'jobs stuck/lost': r.stuck,
      'duplicate chunks': r.duplicates,
      targets: r.verdicts.every((v) => v.met) ? 'met' : `${r.verdicts.filter((v) => !v.met).length} missed`,
    })),
  );
}

async function main(): Promise<void> {
  console.log(`drill on ${machineSummary()}; outages ${OUTAGE_MS} ms, lease ${LEASE_MS} ms, drain ${DRAIN_MS} ms`);
  const drill = new Drill();
  try {
    await drill.setUp();
    await drill.baseline();
    await drill.databaseOutage();
    await drill.redisOutage();
    await drill.killMidJob();
    await drill.rollingRestart();
  } finally {
    await drill.tearDown();
  }
  summary(drill.reports);
  if (drill.reports.some((r) => r.verdicts.some((v) => !v.met))) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
