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
    readonly bodyMaxDepth: number;
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
  readonly auth: {
    /** Undefined until {@link withLocalSecrets} fills it in zero-setup mode. */
    readonly jwtSecret?: string;
    readonly jwtIssuer: string;
    readonly jwtAudience: string;
    readonly accessTokenTtlSeconds: number;
    readonly refreshTokenTtlDays: number;
    readonly signupEnabled: boolean;
    readonly adminEmail?: string;
    readonly adminPassword?: string;
    readonly passwordHash: { readonly memoryKib: number; readonly iterations: number; readonly parallelism: number };
    readonly rateLimit: { readonly max: number; readonly ttlMs: number };
  };
  /** Vault master keys, newest (encrypting) first. Empty until {@link withLocalSecrets} in zero-setup mode. */
  readonly vaultKeys: readonly VaultKey[];
  readonly uploads: { readonly maxFileBytes: number; readonly maxFiles: number };
  readonly storage: { readonly driver: 'postgres' | 'local' };
  readonly chunking: { readonly targetTokens: number; readonly overlapTokens: number };
  /** Worker threads for parsing, chunking and local embedding; 0 runs them on the event loop. */
  readonly ingestion: { readonly workers: number };
  readonly embeddings: {
    readonly provider: 'local' | 'openai';
    readonly model: string;
    readonly dimensions: number;
    readonly batchSize: number;
  };
  readonly openai: { readonly timeoutMs: number; readonly maxRetries: number };
  readonly chat: {
    readonly provider: 'local' | 'openai';
    readonly model: string;
    readonly temperature: number;
    readonly maxTokens: number;
    readonly timeoutMs: number;
    readonly historyTokens: number;
    readonly condenseQuestion: boolean;
  };
  readonly retrieval: {
    readonly k: number;
    readonly candidates: number;
    readonly rrfK: number;
    readonly vectorWeight: number;
    readonly textWeight: number;
    readonly summaryWeight: number;
    readonly exactMaxChunks: number;
  };
  readonly summaries: { readonly enabled: boolean; readonly clusterSize: number; readonly notebookDebounceMs: number };
  readonly notebooks: { readonly retentionDays: number };
  readonly jobs: {
    readonly concurrency: number;
    /** Per-queue overrides of `concurrency`. */
    readonly queueConcurrency: Readonly<Record<string, number>>;
    /** Fair queues: at most this many jobs of one owner dispatched at once (cluster-wide). */
    readonly ownerConcurrency: Readonly<Record<string, number>>;
    readonly attempts: number;
    readonly backoffMs: number;
    readonly retentionDays: number;
    readonly schedule: boolean;
    readonly worker: boolean;
    readonly lockMs: number;
    /** Minimum time between two database writes of a running job's progress. */
    readonly progressIntervalMs: number;
  };
}

export interface VaultKey {
  readonly id: string;
  readonly key: Buffer;
}

/** SHUTDOWN_DRAIN_MS when unset in production (see the variable). */
export const PRODUCTION_DRAIN_MS = 15_000;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Variables holding secrets: in production a placeholder copied from `.env.example` is refused. */
const SECRET_VARIABLES = [
  'METRICS_TOKEN',
  'JWT_SECRET',
  'ADMIN_PASSWORD',
  'VAULT_KEYS',
] as const satisfies readonly (keyof EnvSchema)[];
const PLACEHOLDER = /^change-?me/i;

function databasePassword(url: string): string {
  try {
    return decodeURIComponent(new URL(url).password);
  } catch {
    return '';
  }
}

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
    if (env.DATABASE_URL && PLACEHOLDER.test(databasePassword(env.DATABASE_URL))) {
      problems.push(
        'DATABASE_URL has the placeholder password from .env.example (POSTGRES_PASSWORD); set a real one in production',
      );
    }
  }
  const vaultKeys = env.VAULT_KEYS ? parseVaultKeys(env.VAULT_KEYS, problems) : [];
  if (env.DATABASE_URL && !problems.some((p) => p.startsWith('DATABASE_URL'))) {
    // Instances of a server-mode deployment must share these; a per-process default would not.
    if (!env.JWT_SECRET)
      problems.push('JWT_SECRET is required when DATABASE_URL is set (every instance must share it)');
    if (!env.VAULT_KEYS)
      problems.push('VAULT_KEYS is required when DATABASE_URL is set (every instance must share it)');
  }
  if (env.ADMIN_EMAIL && !env.ADMIN_PASSWORD) problems.push('ADMIN_PASSWORD is required when ADMIN_EMAIL is set');
  if (env.EMBEDDING_PROVIDER === 'openai' && !env.OPENAI_API_KEY) {
    problems.push('EMBEDDING_PROVIDER=openai needs OPENAI_API_KEY');
  }
  if (env.LLM_PROVIDER === 'openai' && !env.OPENAI_API_KEY) {
    problems.push('LLM_PROVIDER=openai needs OPENAI_API_KEY');
  }
  if (env.CHUNK_OVERLAP_TOKENS >= env.CHUNK_TARGET_TOKENS) {
    problems.push('CHUNK_OVERLAP_TOKENS must be smaller than CHUNK_TARGET_TOKENS');
  }
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    env: env.NODE_ENV,
    http: {
      host: env.HOST,
      port: env.PORT,
      bodyLimit: env.BODY_LIMIT.toLowerCase(),
      bodyMaxDepth: env.BODY_MAX_DEPTH,
      corsOrigins: env.CORS_ORIGINS.split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      trustProxy: parseTrustProxy(env.TRUST_PROXY),
      shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
      shutdownDrainMs: env.SHUTDOWN_DRAIN_MS ?? (env.NODE_ENV === 'production' ? PRODUCTION_DRAIN_MS : 0),
    },
    database: { url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE, migrateOnStart: env.MIGRATE_ON_START },
    dataDir: resolve(env.DATA_DIR),
    redis: { url: env.REDIS_URL, keyPrefix: env.REDIS_KEY_PREFIX },
    llm: { openaiApiKey: env.OPENAI_API_KEY, openaiBaseUrl: env.OPENAI_BASE_URL },
    log: { level: env.LOG_LEVEL, requests: env.LOG_REQUESTS },
    metrics: { token: env.METRICS_TOKEN },
    health: { heapLimitBytes: env.HEALTH_HEAP_LIMIT_MB * 1024 * 1024 },
    rateLimit: { ttlMs: env.RATE_LIMIT_TTL_SECONDS * 1000, max: env.RATE_LIMIT_MAX },
    auth: {
      jwtSecret: env.JWT_SECRET,
      jwtIssuer: env.JWT_ISSUER,
      jwtAudience: env.JWT_AUDIENCE,
      accessTokenTtlSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
      refreshTokenTtlDays: env.REFRESH_TOKEN_TTL_DAYS,
      signupEnabled: env.SIGNUP_ENABLED,
      adminEmail: env.ADMIN_EMAIL?.trim().toLowerCase(),
      adminPassword: env.ADMIN_PASSWORD,
      passwordHash: {
        memoryKib: env.PASSWORD_HASH_MEMORY_KIB,
        iterations: env.PASSWORD_HASH_ITERATIONS,
        parallelism: env.PASSWORD_HASH_PARALLELISM,
      },
      rateLimit: { max: env.AUTH_RATE_LIMIT_MAX, ttlMs: env.AUTH_RATE_LIMIT_TTL_SECONDS * 1000 },
    },
    vaultKeys,
    uploads: { maxFileBytes: env.UPLOAD_MAX_FILE_MB * 1024 * 1024, maxFiles: env.UPLOAD_MAX_FILES },
    storage: { driver: env.STORAGE_DRIVER },
    chunking: { targetTokens: env.CHUNK_TARGET_TOKENS, overlapTokens: env.CHUNK_OVERLAP_TOKENS },
    ingestion: { workers: env.INGEST_WORKERS },
    embeddings: {
      provider: env.EMBEDDING_PROVIDER === 'auto' ? (env.OPENAI_API_KEY ? 'openai' : 'local') : env.EMBEDDING_PROVIDER,
      model: env.EMBEDDING_MODEL,
      dimensions: env.EMBEDDING_DIMENSIONS,
      batchSize: env.EMBEDDING_BATCH_SIZE,
    },
    openai: { timeoutMs: env.OPENAI_TIMEOUT_MS, maxRetries: env.OPENAI_MAX_RETRIES },
    chat: {
      provider: env.LLM_PROVIDER === 'auto' ? (env.OPENAI_API_KEY ? 'openai' : 'local') : env.LLM_PROVIDER,
      model: env.LLM_MODEL,
      temperature: env.LLM_TEMPERATURE,
      maxTokens: env.LLM_MAX_TOKENS,
      timeoutMs: env.LLM_TIMEOUT_MS,
      historyTokens: env.CHAT_HISTORY_TOKENS,
      condenseQuestion: env.CHAT_CONDENSE_QUESTION,
    },
    retrieval: {
      k: env.RETRIEVAL_K,
      candidates: env.RETRIEVAL_CANDIDATES,
      rrfK: env.RETRIEVAL_RRF_K,
      vectorWeight: env.RETRIEVAL_VECTOR_WEIGHT,
      textWeight: env.RETRIEVAL_TEXT_WEIGHT,
      summaryWeight: env.RETRIEVAL_SUMMARY_WEIGHT,
      exactMaxChunks: env.RETRIEVAL_EXACT_MAX_CHUNKS,
    },
    summaries: {
      enabled: env.SUMMARIES_ENABLED,
      clusterSize: env.SUMMARY_CLUSTER_SIZE,
      notebookDebounceMs: env.SUMMARY_NOTEBOOK_DEBOUNCE_MS,
    },
    notebooks: { retentionDays: env.NOTEBOOK_RETENTION_DAYS },
    jobs: {
      concurrency: env.JOB_CONCURRENCY,
      // Summaries are background work: one at a time, so they never crowd out ingestion.
      queueConcurrency: { ingestion: env.INGEST_CONCURRENCY, summaries: 1 },
      ownerConcurrency: { ingestion: env.INGEST_USER_CONCURRENCY },
      attempts: env.JOB_ATTEMPTS,
      backoffMs: env.JOB_BACKOFF_MS,
      retentionDays: env.JOB_RETENTION_DAYS,
      schedule: env.JOB_SCHEDULE,
      worker: env.JOB_WORKER,
      lockMs: env.JOB_LOCK_MS,
      progressIntervalMs: env.JOB_PROGRESS_INTERVAL_MS,
    },
  };
}

function parseVaultKeys(raw: string, problems: string[]): VaultKey[] {
  const keys: VaultKey[] = [];
  for (const entry of raw.split(',')) {
    const [id, encoded] = entry.split(':') as [string, string];
    const key = Buffer.from(encoded, 'base64');
    if (key.length !== 32) problems.push(`VAULT_KEYS: key "${id}" must decode to 32 bytes (got ${key.length})`);
    if (keys.some((k) => k.id === id)) problems.push(`VAULT_KEYS: key id "${id}" appears twice`);
    keys.push({ id, key });
  }
  return keys;
}

/** A short description of the runtime mode, for the startup log. */
export function describeMode(config: AppConfig): string {
  const db = config.database.url ? 'PostgreSQL server' : `embedded Postgres (PGlite) in ${config.dataDir}`;
  const jobs = config.redis.url ? 'Bull queues on Redis' : 'in-process job runner';
  const single = !config.database.url || !config.redis.url;
  return `database: ${db}; jobs: ${jobs}${single ? ' — single-instance only (set DATABASE_URL and REDIS_URL to run several instances)' : ''}`;
}
