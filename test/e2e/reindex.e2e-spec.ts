import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { signup } from '../utils/auth';
import { query } from '../utils/db';
import { createNotebook, search, settled, uploadOne } from '../utils/notebooks';
import { LocalEmbeddingProvider } from '../../src/embeddings/local-embedding.provider';
import { createTestContext, eventually, startTestApp, type TestContext } from '../utils/test-app';

describe('npm run reindex (embedding model change)', () => {
  let context: TestContext;

  beforeAll(async () => {
    context = await createTestContext();
  });

  afterAll(() => context.destroy());

  it('re-embeds every source made with the old model, moves the vector index, and search works again', async () => {
    // Ingest with the 384-dimension local model.
    const before = await startTestApp(context, { EMBEDDING_DIMENSIONS: '384' });
    const user = await signup(before.http, 'reindex');
    const notebook = await createNotebook(before.http, user.accessToken);
    const ids: string[] = [];
    for (const [name, text] of [
      ['heron.md', '# Heron\n\nGrey herons stand motionless in the shallows.'],
      ['swift.md', '# Swift\n\nCommon swifts sleep on the wing.'],
    ] as const) {
      const source = await uploadOne(before.http, user.accessToken, notebook, name, Buffer.from(text));
      expect((await settled(before.http, user.accessToken, notebook, source.id)).status).toBe('ready');
      ids.push(source.id);
    }
    await before.close();

    // The operator switches to 256 dimensions: search no longer sees the old chunks ...
    const changed = await startTestApp(context, { EMBEDDING_DIMENSIONS: '256' });
    expect(await search(changed.http, user.accessToken, notebook, 'herons shallows', 3)).toEqual([]);
    await changed.close();

    // ... until the reindex command has run, as a separate process against the same database.
    const run = spawnSync(process.execPath, ['-r', '@swc-node/register', join(__dirname, '../../src/cli/reindex.ts')], {
      env: { ...process.env, ...context.env, EMBEDDING_DIMENSIONS: '256', LOG_LEVEL: 'error' },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/2 source\(s\) to ingest again with local-hash-v2:256/);
    expect(run.stdout).toMatch(/2 ready, 0 failed, 0 to go/);

    const after = await startTestApp(context, { EMBEDDING_DIMENSIONS: '256' });
    try {
      const models = await query<{ embedding_model: string; n: number }>(
        after,
        'select embedding_model, count(*)::int as n from chunks group by embedding_model',
      );
      expect(models).toEqual([{ embedding_model: 'local-hash-v2:256', n: expect.any(Number) as number }]);
      const indexes = await query<{ indexname: string }>(
        after,
        "select indexname from pg_indexes where indexname like 'chunks_embedding_hnsw_%'",
      );
      expect(indexes.map((i) => i.indexname)).toEqual(['chunks_embedding_hnsw_256']);
      const hits = await search(after.http, user.accessToken, notebook, 'herons shallows', 1);
      expect(hits[0].sourceTitle).toBe('heron.md');
    } finally {
      await after.close();
    }

    // Nothing left to do: a second run is a no-op.
    const again = spawnSync(
      process.execPath,
      ['-r', '@swc-node/register', join(__dirname, '../../src/cli/reindex.ts')],
      {
        env: { ...process.env, ...context.env, EMBEDDING_DIMENSIONS: '256', LOG_LEVEL: 'error' },
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    expect(again.stdout).toMatch(/0 source\(s\) to ingest again/);
  });
});

describe('upgrading the local embedding provider', () => {
  let context: TestContext;

  beforeAll(async () => {
    context = await createTestContext();
  });

  afterAll(() => context.destroy());

  it('re-embeds in place, at start, what an older version embedded; search finds it again', async () => {
    const first = await startTestApp(context);
    const user = await signup(first.http, 'reembed');
    const notebook = await createNotebook(first.http, user.accessToken);
    // Enough sections for several chunks and a summary tree.
    const birds = [
      'heron',
      'swift',
      'kestrel',
      'plover',
      'curlew',
      'dunlin',
      'avocet',
      'godwit',
      'whimbrel',
      'sanderling',
    ];
    const markdown = birds
      .map(
        (bird, i) =>
          `## ${bird}\n\n${`The ${bird} feeds along the shore at low tide number ${i} and roosts at high water. `.repeat(30)}`,
      )
      .join('\n\n');
    const source = await uploadOne(first.http, user.accessToken, notebook, 'shorebirds.md', Buffer.from(markdown));
    expect((await settled(first.http, user.accessToken, notebook, source.id)).status).toBe('ready');
    const summariesOf = () =>
      query<{ id: string; embedding: string }>(first, 'select id, embedding::text from summaries order by id');
    // The source's tree and the notebook's (debounced) are both built before the upgrade.
    await eventually(async () => {
      const [{ open }] = await query<{ open: number }>(
        first,
        "select count(*)::int as open from jobs where name like 'summaries.%' and state <> 'completed'",
      );
      return open === 0 && (await summariesOf()).length > 1 ? true : undefined;
    }, 30_000);
    const freshSummaries = await summariesOf();
    const model = new LocalEmbeddingProvider(384).id;
    const fresh = await query<{ id: string; embedding: string }>(
      first,
      'select id, embedding::text from chunks order by id',
    );
    // What an older version left behind: its model id, other vectors (here: reversed ones).
    for (const table of ['chunks', 'summaries']) {
      await query(
        first,
        `update ${table} set embedding_model = 'local-hash-v1:384',
                embedding = (select array_agg(e order by i desc)::vector from unnest(embedding::real[]) with ordinality as x(e, i))`,
      );
    }
    expect(await search(first.http, user.accessToken, notebook, 'kestrel roosts', 3)).toEqual([]);
    await first.close();

    const upgraded = await startTestApp(context, { JOB_SCHEDULE: 'true' });
    try {
      // The start-up job has finished: chunks first, then summary nodes.
      await eventually(async () => {
        for (const table of ['chunks', 'summaries']) {
          const models = await query<{ embedding_model: string }>(
            upgraded,
            `select distinct embedding_model from ${table}`,
          );
          expect(models).toEqual([{ embedding_model: model }]);
        }
        return true;
      });
      // The same vectors as a fresh ingestion, without one.
      expect(await query(upgraded, 'select id, embedding::text from chunks order by id')).toEqual(fresh);
      expect(await query(upgraded, 'select id, embedding::text from summaries order by id')).toEqual(freshSummaries);
      const [{ revision }] = await query<{ revision: number }>(
        upgraded,
        `select revision from sources where id = '${source.id}'`,
      );
      expect(revision).toBe(1);
      const hits = await search(upgraded.http, user.accessToken, notebook, 'kestrel roosts', 1);
      expect(hits[0].text).toMatch(/kestrel/);
      // Its record: done, with what it re-embedded.
      await eventually(async () => {
        const job = await query<{ state: string; result: { chunks: number; summaries: number } }>(
          upgraded,
          "select state, result from jobs where name = 'maintenance.reembed-local'",
        );
        expect(job).toEqual([
          { state: 'completed', result: { chunks: fresh.length, summaries: freshSummaries.length } },
        ]);
        return true;
      });
    } finally {
      await upgraded.close();
    }
  });
});
