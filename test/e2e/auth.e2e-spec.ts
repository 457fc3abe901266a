import { createHmac } from 'node:crypto';
import { EntityManager } from '@mikro-orm/postgresql';
import request from 'supertest';
import { User } from '../../src/users/user.entity';
import { bearer, login, PASSWORD, signup, uniqueEmail } from '../utils/auth';
import { createTestContext, redisMode, startTestApp, type TestApp, type TestContext } from '../utils/test-app';

const b64 = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Builds a JWT by hand, to forge every kind of bad token. */
function forge(header: object, payload: object, secret: string, alg: 'sha256' | 'sha512' = 'sha256'): string {
  const unsigned = `${b64(header)}.${b64(payload)}`;
  return `${unsigned}.${createHmac(alg, secret).update(unsigned).digest('base64url')}`;
}

function decode(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [h, p] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(h, 'base64url').toString()) as Record<string, unknown>,
    payload: JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>,
  };
}

describe('identity: accounts and sessions', () => {
  let context: TestContext;
  let sut: TestApp;

  beforeAll(async () => {
    context = await createTestContext();
    sut = await startTestApp(context);
  });

  afterAll(async () => {
    await sut?.close();
    await context?.destroy();
  });

  const me = (token: string) =>
    request(sut.http)
      .get('/api/v1/auth/me')
      .set(...bearer(token));

  describe('signup', () => {
    it('creates a user with a normalised email and returns it with a token pair', async () => {
      const email = uniqueEmail('Ada');
      const res = await request(sut.http)
        .post('/api/v1/auth/signup')
        .send({ email: `  ${email.toUpperCase()} `, password: PASSWORD, name: 'Ada' })
        .expect(201);
      expect(res.body.user).toEqual(
        expect.objectContaining({ email: email.toLowerCase(), name: 'Ada', role: 'user', status: 'active' }),
      );
      expect(res.body.tokens).toEqual(
        expect.objectContaining({
          tokenType: 'Bearer',
          expiresIn: 900,
          accessToken: expect.any(String),
          refreshToken: expect.stringMatching(/^frt_/),
        }),
      );
      expect(JSON.stringify(res.body)).not.toMatch(/passwordHash|argon2/);
    });

    it('refuses a duplicate email (any case) with 409', async () => {
      const user = await signup(sut.http);
      const res = await request(sut.http)
        .post('/api/v1/auth/signup')
        .send({ email: user.email.toUpperCase(), password: PASSWORD })
        .expect(409);
      expect(res.body.message).toMatch(/already exists/);
    });

    it.each([
      ['a short password', { password: 'short' }],
      ['a 129-character password', { password: 'x'.repeat(129) }],
      ['an invalid email', { email: 'not-an-email' }],
    ])('refuses %s with 400', async (_label, override) => {
      await request(sut.http)
        .post('/api/v1/auth/signup')
        .send({ email: uniqueEmail(), password: PASSWORD, ...override })
        .expect(400);
    });

    it('rejects mass assignment (role, isAdmin, id) with 400 and creates nothing', async () => {
      const email = uniqueEmail('sneaky');
      const res = await request(sut.http)
        .post('/api/v1/auth/signup')
        .send({ email, password: PASSWORD, role: 'admin', isAdmin: true, id: '0190b3c2-0000-7000-8000-000000000001' })
        .expect(400);
      expect((res.body.details as { field: string }[]).map((d) => d.field).sort()).toEqual(['id', 'isAdmin', 'role']);
      await request(sut.http).post('/api/v1/auth/login').send({ email, password: PASSWORD }).expect(401);
    });
  });

  describe('GET /auth/me', () => {
    it('describes the caller and never a secret', async () => {
      const user = await signup(sut.http);
      const res = await me(user.accessToken).expect(200);
      expect(res.body).toEqual({
        id: user.id,
        email: user.email,
        name: null,
        role: 'user',
        roles: ['user'],
        status: 'active',
        createdAt: expect.any(String),
        plan: { name: 'default', quotas: null },
      });
    });

    it('answers 401 in the error shape without credentials', async () => {
      const res = await request(sut.http).get('/api/v1/auth/me').expect(401);
      expect(res.body).toEqual(expect.objectContaining({ statusCode: 401, error: 'Unauthorized' }));
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    });
  });

  describe('login', () => {
    it('returns a token pair for the right password', async () => {
      const user = await signup(sut.http);
      const tokens = await login(sut.http, user.email);
      await me(tokens.accessToken).expect(200);
    });

    it('answers an unknown email and a wrong password with the same 401 body', async () => {
      const user = await signup(sut.http);
      const wrong = await request(sut.http)
        .post('/api/v1/auth/login')
        .send({ email: user.email, password: 'wrong password!' })
        .expect(401);
      const unknown = await request(sut.http)
        .post('/api/v1/auth/login')
        .send({ email: uniqueEmail('nobody'), password: PASSWORD })
        .expect(401);
      const strip = (body: Record<string, unknown>) => ({ ...body, requestId: undefined });
      expect(strip(wrong.body)).toEqual(strip(unknown.body));
    });

    it('rehashes the password on login when the hashing parameters changed', async () => {
      const user = await signup(sut.http);
      const stronger = await startTestApp(context, { PASSWORD_HASH_ITERATIONS: '3' });
      try {
        await login(stronger.http, user.email);
        const em = stronger.app.get(EntityManager).fork();
        const row = await em.findOneOrFail(User, user.id, { populate: ['passwordHash'] });
        expect(row.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=3\$/);
        await login(stronger.http, user.email);
      } finally {
        await stronger.close();
      }
    });
  });

  describe('access tokens', () => {
    it('are HS256 JWTs with iss, aud, sub, sid, exp and an access-token type', async () => {
      const user = await signup(sut.http);
      const { header, payload } = decode(user.accessToken);
      expect(header).toEqual({ alg: 'HS256', typ: 'at+jwt' });
      expect(payload).toEqual(
        expect.objectContaining({
          iss: 'folio',
          aud: 'folio-api',
          sub: user.id,
          typ: 'access',
          sid: expect.any(String),
        }),
      );
      expect((payload.exp as number) - (payload.iat as number)).toBe(900);
    });

    it('refuses every forged or misused token with 401', async () => {
      const user = await signup(sut.http);
      const { header, payload } = decode(user.accessToken);
      const secret = sut.config.auth.jwtSecret!;
      const now = Math.floor(Date.now() / 1000);
      const keyRes = await request(sut.http)
        .post('/api/v1/auth/api-keys')
        .set(...bearer(user.accessToken))
        .send({ name: 'k', scopes: ['read'] })
        .expect(201);
      const cases: [string, string][] = [
        ['alg none', `${b64({ alg: 'none', typ: 'at+jwt' })}.${b64(payload)}.`],
        ['wrong algorithm (HS512)', forge({ ...header, alg: 'HS512' }, payload, secret, 'sha512')],
        ['bad signature', forge(header, payload, 'not-the-secret-not-the-secret-not-the-secret')],
        ['expired', forge(header, { ...payload, iat: now - 3600, exp: now - 60 }, secret)],
        ['no exp (would never expire)', forge(header, { ...payload, exp: undefined }, secret)],
        ['no iat', forge(header, { ...payload, iat: undefined }, secret)],
        ['exp not a number', forge(header, { ...payload, exp: String(now + 600) }, secret)],
        ['wrong audience', forge(header, { ...payload, aud: 'someone-else' }, secret)],
        ['wrong issuer', forge(header, { ...payload, iss: 'evil' }, secret)],
        ['wrong header type', forge({ ...header, typ: 'JWT' }, payload, secret)],
        ['wrong claim type', forge(header, { ...payload, typ: 'refresh' }, secret)],
        ['unknown session', forge(header, { ...payload, sid: '0190b3c2-0000-7000-8000-000000000999' }, secret)],
        ['a refresh token as bearer', user.refreshToken],
        ['a truncated token', user.accessToken.slice(0, -3)],
        ['an unknown API key', 'fol_' + 'A'.repeat(43)],
      ];
      for (const [label, token] of cases) {
        const res = await me(token);
        expect([label, res.status]).toEqual([label, 401]);
      }
      // The genuine token and a genuine key still work.
      await me(user.accessToken).expect(200);
      await me(keyRes.body.key as string).expect(200);
    });
  });

  describe('refresh', () => {
    it('rotates: the old refresh token dies, the new pair works', async () => {
      const user = await signup(sut.http);
      const res = await request(sut.http)
        .post('/api/v1/auth/refresh')
        .send({ refreshToken: user.refreshToken })
        .expect(200);
      expect(res.body.refreshToken).not.toBe(user.refreshToken);
      await me(res.body.accessToken as string).expect(200);
      await request(sut.http)
        .post('/api/v1/auth/refresh')
        .send({ refreshToken: res.body.refreshToken as string })
        .expect(200);
    });

    it('revokes the whole session when a rotated token is presented again (reuse detection)', async () => {
      const user = await signup(sut.http);
      const rotated = await request(sut.http)
        .post('/api/v1/auth/refresh')
        .send({ refreshToken: user.refreshToken })
        .expect(200);
      // The attacker replays the stolen, already-used token.
      await request(sut.http).post('/api/v1/auth/refresh').send({ refreshToken: user.refreshToken }).expect(401);
      // Everything of that session is dead: the newest refresh token and the access tokens.
      await request(sut.http)
        .post('/api/v1/auth/refresh')
        .send({ refreshToken: rotated.body.refreshToken as string })
        .expect(401);
      await me(rotated.body.accessToken as string).expect(401);
      await me(user.accessToken).expect(401);
      // Other sessions of the user are untouched.
      await me((await login(sut.http, user.email)).accessToken).expect(200);
    });

    it('lets at most one of two parallel refreshes with the same token succeed', async () => {
      for (let round = 0; round < 5; round++) {
        const user = await signup(sut.http);
        const results = await Promise.all(
          [0, 1].map(() => request(sut.http).post('/api/v1/auth/refresh').send({ refreshToken: user.refreshToken })),
        );
        expect(results.filter((r) => r.status === 200).length).toBeLessThanOrEqual(1);
        expect(results.every((r) => r.status === 200 || r.status === 401)).toBe(true);
      }
    });

    it('refuses an access token or an API key presented as a refresh token', async () => {
      const user = await signup(sut.http);
      const key = await request(sut.http)
        .post('/api/v1/auth/api-keys')
        .set(...bearer(user.accessToken))
        .send({ name: 'k', scopes: ['read'] })
        .expect(201);
      await request(sut.http).post('/api/v1/auth/refresh').send({ refreshToken: user.accessToken }).expect(401);
      await request(sut.http)
        .post('/api/v1/auth/refresh')
        .send({ refreshToken: key.body.key as string })
        .expect(401);
      await request(sut.http)
        .post('/api/v1/auth/refresh')
        .send({ refreshToken: 'frt_' + 'x'.repeat(43) })
        .expect(401);
    });
  });

  describe('ending sessions', () => {
    it('logout ends this session at once: access and refresh tokens', async () => {
      const user = await signup(sut.http);
      const other = await login(sut.http, user.email);
      await request(sut.http)
        .post('/api/v1/auth/logout')
        .set(...bearer(user.accessToken))
        .expect(204);
      await me(user.accessToken).expect(401);
      await request(sut.http).post('/api/v1/auth/refresh').send({ refreshToken: user.refreshToken }).expect(401);
      await me(other.accessToken).expect(200);
    });

    it('logout-all ends every session of the user', async () => {
      const user = await signup(sut.http);
      const other = await login(sut.http, user.email);
      await request(sut.http)
        .post('/api/v1/auth/logout-all')
        .set(...bearer(user.accessToken))
        .expect(204);
      await me(user.accessToken).expect(401);
      await me(other.accessToken).expect(401);
      await request(sut.http).post('/api/v1/auth/refresh').send({ refreshToken: other.refreshToken }).expect(401);
    });

    it('change-password ends every other session and keeps this one', async () => {
      const user = await signup(sut.http);
      const other = await login(sut.http, user.email);
      await request(sut.http)
        .post('/api/v1/auth/change-password')
        .set(...bearer(user.accessToken))
        .send({ currentPassword: 'not my password', newPassword: 'a brand new passphrase' })
        .expect(403);
      await request(sut.http)
        .post('/api/v1/auth/change-password')
        .set(...bearer(user.accessToken))
        .send({ currentPassword: PASSWORD, newPassword: 'a brand new passphrase' })
        .expect(204);
      await me(user.accessToken).expect(200);
      await me(other.accessToken).expect(401);
      await request(sut.http).post('/api/v1/auth/login').send({ email: user.email, password: PASSWORD }).expect(401);
      await login(sut.http, user.email, 'a brand new passphrase');
    });
  });
});

describe('identity: configuration', () => {
  it('refuses signup when SIGNUP_ENABLED=false', async () => {
    const context = await createTestContext();
    const sut = await startTestApp(context, { SIGNUP_ENABLED: 'false' });
    try {
      const res = await request(sut.http)
        .post('/api/v1/auth/signup')
        .send({ email: uniqueEmail(), password: PASSWORD })
        .expect(403);
      expect(res.body.message).toMatch(/disabled/);
    } finally {
      await sut.close();
      await context.destroy();
    }
  });
});

describe('identity: brute-force protection', () => {
  let context: TestContext;
  const apps: TestApp[] = [];

  beforeEach(async () => {
    context = await createTestContext();
  });

  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
    await context.destroy();
  });

  const limited = { AUTH_RATE_LIMIT_MAX: '10', AUTH_RATE_LIMIT_TTL_SECONDS: '60', TRUST_PROXY: 'loopback' };

  it('the 11th login for one account in a minute answers 429, from whatever address', async () => {
    const sut = await startTestApp(context, limited);
    apps.push(sut);
    const user = await signup(sut.http, 'target', '198.51.100.1');
    for (let i = 0; i < 10; i++) {
      await request(sut.http)
        .post('/api/v1/auth/login')
        .set('X-Forwarded-For', `203.0.113.${i}`)
        .send({ email: user.email, password: 'guess ' + i })
        .expect(401);
    }
    const res = await request(sut.http)
      .post('/api/v1/auth/login')
      .set('X-Forwarded-For', '203.0.113.200')
      .send({ email: user.email, password: PASSWORD })
      .expect(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(res.body).toEqual(expect.objectContaining({ statusCode: 429, error: 'Too Many Requests' }));
  });

  it('the 11th login from one address in a minute answers 429, whatever the account', async () => {
    const sut = await startTestApp(context, limited);
    apps.push(sut);
    for (let i = 0; i < 10; i++) {
      await request(sut.http)
        .post('/api/v1/auth/login')
        .set('X-Forwarded-For', '192.0.2.7')
        .send({ email: uniqueEmail(), password: PASSWORD })
        .expect(401);
    }
    await request(sut.http)
      .post('/api/v1/auth/login')
      .set('X-Forwarded-For', '192.0.2.7')
      .send({ email: uniqueEmail(), password: PASSWORD })
      .expect(429);
    await request(sut.http)
      .post('/api/v1/auth/login')
      .set('X-Forwarded-For', '192.0.2.8')
      .send({ email: uniqueEmail(), password: PASSWORD })
      .expect(401);
  });

  (redisMode ? it : it.skip)('two instances on one Redis share the counter', async () => {
    const a = await startTestApp(context, limited);
    const b = await startTestApp(context, limited);
    apps.push(a, b);
    const email = uniqueEmail('shared');
    for (let i = 0; i < 10; i++) {
      const http = i % 2 === 0 ? a.http : b.http;
      await request(http)
        .post('/api/v1/auth/login')
        .set('X-Forwarded-For', `203.0.113.${i}`)
        .send({ email, password: PASSWORD })
        .expect(401);
    }
    await request(a.http)
      .post('/api/v1/auth/login')
      .set('X-Forwarded-For', '203.0.113.99')
      .send({ email, password: PASSWORD })
      .expect(429);
    await request(b.http)
      .post('/api/v1/auth/login')
      .set('X-Forwarded-For', '203.0.113.98')
      .send({ email, password: PASSWORD })
      .expect(429);
  });
});
