import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { EnvSchema, SECRET_ENV_KEYS } from './env.schema.js';

export type LogLevel = EnvSchema['LOG_LEVEL'];

/** The validated configuration, in typed groups. Built once at boot by `loadConfig`. */
export interface AppConfig {
  env: 'development' | 'production' | 'test';
  server: { port: number; host: string; trustProxy: boolean; publicUrl?: string; shutdownTimeoutMs: number };
  paths: { dataDir: string; strategiesDir: string };
  strategies: { draftTtlDays: number; logRetentionDays: number };
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
      .concat([...SECRET_ENV_KEYS, 'ADMIN_USERNAME', 'ADMIN_EMAIL', 'PUBLIC_URL', 'STRATEGIES_DIR'])
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
  if (problems.length) throw new ConfigError(problems);
  return parsed;
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
  };
}

/** The process environment, read here and nowhere else (ESLint enforces it). */
export function loadConfigFromProcess(overrides: Record<string, string | undefined> = {}): AppConfig {
  return loadConfig({ ...process.env, ...overrides });
}
