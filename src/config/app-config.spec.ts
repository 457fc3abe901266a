import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, describeMode, loadConfig } from './app-config';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe(loadConfig.name, () => {
  it('applies the documented defaults to an empty environment', () => {
    const sut = loadConfig({});
    expect(sut.http.port).toBe(3000);
    expect(sut.http.host).toBe('0.0.0.0');
    expect(sut.database.url).toBeUndefined();
    expect(sut.redis.url).toBeUndefined();
    expect(sut.dataDir).toMatch(/\/data$/);
    expect(sut.http.bodyLimit).toBe('1mb');
    expect(sut.http.corsOrigins).toEqual([]);
    expect(sut.http.trustProxy).toBe(false);
    expect(sut.jobs).toEqual(expect.objectContaining({ concurrency: 2, attempts: 3 }));
  });

  it('types values: numbers, booleans, lists', () => {
    const sut = loadConfig({
      PORT: '8080',
      LOG_REQUESTS: 'false',
      CORS_ORIGINS: 'https://a.example, https://b.example:8443',
      TRUST_PROXY: '1',
      DATABASE_URL: 'postgresql://folio:pw@db:5432/folio',
      REDIS_URL: 'redis://redis:6379',
      JWT_SECRET: 'x'.repeat(40),
      VAULT_KEYS: `k2:${Buffer.alloc(32, 2).toString('base64')},k1:${Buffer.alloc(32, 1).toString('base64')}`,
    });
    expect(sut.vaultKeys.map((k) => k.id)).toEqual(['k2', 'k1']);
    expect(sut.http.port).toBe(8080);
    expect(sut.log.requests).toBe(false);
    expect(sut.http.corsOrigins).toEqual(['https://a.example', 'https://b.example:8443']);
    expect(sut.http.trustProxy).toBe(1);
    expect(sut.database.url).toBe('postgresql://folio:pw@db:5432/folio');
    expect(describeMode(sut)).not.toMatch(/single-instance/);
  });

  it('ignores variables it does not know', () => {
    expect(() => loadConfig({ PATH: '/usr/bin', SOMETHING_ELSE: 'x' })).not.toThrow();
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://localhost/folio'],
    ['REDIS_URL', 'http://localhost:6379'],
    ['LOG_LEVEL', 'loud'],
    ['BODY_LIMIT', 'a lot'],
    ['CORS_ORIGINS', '*'],
    ['DATABASE_POOL_SIZE', '1'],
    ['JOB_CONCURRENCY', '0'],
    ['METRICS_TOKEN', 'short'],
    ['NODE_ENV', 'staging'],
  ])('refuses %s=%s, naming the variable', (name, value) => {
    const problems = problemsOf({ [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${name}\\b`));
  });

  it('requires shared secrets in server mode, where instances must agree on them', () => {
    const problems = problemsOf({ DATABASE_URL: 'postgresql://db/folio' });
    expect(problems).toEqual([
      expect.stringMatching(/^JWT_SECRET is required/),
      expect.stringMatching(/^VAULT_KEYS is required/),
    ]);
  });

  it('refuses vault keys that are not 32 bytes, and duplicate key ids', () => {
    const short = Buffer.alloc(31).toString('base64');
    const ok = Buffer.alloc(32).toString('base64');
    expect(problemsOf({ VAULT_KEYS: `k1:${short}` })[0]).toMatch(/VAULT_KEYS: key "k1" must decode to 32 bytes/);
    expect(problemsOf({ VAULT_KEYS: `k1:${ok},k1:${ok}` })[0]).toMatch(/appears twice/);
  });

  it('refuses TRUST_PROXY=true, which would let any client forge its IP', () => {
    expect(problemsOf({ TRUST_PROXY: 'true' })[0]).toMatch(/TRUST_PROXY.*forge/);
  });

  it('reports every bad variable at once', () => {
    expect(problemsOf({ PORT: 'x', LOG_LEVEL: 'y', REDIS_URL: 'z' })).toHaveLength(3);
  });

  it('refuses placeholder secrets from .env.example in production only', () => {
    const env = { METRICS_TOKEN: 'change-me-to-a-long-random-token' };
    expect(() => loadConfig(env)).not.toThrow();
    expect(problemsOf({ ...env, NODE_ENV: 'production' })[0]).toMatch(/^METRICS_TOKEN .*placeholder/);
  });

  it("refuses in production the placeholder .env.example holds for Docker's Postgres password", () => {
    const example = Object.fromEntries(
      readFileSync(join(__dirname, '../../.env.example'), 'utf8')
        .split('\n')
        .filter((line) => /^[A-Z][A-Z0-9_]*=/.test(line))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    // As docker/docker-compose.yml builds it.
    const env = {
      DATABASE_URL: `postgresql://folio:${example.POSTGRES_PASSWORD}@postgres:5432/folio`,
      JWT_SECRET: 'a-real-secret-a-real-secret-a-real-secret',
      VAULT_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}`,
    };
    expect(() => loadConfig(env)).not.toThrow();
    expect(problemsOf({ ...env, NODE_ENV: 'production' })).toEqual([
      expect.stringMatching(/^DATABASE_URL .*placeholder/),
    ]);
  });

  it('describes zero-setup mode as single-instance only', () => {
    expect(describeMode(loadConfig({}))).toMatch(/embedded Postgres.*in-process.*single-instance only/);
  });
});
