import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import request from 'supertest';
import { bearer, createAdminUser, login, PASSWORD, signup, uniqueEmail, type TestUser } from '../utils/auth';
import { dumpAllTables, query } from '../utils/db';
import { createTestContext, startTestApp, type TestApp, type TestContext } from '../utils/test-app';

interface UserBody {
  id: string;
  email: string;
  role: string;
  roles: string[];
  status: string;
}

describe('admin API', () => {
  let context: TestContext;
  let sut: TestApp;
  let admin: TestUser;
  let user: TestUser;

  beforeAll(async () => {
    context = await createTestContext();
    sut = await startTestApp(context);
    admin = await createAdminUser(sut);
    user = await signup(sut.http, 'plain');
  });

  afterAll(async () => {
    await sut?.close();
    await context?.destroy();
  });

  const asAdmin = {
    get: (path: string) =>
      request(sut.http)
        .get(`/api/v1/admin/${path}`)
        .set(...bearer(admin.accessToken)),
    post: (path: string, body?: object) =>
      request(sut.http)
        .post(`/api/v1/admin/${path}`)
        .set(...bearer(admin.accessToken))
        .send(body ?? {}),
    delete: (path: string) =>
      request(sut.http)
        .delete(`/api/v1/admin/${path}`)
        .set(...bearer(admin.accessToken)),
  };

  it('is closed to users (403) and to anonymous callers (401)', async () => {
    for (const path of ['users', 'roles', 'audit']) {
      await request(sut.http)
        .get(`/api/v1/admin/${path}`)
        .set(...bearer(user.accessToken))
        .expect(403);
      await request(sut.http).get(`/api/v1/admin/${path}`).expect(401);
    }
    await request(sut.http)
      .post(`/api/v1/admin/users/${user.id}/role`)
      .set(...bearer(user.accessToken))
      .send({ role: 'admin' })
      .expect(403);
  });

  it('lists the roles with their permissions', async () => {
    const res = await asAdmin.get('roles').expect(200);
    const roles = res.body as { name: string; permissions: { action: string; subject: string }[] }[];
    expect(roles.map((r) => r.name)).toEqual(['admin', 'user', 'viewer']);
    expect(roles[0].permissions).toEqual([{ action: 'manage', subject: 'all', conditions: null }]);
    expect(roles[1].permissions).toEqual(
      expect.arrayContaining([{ action: 'create', subject: 'Notebook', conditions: null }]),
    );
  });

  it('lists users with roles and status, searchable by email, page by page', async () => {
    const tag = `page${Date.now().toString(36)}`;
    const created = [await signup(sut.http, tag), await signup(sut.http, tag), await signup(sut.http, tag)];
    const first = await asAdmin.get(`users?email=${tag}&limit=2`).expect(200);
    expect((first.body.items as UserBody[]).map((u) => u.id)).toEqual(created.slice(0, 2).map((u) => u.id));
    expect(first.body.items[0]).toEqual(expect.objectContaining({ role: 'user', roles: ['user'], status: 'active' }));
    const second = await asAdmin
      .get(`users?email=${tag}&limit=2&cursor=${first.body.nextCursor as string}`)
      .expect(200);
    expect((second.body.items as UserBody[]).map((u) => u.id)).toEqual([created[2].id]);
    expect(second.body.nextCursor).toBeNull();
    await asAdmin.get('users?limit=0').expect(400);
    await asAdmin.get('users?cursor=not-a-uuid').expect(400);
  });

  it('adds and removes roles; a user always keeps one role', async () => {
    const target = await signup(sut.http, 'roles');
    const added = await asAdmin.post(`users/${target.id}/role`, { role: 'viewer' }).expect(200);
    expect((added.body as UserBody).roles.sort()).toEqual(['user', 'viewer']);
    await asAdmin.post(`users/${target.id}/role`, { role: 'superuser' }).expect(400);
    await asAdmin.post(`users/${target.id}/role`, { role: 'viewer', userId: admin.id }).expect(400);
    const removed = await asAdmin.delete(`users/${target.id}/role/user`).expect(200);
    expect((removed.body as UserBody).roles).toEqual(['viewer']);
    const last = await asAdmin.delete(`users/${target.id}/role/viewer`).expect(409);
    expect(last.body.message).toMatch(/at least one role/);
    await asAdmin.delete(`users/${target.id}/role/admin`).expect(404);
    await asAdmin.post(`users/0190b3c2-0000-7000-8000-00000000dead/role`, { role: 'viewer' }).expect(404);
  });

  it('a new role takes effect on the next request', async () => {
    const target = await signup(sut.http, 'promote');
    await request(sut.http)
      .get('/api/v1/admin/users')
      .set(...bearer(target.accessToken))
      .expect(403);
    await asAdmin.post(`users/${target.id}/role`, { role: 'admin' }).expect(200);
    await request(sut.http)
      .get('/api/v1/admin/users')
      .set(...bearer(target.accessToken))
      .expect(200);
    await asAdmin.delete(`users/${target.id}/role/admin`).expect(200);
    await request(sut.http)
      .get('/api/v1/admin/users')
      .set(...bearer(target.accessToken))
      .expect(403);
  });

  it('never demotes or deactivates the last active administrator', async () => {
    // Other tests may have created admins; deactivate every admin but ours first.
    const admins = (await asAdmin.get('users?limit=200').expect(200)).body.items as UserBody[];
    for (const other of admins.filter((u) => u.roles.includes('admin') && u.id !== admin.id && u.status === 'active')) {
      await asAdmin.post(`users/${other.id}/deactivate`).expect(200);
    }
    await asAdmin.post(`users/${admin.id}/role`, { role: 'user' }).expect(200);
    expect((await asAdmin.delete(`users/${admin.id}/role/admin`).expect(409)).body.message).toMatch(
      /last active administrator/,
    );
    expect((await asAdmin.post(`users/${admin.id}/deactivate`).expect(409)).body.message).toMatch(
      /last active administrator/,
    );
  });

  it('deactivation kills every session and API key at once; reactivation lets the user log in again', async () => {
    const target = await signup(sut.http, 'deactivate');
    const second = await login(sut.http, target.email);
    const key = (
      await request(sut.http)
        .post('/api/v1/auth/api-keys')
        .set(...bearer(target.accessToken))
        .send({ name: 'k', scopes: ['read'] })
        .expect(201)
    ).body.key as string;

    const res = await asAdmin.post(`users/${target.id}/deactivate`).expect(200);
    expect((res.body as UserBody).status).toBe('deactivated');
    await request(sut.http)
      .get('/api/v1/auth/me')
      .set(...bearer(target.accessToken))
      .expect(401);
    await request(sut.http)
      .get('/api/v1/auth/me')
      .set(...bearer(second.accessToken))
      .expect(401);
    await request(sut.http).get('/api/v1/auth/me').set('X-API-Key', key).expect(401);
    await request(sut.http).post('/api/v1/auth/refresh').send({ refreshToken: second.refreshToken }).expect(401);
    await request(sut.http).post('/api/v1/auth/login').send({ email: target.email, password: PASSWORD }).expect(401);

    await asAdmin.post(`users/${target.id}/reactivate`).expect(200);
    const fresh = await login(sut.http, target.email);
    await request(sut.http)
      .get('/api/v1/auth/me')
      .set(...bearer(fresh.accessToken))
      .expect(200);
    await request(sut.http).get('/api/v1/auth/me').set('X-API-Key', key).expect(401); // keys stay revoked
  });

  describe('audit log', () => {
    it('records security events and admin actions, filterable by action and actor', async () => {
      const target = await signup(sut.http, 'audited');
      await request(sut.http)
        .post('/api/v1/auth/login')
        .send({ email: target.email, password: 'not the password' })
        .expect(401);
      await login(sut.http, target.email);
      await asAdmin.post(`users/${target.id}/role`, { role: 'viewer' }).expect(200);

      const failed = await asAdmin.get(`audit?action=auth.login.failed&limit=500`).expect(200);
      expect(failed.body.items).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            actorId: target.id,
            action: 'auth.login.failed',
            details: expect.objectContaining({ email: target.email, reason: 'wrong-password' }),
          }),
        ]),
      );
      const byAdmin = await asAdmin.get(`audit?actorId=${admin.id}&action=user.role.added`).expect(200);
      expect(byAdmin.body.items[0]).toEqual(
        expect.objectContaining({
          action: 'user.role.added',
          targetId: target.id,
          details: { role: 'viewer' },
          requestId: expect.any(String),
        }),
      );
      const mine = await asAdmin.get(`audit?actorId=${target.id}`).expect(200);
      const actions = (mine.body.items as { action: string }[]).map((e) => e.action);
      expect(actions).toEqual(expect.arrayContaining(['auth.signup', 'auth.login.failed', 'auth.login.succeeded']));
    });

    it('pages newest first and filters by time', async () => {
      const page = await asAdmin.get('audit?limit=2').expect(200);
      expect(page.body.items).toHaveLength(2);
      const next = await asAdmin.get(`audit?limit=2&cursor=${page.body.nextCursor as string}`).expect(200);
      expect(next.body.items[0].id < page.body.items[1].id).toBe(true);
      const future = await asAdmin.get(`audit?from=${new Date(Date.now() + 60_000).toISOString()}`).expect(200);
      expect(future.body.items).toEqual([]);
      await asAdmin.get('audit?from=yesterday').expect(400);
    });

    it('never contains a password or a token', async () => {
      const target = await signup(sut.http, 'nosecrets');
      const dump = await dumpAllTables(sut);
      expect(dump).not.toContain(PASSWORD);
      expect(dump).not.toContain(target.refreshToken);
      expect(dump).not.toContain(target.accessToken);
    });

    it('is append-only: the database refuses to change or delete entries', async () => {
      await expect(query(sut, "update audit_log set action = 'forged'")).rejects.toThrow(/append-only/);
      await expect(query(sut, 'delete from audit_log')).rejects.toThrow(/append-only/);
      await expect(query(sut, 'truncate audit_log')).rejects.toThrow(/append-only/);
    });
  });
});

describe('the first administrator', () => {
  it('comes from ADMIN_EMAIL/ADMIN_PASSWORD, is created once, and is never overwritten', async () => {
    const context = await createTestContext();
    const email = uniqueEmail('boot-admin');
    try {
      const first = await startTestApp(context, { ADMIN_EMAIL: email, ADMIN_PASSWORD: 'first admin password' });
      const tokens = await login(first.http, email, 'first admin password');
      await request(first.http)
        .get('/api/v1/admin/users')
        .set(...bearer(tokens.accessToken))
        .expect(200);
      await first.close();

      const second = await startTestApp(context, { ADMIN_EMAIL: email, ADMIN_PASSWORD: 'a different password' });
      try {
        await request(second.http)
          .post('/api/v1/auth/login')
          .send({ email, password: 'a different password' })
          .expect(401);
        await login(second.http, email, 'first admin password');
      } finally {
        await second.close();
      }
    } finally {
      await context.destroy();
    }
  });

  it('or from `npm run admin:create`, with the password taken from the environment', async () => {
    const context = await createTestContext();
    const email = uniqueEmail('cli-admin');
    try {
      const run = (extra: Record<string, string>) =>
        spawnSync(
          process.execPath,
          ['-r', '@swc-node/register', join(__dirname, '../../src/cli/admin-create.ts'), '--email', email],
          {
            env: { ...process.env, ...context.env, LOG_LEVEL: 'error', ...extra },
            encoding: 'utf8',
            timeout: 120_000,
          },
        );
      const missing = run({ ADMIN_PASSWORD: '' });
      expect(missing.status).toBe(1);
      expect(missing.stderr).toMatch(/set ADMIN_PASSWORD/);
      const ok = run({ ADMIN_PASSWORD: 'cli admin password' });
      expect(ok.stdout).toMatch(`created the administrator ${email}`);
      expect(run({ ADMIN_PASSWORD: 'cli admin password' }).stderr).toMatch(/already exists/);

      const sut = await startTestApp(context);
      try {
        const tokens = await login(sut.http, email, 'cli admin password');
        await request(sut.http)
          .get('/api/v1/admin/users')
          .set(...bearer(tokens.accessToken))
          .expect(200);
      } finally {
        await sut.close();
      }
    } finally {
      await context.destroy();
    }
  });
});
