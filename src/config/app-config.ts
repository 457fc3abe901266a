import { resolve } from 'node:path';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { EnvSchema } from './env.schema';

export type LogLevel = EnvSchema['LOG_LEVEL'];

export interface AppConfig {
  readonly env: EnvSchema['NODE_ENV'];
  readonly http: {
    readonly host: string;
    readonly port: number;
    readonly bodyLimit: string;
    readonly corsOrigins: readonly string[];
    readonly trustProxy: false | number | string[];
    readonly shutdownTimeoutMs: number;
    readonly shutdownDrainMs: number;
  };
  readonly database: {
    /** Undefined means the embedded Postgres (PGlite) under `dataDir`. */
    readonly url?: string;
    readonly poolSize: number;
    readonly migrateOnStart: boolean;
  };
  readonly dataDir: string;
  readonly redis: {
    /** Undefined means no Redis: in-process jobs and in-memory rate-limit counters. */
    readonly url?: string;
    readonly keyPrefix: string;
  };
  readonly llm: {
    readonly openaiApiKey?: string;
    readonly openaiBaseUrl?: string;
  };
  readonly log: { readonly level: LogLevel; readonly requests: boolean };
  readonly metrics: { readonly token?: string };
  readonly health: { readonly heapLimitBytes: number };
  readonly rateLimit: { readonly ttlMs: number; readonly max: number };
  readonly jobs: {
    readonly concurrency: number;
    readonly attempts: number;
    readonly backoffMs: number;
    readonly retentionDays: number;
    readonly schedule: boolean;
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Variables holding secrets: in production a placeholder copied from `.env.example` is refused. */
const SECRET_VARIABLES = ['METRICS_TOKEN'] as const satisfies readonly (keyof EnvSchema)[];
const PLACEHOLDER = /^change-?me/i;

function flatten(errors: ValidationError[]): string[] {
  return errors.flatMap((e) => [
    ...Object.values(e.constraints ?? {}).map((msg) => (msg.startsWith(e.property) ? msg : `${e.property}: ${msg}`)),
    ...flatten(e.children ?? []),
  ]);
}

function parseTrustProxy(raw: string): false | number | string[] {
  const value = raw.trim().toLowerCase();
  if (value === '' || value === 'false') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Reads, validates and types the environment once. Throws {@link ConfigError} naming each bad variable. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): AppConfig {
  // `whitelist` drops every variable the schema does not declare (PATH, HOME, ...).
  const env = plainToInstance(EnvSchema, { ...source }, { exposeDefaultValues: true });
  const problems = flatten(validateSync(env, { whitelist: true, forbidUnknownValues: true, stopAtFirstError: true }));

  if (env.NODE_ENV === 'production') {
    for (const name of SECRET_VARIABLES) {
      const value = env[name];
      if (typeof value === 'string' && PLACEHOLDER.test(value)) {
        problems.push(`${name} still holds the placeholder from .env.example; set a real secret in production`);
      }
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    env: env.NODE_ENV,
    http: {
      host: env.HOST,
      port: env.PORT,
      bodyLimit: env.BODY_LIMIT.toLowerCase(),
      corsOrigins: env.CORS_ORIGINS.split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      trustProxy: parseTrustProxy(env.TRUST_PROXY),
      shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
      shutdownDrainMs: env.SHUTDOWN_DRAIN_MS,
    },
    database: { url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE, migrateOnStart: env.MIGRATE_ON_START },
    dataDir: resolve(env.DATA_DIR),
    redis: { url: env.REDIS_URL, keyPrefix: env.REDIS_KEY_PREFIX },
    llm: { openaiApiKey: env.OPENAI_API_KEY, openaiBaseUrl: env.OPENAI_BASE_URL },
    log: { level: env.LOG_LEVEL, requests: env.LOG_REQUESTS },
    metrics: { token: env.METRICS_TOKEN },
    health: { heapLimitBytes: env.HEALTH_HEAP_LIMIT_MB * 1024 * 1024 },
    rateLimit: { ttlMs: env.RATE_LIMIT_TTL_SECONDS * 1000, max: env.RATE_LIMIT_MAX },
    jobs: {
      concurrency: env.JOB_CONCURRENCY,
      attempts: env.JOB_ATTEMPTS,
      backoffMs: env.JOB_BACKOFF_MS,
      retentionDays: env.JOB_RETENTION_DAYS,
      schedule: env.JOB_SCHEDULE,
    },
  };
}

/** A short description of the runtime mode, for the startup log. */
export function describeMode(config: AppConfig): string {
  const db = config.database.url ? 'PostgreSQL server' : `embedded Postgres (PGlite) in ${config.dataDir}`;
  const jobs = config.redis.url ? 'Bull queues on Redis' : 'in-process job runner';
  const single = !config.database.url || !config.redis.url;
  return `database: ${db}; jobs: ${jobs}${single ? ' — single-instance only (set DATABASE_URL and REDIS_URL to run several instances)' : ''}`;
}
