import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';

/** An app under test, or the base URL of one running in another process. */
export type Target = Server | string;
import { UnitOfWork } from '../../src/database/unit-of-work';
import request from 'supertest';
import { AuditService } from '../../src/audit/audit.service';
import { createAdmin } from '../../src/auth/admin-bootstrap';
import { PasswordHasher } from '../../src/auth/password-hasher';
import { UsersService } from '../../src/users/users.service';
import { type TestApp } from './test-app';

export interface TestUser {
  id: string;
  email: string;
  password: string;
  accessToken: string;
  refreshToken: string;
}

export const PASSWORD = 'correct horse battery staple';

let counter = 0;
export const uniqueEmail = (tag = 'user'): string =>
  `${tag}-${Date.now().toString(36)}-${(counter++).toString(36)}-${randomBytes(2).toString('hex')}@example.test`;

/** Signs a new user up through the API (real argon2, real tokens). */
export async function signup(http: Target, tag = 'user', ip?: string): Promise<TestUser> {
  const email = uniqueEmail(tag);
  const req = request(http).post('/api/v1/auth/signup');
  if (ip) req.set('X-Forwarded-For', ip);
  const res = await req.send({ email, password: PASSWORD }).expect(201);
  const body = res.body as { user: { id: string }; tokens: { accessToken: string; refreshToken: string } };
  return {
    id: body.user.id,
    email,
    password: PASSWORD,
    accessToken: body.tokens.accessToken,
    refreshToken: body.tokens.refreshToken,
  };
}

export async function login(
  http: Target,
  email: string,
  password = PASSWORD,
): Promise<{ accessToken: string; refreshToken: string }> {
  const res = await request(http).post('/api/v1/auth/login').send({ email, password }).expect(200);
  return res.body as { accessToken: string; refreshToken: string };
}

/** Creates an administrator the way an operator does (no default credentials), then logs in. */
export async function createAdminUser(app: TestApp): Promise<TestUser> {
  const email = uniqueEmail('admin');
  await createAdmin(
    app.app.get(UnitOfWork),
    app.app.get(UsersService),
    app.app.get(PasswordHasher),
    app.app.get(AuditService),
    email,
    PASSWORD,
    'cli',
  );
  const tokens = await login(app.http, email);
  const me = await request(app.http)
    .get('/api/v1/auth/me')
    .set('Authorization', `Bearer ${tokens.accessToken}`)
    .expect(200);
  return { id: (me.body as { id: string }).id, email, password: PASSWORD, ...tokens };
}

export const bearer = (token: string): [string, string] => ['Authorization', `Bearer ${token}`];
