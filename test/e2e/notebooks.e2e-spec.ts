import request from 'supertest';
import { NotebooksMaintenanceProcessor } from '../../src/notebooks/notebooks-maintenance.processor';
import { bearer, createAdminUser, signup, type TestUser } from '../utils/auth';
import { query } from '../utils/db';
import { createNotebook, search, settled, uploadOne } from '../utils/notebooks';
import { createTestContext, startTestApp, type TestApp, type TestContext } from '../utils/test-app';

interface NotebookBody {
  id: string;
  name: string;
  access: string;
  sourceCount: number;
  chunkCount: number;
  deletedAt: string | null;
}

describe('notebooks', () => {
  let context: TestContext;
  let sut: TestApp;
  let owner: TestUser;

  beforeAll(async () => {
    context = await createTestContext();
    sut = await startTestApp(context, { NOTEBOOK_RETENTION_DAYS: '30' });
    owner = await signup(sut.http, 'owner');
  });

  afterAll(async () => {
    await sut?.close();
    await context?.destroy();
  });

  const as = (user: TestUser) => ({
    get: (path: string) =>
      request(sut.http)
        .get(path)
        .set(...bearer(user.accessToken)),
    post: (path: string, body?: object) =>
      request(sut.http)
        .post(path)
        .set(...bearer(user.accessToken))
        .send(body ?? {}),
    patch: (path: string, body: object) =>
      request(sut.http)
        .patch(path)
        .set(...bearer(user.accessToken))
        .send(body),
    delete: (path: string) =>
      request(sut.http)
        .delete(path)
        .set(...bearer(user.accessToken)),
  });

  describe('CRUD', () => {
    it('creates, reads, renames and lists with counts', async () => {
      const created = await as(owner)
        .post('/api/v1/notebooks', { name: '  Field notes  ', description: 'Birds' })
        .expect(201);
      expect(created.body).toEqual(
        expect.objectContaining({
          name: 'Field notes',
          description: 'Birds',
          access: 'owner',
          ownerId: owner.id,
          sourceCount: 0,
          chunkCount: 0,
        }),
      );
      const id = created.body.id as string;
      await as(owner).patch(`/api/v1/notebooks/${id}`, { name: 'Field notes 2026' }).expect(200);
      const source = await uploadOne(
        sut.http,
        owner.accessToken,
        id,
        'g.md',
        Buffer.from('# G\n\nThe grebe dives for fish.'),
      );
      await settled(sut.http, owner.accessToken, id, source.id);
      const got = await as(owner).get(`/api/v1/notebooks/${id}`).expect(200);
      expect(got.body).toEqual(expect.objectContaining({ name: 'Field notes 2026', sourceCount: 1, chunkCount: 1 }));
    });

    it('searches by name and pages with a cursor', async () => {
      const user = await signup(sut.http, 'pager');
      for (const name of ['alpha one', 'beta', 'alpha two', 'alpha three'])
        await createNotebook(sut.http, user.accessToken, name);
      const page1 = await as(user).get('/api/v1/notebooks?search=alpha&limit=2').expect(200);
      expect((page1.body.items as NotebookBody[]).map((n) => n.name)).toEqual(['alpha three', 'alpha two']);
      const page2 = await as(user)
        .get(`/api/v1/notebooks?search=alpha&limit=2&cursor=${page1.body.nextCursor as string}`)
        .expect(200);
      expect((page2.body.items as NotebookBody[]).map((n) => n.name)).toEqual(['alpha one']);
      expect(page2.body.nextCursor).toBeNull();
      await as(user).get('/api/v1/notebooks?search=%25').expect(200); // LIKE wildcards are escaped, not errors
    });

    it('rejects bad input with 400 and never takes an owner from the body', async () => {
      await as(owner).post('/api/v1/notebooks', { name: '' }).expect(400);
      await as(owner)
        .post('/api/v1/notebooks', { name: 'x'.repeat(201) })
        .expect(400);
      const res = await as(owner)
        .post('/api/v1/notebooks', { name: 'mine', ownerId: '0190b3c2-0000-7000-8000-000000000001' })
        .expect(400);
      expect((res.body.details as { field: string }[]).map((d) => d.field)).toEqual(['ownerId']);
    });

    it('deletes softly, restores, and a purge after retention removes it for good', async () => {
      const id = await createNotebook(sut.http, owner.accessToken, 'To the trash');
      const source = await uploadOne(
        sut.http,
        owner.accessToken,
        id,
        'trash.md',
        Buffer.from('# Trash\n\nThe shag nests on ledges.'),
      );
      await settled(sut.http, owner.accessToken, id, source.id);
      await as(owner).delete(`/api/v1/notebooks/${id}`).expect(204);
      await as(owner).get(`/api/v1/notebooks/${id}`).expect(404);
      const list = await as(owner).get('/api/v1/notebooks?limit=100').expect(200);
      expect((list.body.items as NotebookBody[]).map((n) => n.id)).not.toContain(id);
      const restored = await as(owner).post(`/api/v1/notebooks/${id}/restore`).expect(200);
      expect(restored.body.deletedAt).toBeNull();
      expect((await search(sut.http, owner.accessToken, id, 'shag nests ledges', 1))[0].sourceId).toBe(source.id);
      await as(owner).post(`/api/v1/notebooks/${id}/restore`).expect(404); // not in the trash

      // Past the retention period: not restorable, and the purge job deletes rows, chunks and files.
      await as(owner).delete(`/api/v1/notebooks/${id}`).expect(204);
      await query(sut, `update notebooks set deleted_at = now() - interval '31 days' where id = '${id}'`);
      await as(owner).post(`/api/v1/notebooks/${id}/restore`).expect(404);
      await sut.app.get(NotebooksMaintenanceProcessor).purge();
      for (const table of ['notebooks', 'sources', 'chunks']) {
        const column = table === 'notebooks' ? 'id' : 'notebook_id';
        expect(await query(sut, `select 1 from ${table} where ${column} = '${id}'`)).toEqual([]);
      }
      expect(
        await query(
          sut,
          `select 1 from blob_parts where key = (select storage_key from sources where id = '${source.id}')`,
        ),
      ).toEqual([]);
    });
  });

  describe('sharing', () => {
    let notebook: string;
    let viewer: TestUser;
    let editor: TestUser;

    beforeAll(async () => {
      notebook = await createNotebook(sut.http, owner.accessToken, 'Shared');
      const source = await uploadOne(
        sut.http,
        owner.accessToken,
        notebook,
        'shared.md',
        Buffer.from('# Shared\n\nThe auk colony counts forty pairs.'),
      );
      await settled(sut.http, owner.accessToken, notebook, source.id);
      viewer = await signup(sut.http, 'viewer');
      editor = await signup(sut.http, 'editor');
      await as(owner)
        .post(`/api/v1/notebooks/${notebook}/access`, { email: viewer.email.toUpperCase(), level: 'viewer' })
        .expect(200);
      const res = await as(owner)
        .post(`/api/v1/notebooks/${notebook}/access`, { userId: editor.id, level: 'editor' })
        .expect(200);
      expect((res.body as { level: string }[]).map((g) => g.level)).toEqual(['owner', 'viewer', 'editor']);
    });

    it('a viewer reads, lists and searches, but cannot add or delete sources, share or delete', async () => {
      const got = await as(viewer).get(`/api/v1/notebooks/${notebook}`).expect(200);
      expect(got.body.access).toBe('viewer');
      const list = await as(viewer).get('/api/v1/notebooks').expect(200);
      expect((list.body.items as NotebookBody[]).find((n) => n.id === notebook)?.access).toBe('viewer');
      expect((await search(sut.http, viewer.accessToken, notebook, 'auk colony pairs', 1))[0].text).toContain(
        'forty pairs',
      );
      const sources = await as(viewer).get(`/api/v1/notebooks/${notebook}/sources`).expect(200);
      const sourceId = (sources.body.items as { id: string }[])[0].id;
      await as(viewer).get(`/api/v1/notebooks/${notebook}/sources/${sourceId}/content`).expect(200);

      await request(sut.http)
        .post(`/api/v1/notebooks/${notebook}/sources`)
        .set(...bearer(viewer.accessToken))
        .attach('files', Buffer.from('x y z'), 'v.txt')
        .expect(403);
      await as(viewer).delete(`/api/v1/notebooks/${notebook}/sources/${sourceId}`).expect(403);
      await as(viewer).patch(`/api/v1/notebooks/${notebook}`, { name: 'mine now' }).expect(403);
      await as(viewer).delete(`/api/v1/notebooks/${notebook}`).expect(403);
      await as(viewer).post(`/api/v1/notebooks/${notebook}/access`, { userId: editor.id, level: 'editor' }).expect(403);
    });

    it('an editor adds and deletes sources, but cannot share or delete the notebook', async () => {
      const source = await uploadOne(
        sut.http,
        editor.accessToken,
        notebook,
        'editor.md',
        Buffer.from('# Ed\n\nThe editor adds a note on murres.'),
      );
      await settled(sut.http, editor.accessToken, notebook, source.id);
      await as(editor).delete(`/api/v1/notebooks/${notebook}/sources/${source.id}`).expect(204);
      await as(editor).get(`/api/v1/notebooks/${notebook}/access`).expect(403);
      await as(editor).delete(`/api/v1/notebooks/${notebook}`).expect(403);
    });

    it('a user with the viewer role stays read-only even when granted editor', async () => {
      const limited = await signup(sut.http, 'role-viewer');
      const admin = await createAdminUser(sut);
      await request(sut.http)
        .post(`/api/v1/admin/users/${limited.id}/role`)
        .set(...bearer(admin.accessToken))
        .send({ role: 'viewer' })
        .expect(200);
      await request(sut.http)
        .delete(`/api/v1/admin/users/${limited.id}/role/user`)
        .set(...bearer(admin.accessToken))
        .expect(200);
      await as(owner).post(`/api/v1/notebooks/${notebook}/access`, { userId: limited.id, level: 'editor' }).expect(200);
      await as(limited).get(`/api/v1/notebooks/${notebook}`).expect(200);
      await request(sut.http)
        .post(`/api/v1/notebooks/${notebook}/sources`)
        .set(...bearer(limited.accessToken))
        .attach('files', Buffer.from('a b'), 'l.txt')
        .expect(403);
      await as(limited).post('/api/v1/notebooks', { name: 'own' }).expect(403);
    });

    it('revoking access answers 404 at once, and both changes are audited', async () => {
      const guest = await signup(sut.http, 'guest');
      await as(owner).post(`/api/v1/notebooks/${notebook}/access`, { userId: guest.id, level: 'viewer' }).expect(200);
      await as(guest).get(`/api/v1/notebooks/${notebook}`).expect(200);
      await as(owner).delete(`/api/v1/notebooks/${notebook}/access/${guest.id}`).expect(204);
      await as(guest).get(`/api/v1/notebooks/${notebook}`).expect(404);
      await request(sut.http)
        .post(`/api/v1/notebooks/${notebook}/search`)
        .set(...bearer(guest.accessToken))
        .send({ query: 'auk' })
        .expect(404);
      await as(owner).delete(`/api/v1/notebooks/${notebook}/access/${guest.id}`).expect(404);
      const events = await query<{ action: string; details: { userId: string } }>(
        sut,
        `select action, details from audit_log where target_id = '${notebook}' order by id`,
      );
      expect(events.filter((e) => e.details.userId === guest.id).map((e) => e.action)).toEqual([
        'notebook.access.granted',
        'notebook.access.revoked',
      ]);
    });

    it('refuses grants to unknown users and to the owner', async () => {
      await as(owner)
        .post(`/api/v1/notebooks/${notebook}/access`, { email: 'nobody@example.test', level: 'viewer' })
        .expect(404);
      await as(owner).post(`/api/v1/notebooks/${notebook}/access`, { userId: owner.id, level: 'viewer' }).expect(400);
      await as(owner).post(`/api/v1/notebooks/${notebook}/access`, { userId: viewer.id, level: 'owner' }).expect(400);
    });
  });

  describe('admin', () => {
    it('creates notebooks for any user and manages anyone’s sharing, audited', async () => {
      const admin = await createAdminUser(sut);
      const user = await signup(sut.http, 'managed');
      const other = await signup(sut.http, 'other');
      const created = await request(sut.http)
        .post('/api/v1/admin/notebooks')
        .set(...bearer(admin.accessToken))
        .send({ ownerEmail: user.email, name: 'Provisioned' })
        .expect(201);
      expect(created.body.ownerId).toBe(user.id);
      await as(user)
        .get(`/api/v1/notebooks/${created.body.id as string}`)
        .expect(200);
      await request(sut.http)
        .post(`/api/v1/admin/notebooks/${created.body.id as string}/access`)
        .set(...bearer(admin.accessToken))
        .send({ userId: other.id, level: 'viewer' })
        .expect(200);
      await as(other)
        .get(`/api/v1/notebooks/${created.body.id as string}`)
        .expect(200);
      await request(sut.http)
        .delete(`/api/v1/admin/notebooks/${created.body.id as string}/access/${other.id}`)
        .set(...bearer(admin.accessToken))
        .expect(204);
      await as(other)
        .get(`/api/v1/notebooks/${created.body.id as string}`)
        .expect(404);
      await request(sut.http)
        .post('/api/v1/admin/notebooks')
        .set(...bearer(user.accessToken))
        .send({ ownerId: user.id, name: 'x' })
        .expect(403);
      const audit = await query<{ action: string }>(
        sut,
        `select action from audit_log where target_id = '${created.body.id as string}' order by id`,
      );
      expect(audit.map((a) => a.action)).toEqual([
        'notebook.created-for-user',
        'notebook.access.granted',
        'notebook.access.revoked',
      ]);
    });
  });

  describe('API keys limited to notebooks', () => {
    it('a key limited to notebook X cannot reach notebook Y', async () => {
      const x = await createNotebook(sut.http, owner.accessToken, 'X');
      const y = await createNotebook(sut.http, owner.accessToken, 'Y');
      const key = (
        await as(owner)
          .post('/api/v1/auth/api-keys', { name: 'only-x', scopes: ['read', 'write'], notebookIds: [x] })
          .expect(201)
      ).body.key as string;
      await request(sut.http).get(`/api/v1/notebooks/${x}`).set('X-API-Key', key).expect(200);
      await request(sut.http).get(`/api/v1/notebooks/${y}`).set('X-API-Key', key).expect(404);
      await request(sut.http)
        .post(`/api/v1/notebooks/${y}/search`)
        .set('X-API-Key', key)
        .send({ query: 'q' })
        .expect(404);
      await request(sut.http).get(`/api/v1/notebooks/${y}/sources`).set('X-API-Key', key).expect(404);
      await request(sut.http)
        .post(`/api/v1/notebooks/${y}/sources`)
        .set('X-API-Key', key)
        .attach('files', Buffer.from('k'), 'k.txt')
        .expect(404);
      await request(sut.http)
        .post(`/api/v1/notebooks/${x}/sources`)
        .set('X-API-Key', key)
        .attach('files', Buffer.from('key upload'), 'k.txt')
        .expect(201);
      const list = await request(sut.http).get('/api/v1/notebooks?limit=100').set('X-API-Key', key).expect(200);
      expect((list.body.items as NotebookBody[]).map((n) => n.id)).toEqual([x]);
      const readOnly = (
        await as(owner)
          .post('/api/v1/auth/api-keys', { name: 'ro', scopes: ['read'] })
          .expect(201)
      ).body.key as string;
      await request(sut.http)
        .post(`/api/v1/notebooks/${x}/sources`)
        .set('X-API-Key', readOnly)
        .attach('files', Buffer.from('nope'), 'n.txt')
        .expect(403);
    });
  });
});
