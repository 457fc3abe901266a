import { signup } from '../utils/auth';
import { query } from '../utils/db';
import { FakeOpenAi } from '../utils/fake-openai';
import { createNotebook, settled, uploadOne } from '../utils/notebooks';
import { createTestContext, eventually, startTestApp, type TestApp, type TestContext } from '../utils/test-app';

describe('RAPTOR summaries written by an OpenAI-compatible model', () => {
  let context: TestContext;
  let sut: TestApp;
  let fake: FakeOpenAi;

  beforeAll(async () => {
    fake = await new FakeOpenAi().start();
    context = await createTestContext();
    sut = await startTestApp(context, {
      ...fake.env,
      LLM_PROVIDER: 'openai',
      LLM_MODEL: 'fake-gpt',
      EMBEDDING_PROVIDER: 'openai',
      CHUNK_TARGET_TOKENS: '48',
      CHUNK_OVERLAP_TOKENS: '8',
      SUMMARY_CLUSTER_SIZE: '3',
      SUMMARY_NOTEBOOK_DEBOUNCE_MS: '200',
    });
  });

  afterAll(async () => {
    await sut?.close();
    await context?.destroy();
    await fake?.stop();
  });

  it('summarises clusters with the model and embeds the summaries through the same server', async () => {
    const user = await signup(sut.http, 'summaries');
    const notebook = await createNotebook(sut.http, user.accessToken, 'Summaries');
    const source = await uploadOne(sut.http, user.accessToken, notebook, 'guide.md');
    expect((await settled(sut.http, user.accessToken, notebook, source.id)).status).toBe('ready');
    const rows = await eventually(async () => {
      const r = await query<{ source_id: string | null; text: string; model: string }>(
        sut,
        `select source_id, text, model from summaries where notebook_id = '${notebook}'`,
      );
      return r.some((x) => x.source_id === null) ? r : undefined;
    }, 30_000);
    expect(rows.every((r) => r.model === 'fake-gpt' && r.text === 'A fake summary of the passages.')).toBe(true);
    const asks = fake.chatCalls().map((c) => (c.body.messages as { content: string }[])[0].content);
    expect(asks.length).toBeGreaterThanOrEqual(rows.length);
    expect(asks.every((a) => a.startsWith('Summarise'))).toBe(true);
    // The summaries' embeddings came from the server too (beyond the chunks' own batches).
    const embedded = fake.requests
      .filter((r) => r.path === '/v1/embeddings')
      .flatMap((r) => (Array.isArray(r.body.input) ? (r.body.input as string[]) : [r.body.input as string]));
    expect(embedded).toContain('A fake summary of the passages.');
  });
});
