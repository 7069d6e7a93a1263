import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
const toBool = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off', ''].includes(v)) return false;
  return value;
};
const emptyToUndefined = ({ value }: { value: unknown }) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

/**
 * Every environment variable the server reads. Documented one by one in `.env.example`;
 * a variable that is not here does not exist for the application.
 */
export class EnvSchema {
  @IsOptional()
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'production';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 8000;

  @IsString()
  @MinLength(1)
  HOST = '127.0.0.1';

  @IsString()
  @MinLength(1)
  DATA_DIR = './data';

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'DATABASE_URL must be a postgres:// or postgresql:// URL' })
  DATABASE_URL?: string;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(200)
  DB_POOL_MIN = 5;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(200)
  DB_POOL_MAX = 20;

  /** PostgreSQL shared_buffers of the embedded database: PGlite's default (128MB) costs ~130 MB more RSS. */
  @Matches(/^\d+(kB|MB|GB)$/, { message: 'EMBEDDED_PG_SHARED_BUFFERS must look like 32MB' })
  EMBEDDED_PG_SHARED_BUFFERS = '32MB';

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^rediss?:\/\/.+/, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

  @IsString()
  @MaxLength(100)
  REDIS_KEY_PREFIX = 'btcw:';

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'JWT_SECRET must be at least 32 characters' })
  JWT_SECRET?: string;

  @Transform(toInt)
  @IsInt()
  @Min(60)
  @Max(86400)
  JWT_ACCESS_TTL_SECONDS = 3600;

  @Transform(toInt)
  @IsInt()
  @Min(300)
  @Max(90 * 86400)
  REFRESH_TTL_SECONDS = 86400;

  @Transform(toInt)
  @IsInt()
  @Min(300)
  @Max(365 * 86400)
  REFRESH_REMEMBER_ME_TTL_SECONDS = 30 * 86400;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9+/=_-]{43,}$/, {
    message: 'APP_SECRET_KEY must be 32 random bytes in base64 or base64url',
  })
  APP_SECRET_KEY?: string;

  @Transform(toBool)
  @IsBoolean()
  ALLOW_REGISTRATION = false;

  /** Where strategy .py files live; default DATA_DIR/strategies. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  STRATEGIES_DIR?: string;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3650)
  DRAFT_TTL_DAYS = 30;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3650)
  STRATEGY_LOG_RETENTION_DAYS = 30;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_.-]{3,50}$/)
  ADMIN_USERNAME?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(8)
  ADMIN_PASSWORD?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  ADMIN_EMAIL?: string;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  LOGIN_MAX_FAILURES = 5;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86400)
  LOGIN_FAILURE_WINDOW_SECONDS = 300;

  /** Requests per window per client for the whole API; 0 turns the general limit off. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  RATE_LIMIT_MAX = 600;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  RATE_LIMIT_WINDOW_SECONDS = 60;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' = 'info';

  @Transform(toBool)
  @IsBoolean()
  LOG_PRETTY = false;

  @Transform(toInt)
  @IsInt()
  @Min(1000)
  @Max(60000)
  SHUTDOWN_TIMEOUT_MS = 10000;

  @Transform(toBool)
  @IsBoolean()
  TRUST_PROXY = false;

  /** The freqtrade release installed by default and by `npm run freqtrade:install` without --version. */
  @Matches(/^\d{4}\.\d{1,2}(\.\d+)?$/, { message: 'FREQTRADE_VERSION must look like 2025.8' })
  FREQTRADE_VERSION = '2025.8';

  /** An existing freqtrade executable to use instead of the managed installations. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  FREQTRADE_BIN?: string;

  /** The Python (≥ 3.11) that managed installations are created with. */
  @IsString()
  FREQTRADE_PYTHON = 'python3';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(1000)
  FREQTRADE_MAX_RESTARTS_PER_HOUR = 10;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(300)
  FREQTRADE_STOP_GRACE_SECONDS = 15;

  /** Largest dataset upload accepted, in bytes (default 200 MB); larger → 413. */
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(10 * 1024 * 1024 * 1024)
  DATASET_MAX_BYTES = 200 * 1024 * 1024;

  /** Training jobs (freqtrade hyperopt) run at once on this installation; the rest wait as `pending`. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(16)
  TRAINING_MAX_CONCURRENT = 1;

  /**
   * freqtrade hyperopt's `-j` (parallel backtests) per training job. 1 leaves the other core to the
   * signal bots on a small machine; raise it on a bigger one.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(64)
  TRAINING_HYPEROPT_JOBS = 1;

  /** How long a bot may take from spawn to answering its API ping before the start counts as failed. */
  @Transform(toInt)
  @IsInt()
  @Min(5)
  @Max(900)
  FREQTRADE_START_TIMEOUT_SECONDS = 90;

  /**
   * freqtrade's minimum loop time (internals.process_throttle_secs). It does not delay signals:
   * freqtrade also wakes one second after every candle opens, whatever this is. Shorter loops only
   * cost CPU (measured: 1 s doubles a bot's CPU against 5 s, same candle latency).
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(60)
  FREQTRADE_PROCESS_THROTTLE_SECONDS = 5;

  /** Attempts per notification before it is `dead` (and a system_alert says so). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(50)
  NOTIFY_MAX_ATTEMPTS = 6;

  /** First retry delay; each further retry doubles it (capped at 10 minutes). */
  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(600_000)
  NOTIFY_RETRY_BASE_MS = 2000;

  /** A row claimed longer ago than this (its dispatcher died mid-send) is claimed again. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  NOTIFY_LEASE_MS = 60_000;

  /** How often the dispatcher looks for due rows besides being woken by new ones. */
  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(60_000)
  NOTIFY_POLL_MS = 1000;

  /** false: this instance writes the outbox but sends nothing (another instance dispatches). */
  @Transform(toBool)
  @IsBoolean()
  NOTIFY_DISPATCHER_ENABLED = true;

  /**
   * How often stored signals without a notification decision (their event was lost to a crash or
   * a failure) are decided; also how long a new signal is left to its event first. 0: never (the
   * start-up sweep still runs).
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  NOTIFY_CATCHUP_MS = 60_000;

  /** Signals whose candle is older than this are not caught up: the news is stale. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(720)
  NOTIFY_CATCHUP_HOURS = 24;
  /** The package index's JSON API for freqtrade (PyPI's by default, or a mirror speaking the same format). */
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  FREQTRADE_INDEX_URL = 'https://pypi.org/pypi/freqtrade/json';

  /** Installed freqtrade versions kept; after a successful upgrade the oldest inactive ones are removed. */
  @Transform(toInt)
  @IsInt()
  @Min(2)
  @Max(20)
  FREQTRADE_KEEP_VERSIONS = 3;

  /** The daily job that compares the active freqtrade with the newest stable release. */
  @Transform(toBool)
  @IsBoolean()
  FREQTRADE_UPDATE_CHECK_ENABLED = true;

  /** After an upgrade or rollback, how long each restarted bot has to become healthy before it is undone. */
  @Transform(toInt)
  @IsInt()
  @Min(10)
  @Max(1800)
  FREQTRADE_SWITCH_VERIFY_SECONDS = 180;

  /** JSON object from ccxt exchange id to a REST base URL, e.g. {"binance":"http://127.0.0.1:9999"}. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  EXCHANGE_URL_OVERRIDES?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  PUBLIC_URL?: string;

  /** How often the proxy health scheduler looks for proxies whose check is due. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  PROXY_HEALTH_TICK_SECONDS = 5;

  /** After a failed check (or a first success while unhealthy), the next check comes this soon. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  PROXY_RETRY_DELAY_SECONDS = 10;

  /** An unhealthy proxy is re-checked at least this often (its interval if shorter). */
  @Transform(toInt)
  @IsInt()
  @Min(5)
  @Max(86400)
  PROXY_UNHEALTHY_RECHECK_SECONDS = 60;

  /** proxy_checks rows older than this are deleted. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3650)
  PROXY_CHECK_RETENTION_DAYS = 30;
  /** How long one market-data call to an exchange may take before it fails with 504 EXCHANGE_TIMEOUT. */
  @Transform(toInt)
  @IsInt()
  @Min(500)
  @Max(120000)
  EXCHANGE_TIMEOUT_MS = 10000;

  /** Cron expression (5 or 6 fields, UTC) of the scheduled backup into DATA_DIR/backups; unset = off. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  BACKUP_CRON?: string;

  /** Scheduled backups kept in DATA_DIR/backups (older ones are deleted). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  BACKUP_KEEP = 7;

  /** Bearer token Prometheus must send to GET /metrics; unset = /metrics is open. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'METRICS_TOKEN must be at least 16 characters' })
  METRICS_TOKEN?: string;
}

/** Variables whose values must never be echoed in a validation message. */
export const SECRET_ENV_KEYS: ReadonlySet<string> = new Set([
  'DATABASE_URL',
  'REDIS_URL',
  'JWT_SECRET',
  'APP_SECRET_KEY',
  'ADMIN_PASSWORD',
  'METRICS_TOKEN',
]);
