import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { plainToInstance } from 'class-transformer';
import { validateCronExpression } from 'cron';
import { validateSync, type ValidationError } from 'class-validator';
import { EnvSchema, SECRET_ENV_KEYS } from './env.schema.js';

export type LogLevel = EnvSchema['LOG_LEVEL'];

/** The validated configuration, in typed groups. Built once at boot by `loadConfig`. */
export interface AppConfig {
  env: 'development' | 'production' | 'test';
  server: { port: number; host: string; trustProxy: boolean; publicUrl?: string; shutdownTimeoutMs: number };
  paths: { dataDir: string; strategiesDir: string };
  strategies: { draftTtlDays: number; logRetentionDays: number };
  datasets: { dir: string; maxBytes: number };
  training: { maxConcurrent: number; hyperoptJobs: number };
  database:
    | { mode: 'postgres'; url: string; poolMin: number; poolMax: number }
    | { mode: 'embedded'; dataDir: string; poolMin: number; poolMax: number; sharedBuffers: string };
  redis: { url: string; keyPrefix: string } | null;
  auth: {
    jwtSecret: string;
    accessTtlSeconds: number;
    refreshTtlSeconds: number;
    rememberMeTtlSeconds: number;
    allowRegistration: boolean;
    loginMaxFailures: number;
    loginFailureWindowSeconds: number;
    admin: { username?: string; password?: string; email?: string };
  };
  secrets: { appSecretKey: Buffer };
  rateLimit: { max: number; windowSeconds: number };
  log: { level: LogLevel; pretty: boolean };
  freqtrade: {
    defaultVersion: string;
    bin?: string;
    python: string;
    maxRestartsPerHour: number;
    stopGraceMs: number;
    startTimeoutMs: number;
    processThrottleSeconds: number;
    indexUrl: string;
    keepVersions: number;
    updateCheckEnabled: boolean;
    switchVerifyMs: number;
    /** The part of our environment child processes (python, pip, freqtrade) inherit; nothing else leaks. */
    childEnv: Readonly<Record<string, string>>;
  };
  notify: {
    maxAttempts: number;
    retryBaseMs: number;
    leaseMs: number;
    pollMs: number;
    dispatcherEnabled: boolean;
    catchUpMs: number;
    catchUpHours: number;
  };
  /** ccxt exchange id → REST base URL (scheme, host, port) that replaces the exchange's hosts. */
  exchangeUrlOverrides: Readonly<Record<string, string>>;
  proxies: { tickMs: number; retryDelayMs: number; unhealthyRecheckMs: number; checkRetentionDays: number };
  metrics: { token?: string };
  exchange: { timeoutMs: number };
  /** Scheduled backups: off when cron is null. */
  backup: { cron: string | null; keep: number; dir: string };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

function describe(errors: ValidationError[]): string[] {
  return errors.flatMap((e) => {
    const constraints = Object.values(e.constraints ?? {});
    // Never echo a secret's value back; name the variable and the rule only.
    const shown = SECRET_ENV_KEYS.has(e.property) ? '(value hidden)' : JSON.stringify(e.value);
    return constraints.map((c) => `${e.property}=${shown}: ${c}`);
  });
}

/** Validates the environment; throws ConfigError naming every bad variable at once. */
export function parseEnv(env: Record<string, string | undefined>): EnvSchema {
  const known = Object.fromEntries(
    Object.keys(new EnvSchema())
      .concat([
        ...SECRET_ENV_KEYS,
        'ADMIN_USERNAME',
        'ADMIN_EMAIL',
        'PUBLIC_URL',
        'STRATEGIES_DIR',
        'FREQTRADE_BIN',
        'EXCHANGE_URL_OVERRIDES',
        'BACKUP_CRON',
      ])
      .filter((k) => env[k] !== undefined)
      .map((k) => [k, env[k]]),
  );
  const parsed = plainToInstance(EnvSchema, known, { exposeDefaultValues: true });
  const errors = validateSync(parsed, { whitelist: true, forbidUnknownValues: true });
  const problems = describe(errors);
  if (parsed.DB_POOL_MIN > parsed.DB_POOL_MAX) problems.push('DB_POOL_MIN must not exceed DB_POOL_MAX');
  if ((parsed.ADMIN_USERNAME === undefined) !== (parsed.ADMIN_PASSWORD === undefined)) {
    problems.push('ADMIN_USERNAME and ADMIN_PASSWORD must be set together');
  }
  if (parsed.EXCHANGE_URL_OVERRIDES !== undefined) {
    const problem = urlOverridesProblem(parsed.EXCHANGE_URL_OVERRIDES);
    if (problem) problems.push(`EXCHANGE_URL_OVERRIDES: ${problem}`);
  }
  if (parsed.BACKUP_CRON !== undefined) {
    const check = validateCronExpression(parsed.BACKUP_CRON);
    if (!check.valid)
      problems.push(`BACKUP_CRON is not a valid cron expression: ${check.error?.message ?? ''}`);
  }
  if (problems.length) throw new ConfigError(problems);
  return parsed;
}

function urlOverridesProblem(raw: string): string | null {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return 'must be a JSON object such as {"binance":"http://127.0.0.1:9999"}';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'must be a JSON object from exchange id to base URL';
  for (const [id, base] of Object.entries(value)) {
    if (!/^[a-z0-9]+$/.test(id)) return `"${id}" is not a ccxt exchange id`;
    if (typeof base !== 'string' || !/^https?:\/\/[^/?#\s]+\/?$/.test(base))
      return `the base for "${id}" must be a scheme, host and optional port, like http://127.0.0.1:9999`;
  }
  return null;
}

// What pip and Python need to work behind a user's proxy or mirror; FREQTRADE__* never passes.
const CHILD_ENV_KEYS = [
  'PATH',
  'HOME',
  'LANG',
  'LC_ALL',
  'TMPDIR',
  'SSL_CERT_FILE',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'PIP_INDEX_URL',
  'PIP_EXTRA_INDEX_URL',
  'PIP_CACHE_DIR',
  'PIP_FIND_LINKS',
];

function childEnvFrom(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of CHILD_ENV_KEYS) if (env[k] !== undefined) out[k] = env[k];
  return out;
}

function urlOverrides(raw: string | undefined): Record<string, string> {
  if (raw === undefined) return {};
  const parsed = JSON.parse(raw) as Record<string, string>;
  return Object.fromEntries(Object.entries(parsed).map(([id, base]) => [id, base.replace(/\/$/, '')]));
}

/**
 * A secret from the environment, or one generated once into DATA_DIR/secrets (mode 0600) so that
 * a fresh install needs no configuration and keeps its tokens and ciphertexts valid across restarts.
 */
function fileSecret(dataDir: string, name: string, fromEnv: string | undefined): string {
  if (fromEnv) return fromEnv;
  const dir = path.join(dataDir, 'secrets');
  const file = path.join(dir, name);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // Written aside, then published with link(): exclusive and atomic, so two processes starting
  // on a fresh DATA_DIR agree on one secret and nobody reads a half-written file.
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, randomBytes(32).toString('base64url') + '\n', { mode: 0o600 });
  try {
    linkSync(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    rmSync(tmp, { force: true });
  }
  chmodSync(file, 0o600);
  return readFileSync(file, 'utf8').trim();
}

function decodeKey(value: string): Buffer {
  const key = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (key.length !== 32) throw new ConfigError(['APP_SECRET_KEY must decode to exactly 32 bytes']);
  return key;
}

export function loadConfig(env: Record<string, string | undefined>): AppConfig {
  const e = parseEnv(env);
  const dataDir = path.resolve(e.DATA_DIR);
  mkdirSync(dataDir, { recursive: true });
  return {
    env: e.NODE_ENV,
    server: {
      port: e.PORT,
      host: e.HOST,
      trustProxy: e.TRUST_PROXY,
      publicUrl: e.PUBLIC_URL,
      shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    },
    paths: { dataDir, strategiesDir: path.resolve(e.STRATEGIES_DIR ?? path.join(dataDir, 'strategies')) },
    strategies: { draftTtlDays: e.DRAFT_TTL_DAYS, logRetentionDays: e.STRATEGY_LOG_RETENTION_DAYS },
    datasets: { dir: path.join(dataDir, 'datasets'), maxBytes: e.DATASET_MAX_BYTES },
    training: { maxConcurrent: e.TRAINING_MAX_CONCURRENT, hyperoptJobs: e.TRAINING_HYPEROPT_JOBS },
    database: e.DATABASE_URL
      ? { mode: 'postgres', url: e.DATABASE_URL, poolMin: e.DB_POOL_MIN, poolMax: e.DB_POOL_MAX }
      : {
          mode: 'embedded',
          dataDir: path.join(dataDir, 'pgdata'),
          poolMin: e.DB_POOL_MIN,
          poolMax: e.DB_POOL_MAX,
          sharedBuffers: e.EMBEDDED_PG_SHARED_BUFFERS,
        },
    redis: e.REDIS_URL ? { url: e.REDIS_URL, keyPrefix: e.REDIS_KEY_PREFIX } : null,
    auth: {
      jwtSecret: fileSecret(dataDir, 'jwt-secret', e.JWT_SECRET),
      accessTtlSeconds: e.JWT_ACCESS_TTL_SECONDS,
      refreshTtlSeconds: e.REFRESH_TTL_SECONDS,
      rememberMeTtlSeconds: e.REFRESH_REMEMBER_ME_TTL_SECONDS,
      allowRegistration: e.ALLOW_REGISTRATION,
      loginMaxFailures: e.LOGIN_MAX_FAILURES,
      loginFailureWindowSeconds: e.LOGIN_FAILURE_WINDOW_SECONDS,
      admin: { username: e.ADMIN_USERNAME, password: e.ADMIN_PASSWORD, email: e.ADMIN_EMAIL },
    },
    secrets: { appSecretKey: decodeKey(fileSecret(dataDir, 'app-secret-key', e.APP_SECRET_KEY)) },
    rateLimit: { max: e.RATE_LIMIT_MAX, windowSeconds: e.RATE_LIMIT_WINDOW_SECONDS },
    log: { level: e.LOG_LEVEL, pretty: e.LOG_PRETTY || e.NODE_ENV === 'development' },
    freqtrade: {
      defaultVersion: e.FREQTRADE_VERSION,
      bin: e.FREQTRADE_BIN ? path.resolve(e.FREQTRADE_BIN) : undefined,
      python: e.FREQTRADE_PYTHON,
      maxRestartsPerHour: e.FREQTRADE_MAX_RESTARTS_PER_HOUR,
      stopGraceMs: e.FREQTRADE_STOP_GRACE_SECONDS * 1000,
      startTimeoutMs: e.FREQTRADE_START_TIMEOUT_SECONDS * 1000,
      processThrottleSeconds: e.FREQTRADE_PROCESS_THROTTLE_SECONDS,
      indexUrl: e.FREQTRADE_INDEX_URL,
      keepVersions: e.FREQTRADE_KEEP_VERSIONS,
      updateCheckEnabled: e.FREQTRADE_UPDATE_CHECK_ENABLED,
      switchVerifyMs: e.FREQTRADE_SWITCH_VERIFY_SECONDS * 1000,
      childEnv: childEnvFrom(env),
    },
    notify: {
      maxAttempts: e.NOTIFY_MAX_ATTEMPTS,
      retryBaseMs: e.NOTIFY_RETRY_BASE_MS,
      leaseMs: e.NOTIFY_LEASE_MS,
      pollMs: e.NOTIFY_POLL_MS,
      dispatcherEnabled: e.NOTIFY_DISPATCHER_ENABLED,
      catchUpMs: e.NOTIFY_CATCHUP_MS,
      catchUpHours: e.NOTIFY_CATCHUP_HOURS,
    },
    exchangeUrlOverrides: urlOverrides(e.EXCHANGE_URL_OVERRIDES),
    proxies: {
      tickMs: e.PROXY_HEALTH_TICK_SECONDS * 1000,
      retryDelayMs: e.PROXY_RETRY_DELAY_SECONDS * 1000,
      unhealthyRecheckMs: e.PROXY_UNHEALTHY_RECHECK_SECONDS * 1000,
      checkRetentionDays: e.PROXY_CHECK_RETENTION_DAYS,
    },
    metrics: { token: e.METRICS_TOKEN },
    exchange: { timeoutMs: e.EXCHANGE_TIMEOUT_MS },
    backup: { cron: e.BACKUP_CRON ?? null, keep: e.BACKUP_KEEP, dir: path.join(dataDir, 'backups') },
  };
}

/** The process environment, read here and nowhere else (ESLint enforces it). */
export function loadConfigFromProcess(overrides: Record<string, string | undefined> = {}): AppConfig {
  return loadConfig({ ...process.env, ...overrides });
}
