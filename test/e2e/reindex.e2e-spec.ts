import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { signup } from '../utils/auth';
import { query } from '../utils/db';
import { createNotebook, search, settled, uploadOne } from '../utils/notebooks';
import { createTestContext, startTestApp, type TestContext } from '../utils/test-app';

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
    expect(run.stdout).toMatch(/2 source\(s\) to ingest again with local-hash-v1:256/);
    expect(run.stdout).toMatch(/2 ready, 0 failed, 0 to go/);

    const after = await startTestApp(context, { EMBEDDING_DIMENSIONS: '256' });
    try {
      const models = await query<{ embedding_model: string; n: number }>(
        after,
        'select embedding_model, count(*)::int as n from chunks group by embedding_model',
      );
      expect(models).toEqual([{ embedding_model: 'local-hash-v1:256', n: expect.any(Number) as number }]);
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
