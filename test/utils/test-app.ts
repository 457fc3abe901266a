import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ModuleMetadata } from '@nestjs/common';
import { type NestExpressApplication } from '@nestjs/platform-express';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { createApp } from '../../src/app.factory';
import { type AppConfig, loadConfig } from '../../src/config/app-config';
import { withLocalSecrets } from '../../src/config/local-secrets';
import { withDatabase } from '../setup/template';

export const serverMode = Boolean(process.env.TEST_DATABASE_URL);
export const redisMode = Boolean(process.env.TEST_REDIS_URL);

/**
 * The isolated data of one test file: its own database (a copy of the migrated template) and,
 * with Redis, its own key prefix. Several apps may share one context to act as instances.
 */
export interface TestContext {
  env: Record<string, string>;
  /** Set only in server mode. */
  databaseUrl?: string;
  destroy(): Promise<void>;
}

export async function createTestContext(): Promise<TestContext> {
  const id = randomBytes(4).toString('hex');
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    LOG_REQUESTS: 'false',
    JOB_SCHEDULE: 'false',
    JOB_BACKOFF_MS: '20',
    SHUTDOWN_TIMEOUT_MS: '2000',
    PORT: '0',
    // Tests sign up and log in many users from one address; the brute-force tests lower this.
    AUTH_RATE_LIMIT_MAX: '100000',
  };
  const cleanups: (() => Promise<void>)[] = [];
  const template = process.env.FOLIO_TEST_TEMPLATE!;
  let databaseUrl: string | undefined;

  if (serverMode) {
    const adminUrl = process.env.TEST_DATABASE_URL!;
    const name = `folio_t_${process.env.FOLIO_TEST_RUN}_${id}`;
    await adminQuery(adminUrl, `create database "${name}" template "${template}"`);
    databaseUrl = withDatabase(adminUrl, name);
    env.DATABASE_URL = databaseUrl;
    // Server mode requires shared secrets; zero-setup mode generates its own into DATA_DIR.
    env.JWT_SECRET = randomBytes(32).toString('base64url');
    env.VAULT_KEYS = `t1:${randomBytes(32).toString('base64')}`;
    cleanups.push(() => adminQuery(adminUrl, `drop database if exists "${name}" with (force)`));
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'folio-test-'));
    cpSync(template, dir, { recursive: true });
    env.DATA_DIR = dir;
    cleanups.push(() => Promise.resolve(rmSync(dir, { recursive: true, force: true })));
  }

  if (redisMode) {
    const prefix = `ft${id}`;
    env.REDIS_URL = process.env.TEST_REDIS_URL!;
    env.REDIS_KEY_PREFIX = prefix;
    cleanups.push(() => deleteRedisKeys(process.env.TEST_REDIS_URL!, `${prefix}:*`));
  }

  return {
    env,
    databaseUrl,
    destroy: async () => {
      for (const cleanup of cleanups.reverse()) await cleanup();
    },
  };
}

export interface TestApp {
  app: NestExpressApplication;
  http: Server;
  config: AppConfig;
  close(): Promise<void>;
}

/** Starts the real application (not listening; supertest drives `http`). */
export async function startTestApp(
  context: TestContext,
  overrides: Record<string, string> = {},
  extraModules: NonNullable<ModuleMetadata['imports']> = [],
): Promise<TestApp> {
  // The effective configuration, with zero-setup mode's generated secrets filled in.
  const config = withLocalSecrets(loadConfig({ ...context.env, ...overrides }));
  const app = await createApp(config, { extraModules });
  let closed = false;
  return {
    app,
    http: app.getHttpServer(),
    config,
    close: async () => {
      if (closed) return;
      closed = true;
      await app.close();
    },
  };
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function deleteRedisKeys(url: string, pattern: string): Promise<void> {
  const redis = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** Polls until `check` returns a value (not undefined) or the timeout passes. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`condition not met within ${timeoutMs} ms${last instanceof Error ? `: ${last.message}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
