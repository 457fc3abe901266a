import { randomUUID } from 'node:crypto';
import { UnitOfWork } from '../../src/database/unit-of-work';
import request from 'supertest';
import { ChunksRepository } from '../../src/chunks/chunks.repository';
import { EmbeddingProvider, toPgVector } from '../../src/embeddings/embedding-provider';
import { bearer, signup, type TestUser } from '../utils/auth';
import { query } from '../utils/db';
import { createNotebook, search, settled } from '../utils/notebooks';
import { createTestContext, startTestApp, type TestApp, type TestContext } from '../utils/test-app';

/**
 * Chunks are written in batches, outside one long transaction; what a reader sees must still
 * change at once: a write's rows are invisible until it is committed, the rows it replaces vanish
 * when it is, and what crashed or was superseded is swept away.
 */
describe(ChunksRepository.name, () => {
  let context: TestContext;
  let app: TestApp;
  let sut: ChunksRepository;
  let user: TestUser;
  let notebook: string;
  let source: string;

  beforeAll(async () => {
    context = await createTestContext();
    app = await startTestApp(context, { SUMMARIES_ENABLED: 'false' });
    sut = app.app.get(ChunksRepository);
    user = await signup(app.http, 'writes');
    notebook = await createNotebook(app.http, user.accessToken, 'Writes');
    const res = await request(app.http)
      .post(`/api/v1/notebooks/${notebook}/sources/text`)
      .set(...bearer(user.accessToken))
      .send({ title: 'Birds', text: 'The kestrel hovers over the meadow.' })
      .expect(201);
    source = (await settled(app.http, user.accessToken, notebook, (res.body as { id: string }).id)).id;
  });

  afterAll(async () => {
    await app?.close();
    await context?.destroy();
  });

  const write = () => ({
    id: randomUUID(),
    sourceId: source,
    notebookId: notebook,
    model: app.app.get(EmbeddingProvider).id,
  });
  const chunk = async (ordinal: number, text: string) => ({
    ordinal,
    text,
    tokenCount: 8,
    contentHash: randomUUID(),
    position: {},
    embedding: toPgVector((await app.app.get(EmbeddingProvider).embed([text]))[0]),
  });
  /** Full-text hits only: vector search returns the nearest chunks whatever they say. */
  const texts = async (q: string): Promise<string[]> => {
    const res = await request(app.http)
      .post(`/api/v1/notebooks/${notebook}/search`)
      .set(...bearer(user.accessToken))
      .send({ query: q, k: 10, mode: 'text' })
      .expect(200);
    return (res.body as { hits: { text: string }[] }).hits.map((h) => h.text);
  };
  const nearest = async (q: string): Promise<string[]> =>
    (await search(app.http, user.accessToken, notebook, q, 10)).map((h) => h.text);
  const commit = (writeId: string, expected: number): Promise<boolean> =>
    app.app.get(UnitOfWork).transaction(() => sut.commitWrite(source, writeId, expected));
  const rows = async (): Promise<number> =>
    Number((await query<{ n: string }>(app, `select count(*) as n from chunks where source_id = '${source}'`))[0].n);

  it('keeps a pending write invisible, then swaps it in for the old chunks at commit', async () => {
    // As if stored before chunk writes had ids (a database migrated from an older version).
    await query(app, `update chunks set write_id = null where source_id = '${source}'`);
    const next = write();
    await sut.beginWrite(source, next.id);
    await sut.insertBatch(next, [
      await chunk(0, 'The pelican dives for fish.'),
      await chunk(1, 'Pelicans fly in lines.'),
    ]);
    expect(await texts('pelican')).toEqual([]);
    expect(await nearest('pelican')).toEqual(['The kestrel hovers over the meadow.']);

    expect(await commit(next.id, 2)).toBe(true);
    expect((await texts('pelican')).sort()).toEqual(['Pelicans fly in lines.', 'The pelican dives for fish.']);
    expect(await texts('kestrel')).toEqual([]);
    expect((await nearest('kestrel')).sort()).toEqual(['Pelicans fly in lines.', 'The pelican dives for fish.']);
    expect(await rows()).toBe(2); // the first chunks predate write ids: deleted at commit

    const third = write();
    await sut.beginWrite(source, third.id);
    await sut.insertBatch(third, [await chunk(0, 'The heron waits.')]);
    expect(await commit(third.id, 1)).toBe(true);
    expect(await nearest('pelican')).toEqual(['The heron waits.']); // the pelicans: retired at once
    expect(await rows()).toBe(3); // though their rows are still there
    expect(await sut.purgeRetired({ sourceId: source })).toBe(2);
    expect(await rows()).toBe(1);
    expect(await query(app, 'select id from chunk_writes')).toEqual([]);
  });

  it('refuses to commit a write that is short of rows, or that a newer attempt superseded', async () => {
    const short = write();
    await sut.beginWrite(source, short.id);
    await sut.insertBatch(short, [await chunk(0, 'The osprey circles.')]);
    expect(await commit(short.id, 2)).toBe(false);

    const newer = write();
    await sut.beginWrite(source, newer.id); // the older pending write is retired
    expect(await commit(short.id, 1)).toBe(false);
    await sut.insertBatch(newer, [await chunk(0, 'The osprey circles.')]);
    expect(await commit(newer.id, 1)).toBe(true);
    expect(await texts('osprey')).toEqual(['The osprey circles.']);
    await sut.purgeRetired({ sourceId: source });
    expect(await rows()).toBe(1);
  });

  it('sweeps writes abandoned mid-way (their process died) without touching committed chunks', async () => {
    const dead = write();
    await sut.beginWrite(source, dead.id);
    await sut.insertBatch(dead, [await chunk(0, 'The albatross glides.'), await chunk(1, 'Albatrosses nest.')]);
    expect(await sut.purgeRetired({ abandonedBefore: new Date(Date.now() - 60_000) })).toBe(0); // still fresh
    expect(await sut.purgeRetired({ abandonedBefore: new Date(Date.now() + 60_000) })).toBe(2);
    expect(await texts('osprey')).toEqual(['The osprey circles.']);
    expect(await query(app, 'select id from chunk_writes')).toEqual([]);
  });

  it('a re-index replaces every chunk of a real source through the pipeline, one copy', async () => {
    await request(app.http)
      .post(`/api/v1/notebooks/${notebook}/sources/${source}/reindex`)
      .set(...bearer(user.accessToken))
      .expect(202);
    const ready = await settled(app.http, user.accessToken, notebook, source);
    expect(ready.status).toBe('ready');
    expect(await texts('kestrel')).toEqual(['The kestrel hovers over the meadow.']);
    expect(await rows()).toBe(1);
    expect(await query(app, 'select id from chunk_writes')).toEqual([]);
  });
});
