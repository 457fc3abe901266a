import { ForbiddenException, NotFoundException } from '@nestjs/common';
import { ApiKeysService } from '../../src/api-keys/api-keys.service';
import { ChatSessionsService } from '../../src/chat/chat-sessions.service';
import { ChatService } from '../../src/chat/chat.service';
import { QueryService } from '../../src/chat/query.service';
import { NotebookAccessService } from '../../src/notebooks/notebook-access';
import { NotebooksService } from '../../src/notebooks/notebooks.service';
import { JobsService } from '../../src/queue/jobs.service';
import { SourcesService } from '../../src/sources/sources.service';
import { makeNotebook, makeUser, viaApiKey } from '../utils/factories';
import { createTestContext, eventually, type TestApp, type TestContext, startTestApp } from '../utils/test-app';

/**
 * The service tier: services called as the routes and jobs call them — the caller first — on the
 * real database and queue of the end-to-end harness, without HTTP in between.
 */
describe('services (no HTTP)', () => {
  let context: TestContext;
  let app: TestApp;

  beforeAll(async () => {
    context = await createTestContext();
    app = await startTestApp(context);
  });

  afterAll(async () => {
    await app?.close();
    await context?.destroy();
  });

  describe(NotebookAccessService.name, () => {
    it('lets the owner in, hides the notebook from others (404), and refuses viewers a change (403)', async () => {
      const sut = app.app.get(NotebookAccessService);
      const owner = await makeUser(app, 'owner');
      const stranger = await makeUser(app, 'stranger');
      const viewer = await makeUser(app, 'viewer');
      const notebook = await makeNotebook(app, owner);
      await app.app.get(NotebooksService).grant(owner, notebook, { userId: viewer.userId, level: 'viewer' }, {});

      await expect(sut.require(owner, notebook, 'update')).resolves.toMatchObject({ level: 'owner' });
      await expect(sut.require(stranger, notebook, 'read')).rejects.toBeInstanceOf(NotFoundException);
      await expect(sut.require(viewer, notebook, 'read')).resolves.toMatchObject({ level: 'viewer' });
      await expect(sut.require(viewer, notebook, 'update')).rejects.toBeInstanceOf(ForbiddenException);
      // An API key limited to another notebook sees this one as missing.
      const other = await makeNotebook(app, owner, 'Other');
      const limited = viaApiKey(app, owner, { notebookIds: [other] });
      await expect(sut.require(limited, notebook, 'read')).rejects.toBeInstanceOf(NotFoundException);
      await expect(sut.requireMany(owner, [notebook, other], 'read')).resolves.toHaveLength(2);
      await expect(sut.requireMany(stranger, [notebook, other], 'read')).rejects.toBeInstanceOf(NotFoundException);
    });
  });

  describe(SourcesService.name, () => {
    it('registers a source with its ingestion job in one unit of work, and the same content once', async () => {
      const sut = app.app.get(SourcesService);
      const owner = await makeUser(app, 'sources');
      const notebook = await makeNotebook(app, owner);
      const text = 'Kestrels hover over the meadow before they stoop on a vole.';

      const first = await sut.createText(owner, notebook, { title: 'Kestrels', text });
      expect(first).toMatchObject({ duplicate: false, status: 'queued' });
      const job = await app.app.get(JobsService).get(owner, first.jobId!);
      expect(job).toMatchObject({ name: 'ingestion.ingest-source', notebookId: notebook });

      const again = await sut.createText(owner, notebook, { title: 'Kestrels again', text });
      expect(again).toMatchObject({ id: first.id, duplicate: true });

      const stranger = await makeUser(app, 'stranger');
      await expect(sut.createText(stranger, notebook, { title: 'x', text: 'y' })).rejects.toBeInstanceOf(
        NotFoundException,
      );
    });
  });

  describe(ChatSessionsService.name, () => {
    it('keeps a turn in its session, pages sessions and history by cursor, and hides a session from others', async () => {
      const owner = await makeUser(app, 'sessions');
      const notebook = await makeNotebook(app, owner);
      const chat = app.app.get(ChatService);
      const sut = app.app.get(ChatSessionsService);

      const first = await chat.chat(owner, { notebook_id: notebook, query: 'What is in here?' });
      const followUp = await chat.chat(owner, { session_id: first.session_id, query: 'And then?' });
      expect(followUp.session_id).toBe(first.session_id);
      const second = await chat.chat(owner, { notebook_id: notebook, query: 'Another topic' });

      const page1 = await sut.list(owner, { limit: 1 });
      expect(page1.sessions.map((s) => s.session_id)).toEqual([second.session_id]);
      expect(page1.next_cursor).toBe(second.session_id);
      const page2 = await sut.list(owner, { limit: 1, cursor: page1.next_cursor! });
      expect(page2.sessions.map((s) => s.session_id)).toEqual([first.session_id]);
      expect(page2.next_cursor).toBeNull();

      // Newest page first, each page oldest first: the last page holds the opening question.
      const newest = await sut.history(owner, { session_id: first.session_id, limit: 2 });
      expect(newest.messages.map((m) => m.content)).toEqual(['And then?', followUp.answer]);
      const oldest = await sut.history(owner, { session_id: first.session_id, limit: 2, cursor: newest.next_cursor! });
      expect(oldest.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
      expect(oldest.messages[0].content).toBe('What is in here?');
      expect(oldest.next_cursor).toBeNull();

      const stranger = await makeUser(app, 'stranger');
      await expect(sut.history(stranger, { session_id: first.session_id })).rejects.toThrow(
        new NotFoundException('Chat session not found'),
      );
      await expect(chat.chat(stranger, { session_id: first.session_id, query: 'hi' })).rejects.toBeInstanceOf(
        NotFoundException,
      );
      // A session dies for its owner too once a notebook of it is out of reach: here, through a key.
      const other = await makeNotebook(app, owner, 'Other');
      const limited = viaApiKey(app, owner, { notebookIds: [other] });
      await expect(sut.history(limited, { session_id: first.session_id })).rejects.toBeInstanceOf(NotFoundException);
    });
  });

  describe('set-based access for jobs and API keys', () => {
    it("answers another user's job and key exactly like missing ones", async () => {
      const owner = await makeUser(app, 'jobs');
      const stranger = await makeUser(app, 'stranger');
      const notebook = await makeNotebook(app, owner);
      const source = await app.app
        .get(SourcesService)
        .createText(owner, notebook, { title: 'Owls', text: 'Owls hunt at night by sound.' });
      const jobs = app.app.get(JobsService);
      await expect(jobs.get(owner, source.jobId!)).resolves.toMatchObject({ id: source.jobId });
      await expect(jobs.get(stranger, source.jobId!)).rejects.toThrow(new NotFoundException('Job not found'));
      await expect(jobs.cancel(stranger, source.jobId!)).rejects.toThrow(new NotFoundException('Job not found'));

      const keys = app.app.get(ApiKeysService);
      const key = await keys.create(owner, { name: 'script', scopes: ['read'] }, {});
      await expect(keys.revoke(stranger, key.id, {})).rejects.toThrow(new NotFoundException('API key not found'));
      expect((await keys.list(owner)).map((k) => k.id)).toContain(key.id);
      await keys.revoke(owner, key.id, {});
      expect((await keys.list(owner)).map((k) => k.id)).not.toContain(key.id);
      await expect(keys.revoke(owner, key.id, {})).rejects.toBeInstanceOf(NotFoundException);
    });
  });

  describe('ingestion and chat', () => {
    it('a pasted source becomes ready through the ingestion job, then answers a question with a citation', async () => {
      const owner = await makeUser(app, 'chat');
      const notebook = await makeNotebook(app, owner);
      const sources = app.app.get(SourcesService);
      const source = await sources.createText(owner, notebook, {
        title: 'Rotation',
        text: 'Certificates are rotated every 90 days by the operations team.',
      });
      const ready = await eventually(async () => {
        const current = await sources.get(owner, notebook, source.id);
        return current.status === 'ready' ? current : undefined;
      }, 30_000);
      expect(ready.chunkCount).toBeGreaterThan(0);

      const sut = app.app.get(QueryService);
      const answer = await sut.query(owner, { notebook_id: notebook, query: 'How often are certificates rotated?' });
      expect(answer.answer).toMatch(/90 days/);
      expect(answer.sources.map((s) => s.source_id)).toContain(source.id);

      const stranger = await makeUser(app, 'stranger');
      await expect(sut.query(stranger, { notebook_id: notebook, query: 'anything' })).rejects.toBeInstanceOf(
        NotFoundException,
      );
    });
  });
});
