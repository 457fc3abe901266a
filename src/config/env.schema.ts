import 'reflect-metadata';
import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';

const toBool = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(v)) return false;
  return value;
};

const emptyToUndefined = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

/**
 * Every environment variable Folio reads. Property names are the variable names so a
 * validation message names the variable the operator has to fix.
 * Defaults live here and nowhere else; `.env.example` and the README table mirror them.
 */
export class EnvSchema {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @IsString()
  @MinLength(1)
  HOST = '0.0.0.0';

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsString()
  @MinLength(1)
  DATA_DIR = './data';

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUrl({ protocols: ['postgres', 'postgresql'], require_tld: false, require_protocol: true })
  DATABASE_URL?: string;

  /** At least 2: migrations hold one connection for their lock while running on another. */
  @Type(() => Number)
  @IsInt()
  @Min(2)
  @Max(200)
  DATABASE_POOL_SIZE = 10;

  /** Server mode: apply pending migrations at start (under an advisory lock) instead of refusing to start. */
  @Transform(toBool)
  @IsBoolean()
  MIGRATE_ON_START = false;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUrl({ protocols: ['redis', 'rediss'], require_tld: false, require_protocol: true })
  REDIS_URL?: string;

  @IsString()
  @Matches(/^[a-z0-9][a-z0-9_-]{0,31}$/, {
    message: 'REDIS_KEY_PREFIX must be 1-32 characters of a-z, 0-9, _ or -',
  })
  REDIS_KEY_PREFIX = 'folio';

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(8)
  OPENAI_API_KEY?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true })
  OPENAI_BASE_URL?: string;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' = 'info';

  @Transform(toBool)
  @IsBoolean()
  LOG_REQUESTS = true;

  /** Comma-separated list of allowed CORS origins; empty means no cross-origin access. */
  @IsString()
  @Matches(/^(\s*https?:\/\/[^\s,/]+\s*)(,\s*https?:\/\/[^\s,/]+\s*)*$|^\s*$/, {
    message: 'CORS_ORIGINS must be a comma-separated list of origins such as https://app.example.com',
  })
  CORS_ORIGINS = '';

  @IsString()
  @Matches(/^\d+(b|kb|mb)?$/i, { message: 'BODY_LIMIT must be a size such as 1mb, 512kb or 100000' })
  BODY_LIMIT = '1mb';

  /** Deepest nesting of arrays and objects accepted in a JSON body (Folio's own bodies need 4). */
  @Type(() => Number)
  @IsInt()
  @Min(4)
  @Max(1000)
  BODY_MAX_DEPTH = 32;

  /** Which proxies may set X-Forwarded-For: empty/false, a hop count, or addresses/subnets. */
  @IsString()
  @Matches(
    /^(|false|\d{1,2}|[0-9a-f.:/,\s]+|loopback|linklocal|uniquelocal)(,\s*(loopback|linklocal|uniquelocal|[0-9a-f.:/]+))*$/i,
    {
      message:
        'TRUST_PROXY must be empty, "false", a hop count, or a comma-separated list of proxy addresses/subnets (loopback, 10.0.0.0/8, ...); "true" is refused because it lets any client forge its IP',
    },
  )
  TRUST_PROXY = '';

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(600_000)
  SHUTDOWN_TIMEOUT_MS = 10_000;

  /**
   * Time between readiness turning 503 and the listener closing, so load balancers notice.
   * Unset: 15000 in production (two failed checks at a 5 s interval plus endpoint propagation;
   * with SHUTDOWN_TIMEOUT_MS it stays under Kubernetes' default 30 s grace period), 0 otherwise.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(120_000)
  SHUTDOWN_DRAIN_MS?: number;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'METRICS_TOKEN must be at least 16 characters when set' })
  @MaxLength(256)
  METRICS_TOKEN?: string;

  @Type(() => Number)
  @IsInt()
  @Min(16)
  HEALTH_HEAP_LIMIT_MB = 1536;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(86_400)
  RATE_LIMIT_TTL_SECONDS = 60;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  RATE_LIMIT_MAX = 1000;

  // --- Identity -----------------------------------------------------------------------------

  /**
   * HS256 signing secret of access tokens (32+ characters). Unset in zero-setup mode: generated
   * once and kept in DATA_DIR. Required with DATABASE_URL: every instance must share it.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'JWT_SECRET must be at least 32 characters' })
  JWT_SECRET?: string;

  @IsString()
  @MinLength(1)
  JWT_ISSUER = 'folio';

  @IsString()
  @MinLength(1)
  JWT_AUDIENCE = 'folio-api';

  @Type(() => Number)
  @IsInt()
  @Min(60)
  @Max(86_400)
  ACCESS_TOKEN_TTL_SECONDS = 900;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(365)
  REFRESH_TOKEN_TTL_DAYS = 7;

  /** Anyone may create an account; false for invite-only deployments (admins create users). */
  @Transform(toBool)
  @IsBoolean()
  SIGNUP_ENABLED = true;

  /** First administrator, created at start if no user has this email. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsEmail({}, { message: 'ADMIN_EMAIL must be an email address' })
  ADMIN_EMAIL?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(10, { message: 'ADMIN_PASSWORD must be at least 10 characters' })
  @MaxLength(128)
  ADMIN_PASSWORD?: string;

  /** argon2id cost; never below OWASP's minimum (19 MiB, 2 iterations, 1 lane). */
  @Type(() => Number)
  @IsInt()
  @Min(19_456)
  @Max(4_194_304)
  PASSWORD_HASH_MEMORY_KIB = 19_456;

  @Type(() => Number)
  @IsInt()
  @Min(2)
  @Max(20)
  PASSWORD_HASH_ITERATIONS = 2;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(16)
  PASSWORD_HASH_PARALLELISM = 1;

  /** Signup, login and refresh: attempts per window, per client IP and per account. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  AUTH_RATE_LIMIT_MAX = 10;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(86_400)
  AUTH_RATE_LIMIT_TTL_SECONDS = 60;

  /**
   * Secrets-vault master keys: comma-separated `id:base64` (32 bytes each), newest first. The
   * first encrypts; all decrypt until `npm run keys:rotate` has moved every secret to the first.
   * Unset in zero-setup mode: generated once and kept in DATA_DIR. Required with DATABASE_URL.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9_-]{1,16}:[A-Za-z0-9+/=_-]{40,}(,[a-z0-9_-]{1,16}:[A-Za-z0-9+/=_-]{40,})*$/, {
    message: 'VAULT_KEYS must be a comma-separated list of id:base64-key entries (32-byte keys), newest first',
  })
  VAULT_KEYS?: string;

  // --- Notebooks, sources, ingestion -------------------------------------------------------

  /** Largest file accepted per upload, in MiB; enforced while streaming (413 past it). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(2048)
  UPLOAD_MAX_FILE_MB = 50;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  UPLOAD_MAX_FILES = 20;

  /** Where original files are kept: `postgres` (every instance can read them) or `local` (DATA_DIR/blobs). */
  @IsIn(['postgres', 'local'])
  STORAGE_DRIVER: 'postgres' | 'local' = 'postgres';

  @Type(() => Number)
  @IsInt()
  @Min(32)
  @Max(8000)
  CHUNK_TARGET_TOKENS = 512;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(1000)
  CHUNK_OVERLAP_TOKENS = 64;

  /** `auto`: OpenAI when OPENAI_API_KEY is set, else the built-in local provider. */
  @IsIn(['auto', 'local', 'openai'])
  EMBEDDING_PROVIDER: 'auto' | 'local' | 'openai' = 'auto';

  @IsString()
  @MinLength(1)
  EMBEDDING_MODEL = 'text-embedding-3-small';

  /** Vector size, fixed per deployment; change it only together with `npm run reindex`. */
  @Type(() => Number)
  @IsInt()
  @Min(16)
  @Max(2000)
  EMBEDDING_DIMENSIONS = 384;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(2048)
  EMBEDDING_BATCH_SIZE = 64;

  @Type(() => Number)
  @IsInt()
  @Min(1000)
  @Max(600_000)
  OPENAI_TIMEOUT_MS = 60_000;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(10)
  OPENAI_MAX_RETRIES = 4;

  /**
   * Ingestion jobs run at once per instance. A job alternates CPU work here with waiting on the
   * database, so a few at once keep both busy (bench:ingest: 4 beats 2 by about a fifth).
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(64)
  INGEST_CONCURRENCY = 4;

  /**
   * Ingestion jobs of one user handed to the queue at once, across instances; the rest wait their
   * turn in the database. Below INGEST_CONCURRENCY, a slot stays free for other users' sources
   * while someone's large batch runs, and users take turns: each one's next job joins the queue
   * when one of theirs finishes.
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  INGEST_USER_CONCURRENCY = 3;

  /**
   * Worker threads that parse, chunk and (with the local provider) embed documents, off the
   * event loop that serves requests. 0 does that work on the event loop.
   */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(32)
  INGEST_WORKERS = 1;

  // --- Chat and retrieval ---------------------------------------------------------------------

  /** `auto`: OpenAI chat completions when OPENAI_API_KEY is set, else the built-in extractive answerer. */
  @IsIn(['auto', 'local', 'openai'])
  LLM_PROVIDER: 'auto' | 'local' | 'openai' = 'auto';

  @IsString()
  @MinLength(1)
  LLM_MODEL = 'gpt-4o-mini';

  @Type(() => Number)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(2)
  LLM_TEMPERATURE = 0.2;

  @Type(() => Number)
  @IsInt()
  @Min(16)
  @Max(32_000)
  LLM_MAX_TOKENS = 1024;

  /** Timeout of one chat completion (a streamed one: until its last token); exceeded → 504. */
  @Type(() => Number)
  @IsInt()
  @Min(1000)
  @Max(600_000)
  LLM_TIMEOUT_MS = 60_000;

  /** Passages (chunks and summaries) given to the model per question. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(50)
  RETRIEVAL_K = 8;

  /** Candidates each retriever (vector, full text) contributes to the fusion. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  RETRIEVAL_CANDIDATES = 40;

  /** The constant of reciprocal rank fusion: score = Σ weight / (RRF_K + rank). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  RETRIEVAL_RRF_K = 60;

  @Type(() => Number)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(10)
  RETRIEVAL_VECTOR_WEIGHT = 1;

  @Type(() => Number)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(10)
  RETRIEVAL_TEXT_WEIGHT = 1;

  /** Weight of RAPTOR summaries beside chunks in the fusion; 0 leaves them out. */
  @Type(() => Number)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(10)
  RETRIEVAL_SUMMARY_WEIGHT = 0.5;

  /**
   * Notebooks with up to this many chunks in all are searched by an exact scan of their own rows;
   * larger ones through the HNSW index with iterative scans (bench:retrieval measures both).
   */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(100_000_000)
  RETRIEVAL_EXACT_MAX_CHUNKS = 20_000;

  /** Token budget of the conversation history sent to the model (besides max_history). */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(100_000)
  CHAT_HISTORY_TOKENS = 2000;

  /** Rewrite follow-up questions with one extra LLM call before retrieval (off: a local heuristic). */
  @Transform(toBool)
  @IsBoolean()
  CHAT_CONDENSE_QUESTION = false;

  /** Build RAPTOR summary trees after ingestion. */
  @Transform(toBool)
  @IsBoolean()
  SUMMARIES_ENABLED = true;

  /** Nodes per cluster when building summary trees. */
  @Type(() => Number)
  @IsInt()
  @Min(2)
  @Max(50)
  SUMMARY_CLUSTER_SIZE = 6;

  /**
   * A notebook's own summary is rebuilt at most once per this window (ms), after it: a bulk
   * upload of hundreds of sources triggers one rebuild per window, not one per source.
   */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  SUMMARY_NOTEBOOK_DEBOUNCE_MS = 30_000;

  /** Deleted notebooks can be restored this many days; then a job purges them for good. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(3650)
  NOTEBOOK_RETENTION_DAYS = 30;

  // --- Jobs ----------------------------------------------------------------------------------

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(64)
  JOB_CONCURRENCY = 2;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(20)
  JOB_ATTEMPTS = 3;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  JOB_BACKOFF_MS = 2000;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3650)
  JOB_RETENTION_DAYS = 7;

  /**
   * Server mode: how long a worker's claim on a job lasts without renewal; a worker that dies
   * (SIGKILL) is noticed and its job re-run by another worker after at most about twice this.
   */
  @Type(() => Number)
  @IsInt()
  @Min(500)
  @Max(600_000)
  JOB_LOCK_MS = 30_000;

  /**
   * How often a running job's progress is written to the database at most; live event streams
   * get every update regardless. 0 writes every update.
   */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(60_000)
  JOB_PROGRESS_INTERVAL_MS = 500;

  /** Run job handlers in this process. False makes an API-only instance (it still enqueues). */
  @Transform(toBool)
  @IsBoolean()
  JOB_WORKER = true;

  /** Periodic maintenance jobs (purges); turn off only for tests or one-off tools. */
  @Transform(toBool)
  @IsBoolean()
  JOB_SCHEDULE = true;
}
