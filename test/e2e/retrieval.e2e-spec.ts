import request from 'supertest';
import { CHUNK_TSV } from '../../src/chunks/chunks.repository';
import { EmbeddingProvider as EmbeddingProviderToken } from '../../src/embeddings/embedding-provider';
import { LOCAL_EMBEDDING_VERSION } from '../../src/embeddings/local-embedding.provider';
import { type NotebookRow } from '../../src/notebooks/notebook-row';
import { RetrievalService } from '../../src/retrieval/retrieval.service';
import { bearer, signup, type TestUser } from '../utils/auth';
import { query } from '../utils/db';
import { createNotebook, settled, uploadOne } from '../utils/notebooks';
import { createTestContext, eventually, startTestApp, type TestApp, type TestContext } from '../utils/test-app';

interface Hit {
  kind: 'chunk' | 'summary';
  chunkId: string | null;
  summaryId: string | null;
  sourceId: string | null;
  sourceTitle: string;
  text: string;
  score: number;
  vectorScore: number | null;
  textScore: number | null;
  position: { headingPath?: string[] } | null;
}

describe('hybrid retrieval, RAPTOR summaries and the local answerer', () => {
  let context: TestContext;
  let sut: TestApp;
  let user: TestUser;
  let notebook: string;
  const sources = new Map<string, string>();

  const search = async (body: Record<string, unknown>, id = notebook) =>
    (
      await request(sut.http)
        .post(`/api/v1/notebooks/${id}/search`)
        .set(...bearer(user.accessToken))
        .send(body)
        .expect(200)
    ).body as { hits: Hit[]; strategy: string };

  beforeAll(async () => {
    context = await createTestContext();
    sut = await startTestApp(context, {
      CHUNK_TARGET_TOKENS: '48',
      CHUNK_OVERLAP_TOKENS: '8',
      SUMMARY_CLUSTER_SIZE: '3',
      SUMMARY_NOTEBOOK_DEBOUNCE_MS: '200',
    });
    user = await signup(sut.http, 'retrieval');
    notebook = await createNotebook(sut.http, user.accessToken, 'Mixed');
    for (const file of ['guide.md', 'cache.html', 'operations.pdf', 'checksum.py']) {
      const source = await uploadOne(sut.http, user.accessToken, notebook, file);
      expect((await settled(sut.http, user.accessToken, notebook, source.id)).status).toBe('ready');
      sources.set(file, source.id);
    }
  });

  afterAll(async () => {
    await sut?.close();
    await context?.destroy();
  });

  it('fuses vector and full-text candidates; each list on its own works too', async () => {
    const hybrid = await search({ query: 'albatross quorum votes failover', k: 5 });
    expect(hybrid.hits[0].sourceTitle).toBe('operations.pdf');
    expect(hybrid.hits[0].vectorScore).not.toBeNull();
    expect(hybrid.hits[0].textScore).not.toBeNull();
    const text = await search({ query: 'albatross', k: 5, mode: 'text' });
    expect(text.hits.length).toBeGreaterThan(0);
    expect(text.hits.every((h) => h.vectorScore === null && h.text.toLowerCase().includes('albatross'))).toBe(true);
    const vector = await search({ query: 'albatross', k: 5, mode: 'vector' });
    expect(vector.hits).toHaveLength(5);
    expect(vector.hits.every((h) => h.textScore === null)).toBe(true);
  });

  it('full text matches a question word-for-word even when most words are not in the text', async () => {
    const { hits } = await search({ query: 'what is the rolling xor in the osprey code?', k: 3, mode: 'text' });
    expect(hits[0].sourceTitle).toBe('checksum.py');
  });

  it('filters by source', async () => {
    const only = sources.get('cache.html')!;
    const { hits } = await search({ query: 'certificates rotation quorum eviction', k: 10, sourceIds: [only] });
    expect(hits.length).toBeGreaterThan(0);
    expect(hits.every((h) => h.sourceId === only)).toBe(true);
  });

  it("the exact path returns exactly the notebook's nearest chunks", async () => {
    const { hits, strategy } = await search({ query: 'certificate rotation schedule', k: 5, mode: 'vector' });
    expect(strategy).toBe('exact');
    const [vector] = await sut.app.get(EmbeddingProviderToken).embed(['certificate rotation schedule']);
    const literal = `[${Array.from(vector).join(',')}]`;
    const expected = await query<{ id: string }>(
      sut,
      `select id from chunks where notebook_id = '${notebook}' order by embedding::vector(384) <=> '${literal}'::vector(384), id limit 5`,
    );
    expect(hits.map((h) => h.chunkId)).toEqual(expected.map((r) => r.id));
  });

  it('builds summary trees per source and for the notebook, retrievable beside chunks', async () => {
    const rows = await eventually(
      async () => {
        const r = await query<{ source_id: string | null; level: number; n: number }>(
          sut,
          `select source_id, level, count(*)::int as n from summaries where notebook_id = '${notebook}' group by 1, 2`,
        );
        const covered = new Set(r.filter((x) => x.source_id).map((x) => x.source_id));
        return covered.size === sources.size && r.some((x) => x.source_id === null) ? r : undefined;
      },
      30_000,
      100,
    );
    // Every source tree ends in a single root; the notebook has a single root on top.
    for (const id of sources.values()) {
      const levels = rows.filter((r) => r.source_id === id);
      const top = Math.max(...levels.map((r) => r.level));
      expect(levels.find((r) => r.level === top)!.n).toBe(1);
    }
    const notebookLevels = rows.filter((r) => r.source_id === null);
    expect(notebookLevels.find((r) => r.level === Math.max(...notebookLevels.map((l) => l.level)))!.n).toBe(1);

    const { hits } = await search({ query: 'Kestrel cluster certificates handbook', k: 10, includeSummaries: true });
    expect(hits.some((h) => h.kind === 'summary' && h.summaryId)).toBe(true);
    const plain = await search({ query: 'Kestrel cluster certificates handbook', k: 10 });
    expect(plain.hits.every((h) => h.kind === 'chunk')).toBe(true);
  });

  it('removing a source removes its tree and rebuilds only the notebook level', async () => {
    const removed = sources.get('checksum.py')!;
    const keptBefore = await query<{ id: string }>(
      sut,
      `select id from summaries where notebook_id = '${notebook}' and source_id is not null and source_id <> '${removed}' order by id`,
    );
    const rootBefore = await query<{ id: string }>(
      sut,
      `select id from summaries where notebook_id = '${notebook}' and source_id is null`,
    );
    await request(sut.http)
      .delete(`/api/v1/notebooks/${notebook}/sources/${removed}`)
      .set(...bearer(user.accessToken))
      .expect(204);
    sources.delete('checksum.py');
    await eventually(async () => {
      const now = await query<{ id: string }>(
        sut,
        `select id from summaries where notebook_id = '${notebook}' and source_id is null`,
      );
      return now.length > 0 && !now.some((r) => rootBefore.some((b) => b.id === r.id)) ? true : undefined;
    }, 30_000);
    expect(await query(sut, `select id from summaries where source_id = '${removed}'`)).toEqual([]);
    const keptAfter = await query<{ id: string }>(
      sut,
      `select id from summaries where notebook_id = '${notebook}' and source_id is not null order by id`,
    );
    expect(keptAfter).toEqual(keptBefore);
  });

  it('the local answerer answers extractively, with citations', async () => {
    const res = await request(sut.http)
      .post('/api/v2/chat')
      .set(...bearer(user.accessToken))
      .send({ notebook_id: notebook, query: 'How often do Kestrel nodes rotate their certificates?' })
      .expect(200);
    expect(res.body.model).toBe('local-extractive');
    expect(res.body.answer).toMatch(/seventeen days\.? \[\d+\]/);
    const cited = (res.body.sources as { cited: boolean; text: string }[]).filter((s) => s.cited);
    expect(cited.some((s) => s.text.includes('seventeen days'))).toBe(true);
  });

  describe('ranking full-text matches', () => {
    let ranked: string;

    beforeAll(async () => {
      ranked = await createNotebook(sut.http, user.accessToken, 'Ranking');
      const markdown = [
        '# Osprey handbook',
        '',
        ...Array.from({ length: 6 }, (_, i) => `Kestrel kestrel kestrel notes ${i}: kestrels hover and kestrels dive.`),
        '',
        '## Upkeep',
        '',
        'Platforms are built high on poles near the water, out of reach of foxes and of curious walkers.',
        'The platform is inspected each spring by the rangers, who climb up with ropes and a camera.',
        'Old nests are repaired before the birds return from the south, with sticks the rangers carry.',
        'Broken poles are replaced in the autumn, after the young have flown, so no brood is disturbed.',
        '',
        '## Winter',
        '',
        'A kestrel rotates its feathers; a quiet osprey certificate of migration is kept by the wardens.',
      ].join('\n');
      const source = await uploadOne(sut.http, user.accessToken, ranked, 'ranking.md', Buffer.from(markdown));
      expect((await settled(sut.http, user.accessToken, ranked, source.id)).status).toBe('ready');
    });

    it('ranks a chunk holding every word of the question above chunks repeating one of them', async () => {
      const { hits } = await search({ query: 'kestrel osprey certificate', mode: 'text', k: 5 }, ranked);
      expect(hits[0].text).toContain('osprey certificate of migration');
    });

    it('finds a section by its heading, also in its chunks that do not repeat it (heading words are indexed with each chunk)', async () => {
      const { hits } = await search({ query: 'upkeep', mode: 'text', k: 10 }, ranked);
      expect(hits.length).toBeGreaterThan(1);
      expect(hits.some((h) => !/upkeep/i.test(h.text))).toBe(true);
      expect(hits.every((h) => h.position?.headingPath?.includes('Upkeep'))).toBe(true);
    });
  });

  describe('a small notebook in a crowded index', () => {
    let small: string;
    let crowd: string;

    beforeAll(async () => {
      small = await createNotebook(sut.http, user.accessToken, 'Small');
      const source = await uploadOne(sut.http, user.accessToken, small, 'cache.html');
      await settled(sut.http, user.accessToken, small, source.id);
      // 1,501 random chunks in another notebook crowd the HNSW graph around any query.
      crowd = await createNotebook(sut.http, user.accessToken, 'Crowd');
      await query(
        sut,
        `insert into sources (id, notebook_id, kind, title, format, mime_type, size_bytes, content_hash, storage_key, status, chunk_count)
         values ('00000000-0000-7000-8000-00000000c0de', '${crowd}', 'text', 'crowd', 'text', 'text/plain', 1, 'crowd', 'crowd', 'ready', 1501)`,
      );
      await query(
        sut,
        `insert into chunks (id, source_id, notebook_id, ordinal, text, token_count, content_hash, position, embedding, embedding_model, tsv)
         select gen_random_uuid(), '00000000-0000-7000-8000-00000000c0de', '${crowd}', g, text, 5, 'h' || g, '{}',
                (select array_agg(random() - 0.5)::vector(384) from generate_series(1, 384) x where g > 0), '${LOCAL_EMBEDDING_VERSION}:384',
                ${CHUNK_TSV}
         from generate_series(1, 1501) g,
              lateral (select case when g <= 1500 then 'pelican cache eviction filler ' || g else 'pelican zebra quokka filler' end as text,
                              '' as heading) t`,
      );
    });

    it('the HNSW path (iterative scan) still fills k from the notebook, as the exact scan does', async () => {
      const retrieval = sut.app.get(RetrievalService);
      const [row] = await query<NotebookRow>(
        sut,
        `select id, (select sum(chunk_count) from sources where notebook_id = '${small}')::int as chunk_count from notebooks where id = '${small}'`,
      );
      const exact = await retrieval.retrieve([row], 'pelican cache eviction', {
        k: 2,
        mode: 'vector',
        strategy: 'exact',
      });
      const hnsw = await retrieval.retrieve([row], 'pelican cache eviction', {
        k: 2,
        mode: 'vector',
        strategy: 'hnsw',
      });
      expect(exact.hits).toHaveLength(2);
      expect(hnsw.strategy).toBe('hnsw');
      expect(hnsw.hits.map((h) => h.id)).toEqual(exact.hits.map((h) => h.id));
    });

    it('in a large notebook, chunks sharing all but one word of the question outrank any-word matches', async () => {
      // All 1,501 chunks hold "pelican": far more any-word matches than are ranked. The one with
      // three of the four words was inserted last (the end of index order) and must still be found.
      const retrieval = sut.app.get(RetrievalService);
      const row = { id: crowd, chunk_count: 1501 } as unknown as NotebookRow;
      const { hits, strategy } = await retrieval.retrieve([row], 'pelican zebra quokka narwhal', {
        k: 10,
        strategy: 'hnsw',
        summaries: false,
      });
      expect(strategy).toBe('hnsw');
      const byText = hits.filter((h) => h.textScore !== null).sort((a, b) => b.textScore! - a.textScore!);
      expect(byText[0]?.text).toBe('pelican zebra quokka filler');
    });

    it('full text over several notebooks matches in each of them and nowhere else', async () => {
      const retrieval = sut.app.get(RetrievalService);
      const rows = await query<NotebookRow>(
        sut,
        `select n.id, (select coalesce(sum(chunk_count), 0) from sources s where s.notebook_id = n.id)::int as chunk_count
         from notebooks n where n.id in ('${small}', '${notebook}')`,
      );
      const { hits, strategy } = await retrieval.retrieve(rows, 'cache eviction', {
        k: 50,
        mode: 'text',
        summaries: false,
      });
      expect(strategy).toBe('exact');
      // Every chunk of the two notebooks holding either word, and no other: a brute-force count.
      const [truth] = await query<{ n: number }>(
        sut,
        `select count(*)::int as n from chunks where notebook_id in ('${small}', '${notebook}')
           and tsv @@ to_tsquery('simple', 'cach | evict')`,
      );
      expect(hits).toHaveLength(Math.min(50, truth.n));
      expect(new Set(hits.map((h) => h.notebookId))).toEqual(new Set([small, notebook]));
    });
  });
});
