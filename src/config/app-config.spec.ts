import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig, parseEnv } from './app-config.js';

/** Runs fn and returns the ConfigError it throws (failing the test if it throws anything else). */
function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

describe('parseEnv', () => {
  it('fills in the defaults for an empty environment', () => {
    const sut = parseEnv({});
    expect(sut.PORT).toBe(8000);
    expect(sut.HOST).toBe('127.0.0.1');
    expect(sut.DATABASE_URL).toBeUndefined();
    expect(sut.REDIS_URL).toBeUndefined();
    expect(sut.JWT_ACCESS_TTL_SECONDS).toBe(3600);
    expect(sut.ALLOW_REGISTRATION).toBe(false);
    expect(sut.NODE_ENV).toBe('production');
  });

  it('turns numeric strings into numbers', () => {
    const sut = parseEnv({ PORT: '9001', DB_POOL_MIN: '2', DB_POOL_MAX: '4', JWT_ACCESS_TTL_SECONDS: '120' });
    expect(sut.PORT).toBe(9001);
    expect(sut.DB_POOL_MIN).toBe(2);
    expect(sut.DB_POOL_MAX).toBe(4);
    expect(sut.JWT_ACCESS_TTL_SECONDS).toBe(120);
  });

  it('ignores variables it does not know', () => {
    const sut = parseEnv({ PATH: '/usr/bin', SOMETHING_ELSE: 'x' }) as unknown as Record<string, unknown>;
    expect(sut.PATH).toBeUndefined();
    expect(sut.SOMETHING_ELSE).toBeUndefined();
  });

  it('treats an empty DATABASE_URL / REDIS_URL as unset', () => {
    const sut = parseEnv({ DATABASE_URL: '', REDIS_URL: '  ' });
    expect(sut.DATABASE_URL).toBeUndefined();
    expect(sut.REDIS_URL).toBeUndefined();
  });

  it.each([
    ['true', true],
    ['1', true],
    ['TRUE', true],
    ['false', false],
    ['0', false],
  ])('reads the boolean %j as %s', (raw, expected) => {
    const sut = parseEnv({ ALLOW_REGISTRATION: raw, TRUST_PROXY: raw, LOG_PRETTY: raw });
    expect(sut.ALLOW_REGISTRATION).toBe(expected);
    expect(sut.TRUST_PROXY).toBe(expected);
    expect(sut.LOG_PRETTY).toBe(expected);
  });

  it('rejects a boolean it cannot read', () => {
    const err = configErrorOf(() => parseEnv({ ALLOW_REGISTRATION: 'maybe' }));
    expect(err.message).toContain('ALLOW_REGISTRATION');
  });

  it('reports a bad PORT and a bad DATABASE_URL together in one ConfigError', () => {
    const err = configErrorOf(() => parseEnv({ PORT: 'eighty', DATABASE_URL: 'mysql://app:hunter2@db/app' }));
    expect(err.name).toBe('ConfigError');
    expect(err.problems.some((p) => p.startsWith('PORT'))).toBe(true);
    expect(err.problems.some((p) => p.startsWith('DATABASE_URL'))).toBe(true);
    expect(err.message).toContain('PORT');
    expect(err.message).toContain('DATABASE_URL');
    // DATABASE_URL is a secret (it carries a password): its value is never shown.
    expect(err.message).not.toContain('hunter2');
  });

  it.each([
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['PORT', '80.5'],
  ])('rejects %s=%s', (name, value) => {
    const err = configErrorOf(() => parseEnv({ [name]: value }));
    expect(err.message).toContain(name);
  });

  it('never echoes a secret variable’s value in the error', () => {
    const err = configErrorOf(() =>
      parseEnv({
        JWT_SECRET: 'short',
        APP_SECRET_KEY: 'tooShortKey',
        ADMIN_USERNAME: 'admin',
        ADMIN_PASSWORD: 'pw1',
        REDIS_URL: 'http://user:s3cr3tRedis@cache',
      }),
    );
    for (const name of ['JWT_SECRET', 'APP_SECRET_KEY', 'ADMIN_PASSWORD', 'REDIS_URL']) {
      expect(err.message).toContain(name);
    }
    for (const value of ['short', 'tooShortKey', 'pw1', 's3cr3tRedis']) {
      expect(err.message).not.toContain(value);
      expect(err.problems.join('\n')).not.toContain(value);
    }
  });

  it('does show a non-secret variable’s value, to help fix it', () => {
    const err = configErrorOf(() => parseEnv({ LOG_LEVEL: 'loud' }));
    expect(err.message).toContain('LOG_LEVEL="loud"');
  });

  it('requires ADMIN_PASSWORD with ADMIN_USERNAME, and the other way round', () => {
    expect(configErrorOf(() => parseEnv({ ADMIN_USERNAME: 'admin' })).message).toMatch(
      /ADMIN_USERNAME and ADMIN_PASSWORD/,
    );
    expect(configErrorOf(() => parseEnv({ ADMIN_PASSWORD: 'long enough password' })).message).toMatch(
      /ADMIN_USERNAME and ADMIN_PASSWORD/,
    );
    const ok = parseEnv({ ADMIN_USERNAME: 'admin', ADMIN_PASSWORD: 'long enough password' });
    expect(ok.ADMIN_USERNAME).toBe('admin');
    expect(ok.ADMIN_PASSWORD).toBe('long enough password');
  });

  it('rejects DB_POOL_MIN greater than DB_POOL_MAX', () => {
    const err = configErrorOf(() => parseEnv({ DB_POOL_MIN: '30', DB_POOL_MAX: '10' }));
    expect(err.message).toContain('DB_POOL_MIN must not exceed DB_POOL_MAX');
    expect(parseEnv({ DB_POOL_MIN: '10', DB_POOL_MAX: '10' }).DB_POOL_MIN).toBe(10);
  });
});

describe('loadConfig', () => {
  let dataDir: string;

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'btcw-config-'));
  });

  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('defaults to embedded mode, no Redis and a one-hour access token', () => {
    const sut = loadConfig({ DATA_DIR: dataDir });
    expect(sut.server.port).toBe(8000);
    expect(sut.server.host).toBe('127.0.0.1');
    expect(sut.database).toMatchObject({ mode: 'embedded', dataDir: path.join(dataDir, 'pgdata') });
    expect(sut.redis).toBeNull();
    expect(sut.auth.accessTtlSeconds).toBe(3600);
    expect(sut.paths.dataDir).toBe(path.resolve(dataDir));
  });

  it('uses PostgreSQL and Redis when their URLs are set', () => {
    const sut = loadConfig({
      DATA_DIR: dataDir,
      DATABASE_URL: 'postgres://app:pw@db:5432/app',
      REDIS_URL: 'redis://cache:6379/0',
      REDIS_KEY_PREFIX: 'tenant:',
    });
    expect(sut.database).toEqual({
      mode: 'postgres',
      url: 'postgres://app:pw@db:5432/app',
      poolMin: 5,
      poolMax: 20,
    });
    expect(sut.redis).toEqual({ url: 'redis://cache:6379/0', keyPrefix: 'tenant:' });
  });

  it('generates the JWT secret and app key once into DATA_DIR/secrets with mode 0600', () => {
    const first = loadConfig({ DATA_DIR: dataDir });
    const secrets = path.join(dataDir, 'secrets');
    for (const name of ['jwt-secret', 'app-secret-key']) {
      const file = path.join(secrets, name);
      expect(existsSync(file)).toBe(true);
      expect(statSync(file).mode & 0o777).toBe(0o600);
    }
    expect(statSync(secrets).mode & 0o077).toBe(0);
    expect(first.auth.jwtSecret.length).toBeGreaterThanOrEqual(32);
    expect(readFileSync(path.join(secrets, 'jwt-secret'), 'utf8').trim()).toBe(first.auth.jwtSecret);
    expect(first.secrets.appSecretKey).toHaveLength(32);

    const second = loadConfig({ DATA_DIR: dataDir });
    expect(second.auth.jwtSecret).toBe(first.auth.jwtSecret);
    expect(second.secrets.appSecretKey.equals(first.secrets.appSecretKey)).toBe(true);
  });

  it('prefers secrets from the environment and writes no file for them', () => {
    const jwt = 'j'.repeat(40);
    const key = randomBytes(32);
    const sut = loadConfig({ DATA_DIR: dataDir, JWT_SECRET: jwt, APP_SECRET_KEY: key.toString('base64url') });
    expect(sut.auth.jwtSecret).toBe(jwt);
    expect(sut.secrets.appSecretKey.equals(key)).toBe(true);
    expect(existsSync(path.join(dataDir, 'secrets', 'jwt-secret'))).toBe(false);
    expect(existsSync(path.join(dataDir, 'secrets', 'app-secret-key'))).toBe(false);
  });

  it('accepts APP_SECRET_KEY in padded standard base64 too', () => {
    const key = randomBytes(32);
    const sut = loadConfig({ DATA_DIR: dataDir, APP_SECRET_KEY: key.toString('base64') });
    expect(sut.secrets.appSecretKey.equals(key)).toBe(true);
  });

  it.each([
    ['33 bytes', randomBytes(33).toString('base64url')],
    ['48 bytes (hex text read as base64)', randomBytes(32).toString('hex')],
    ['too short to be a key', randomBytes(16).toString('base64url')],
  ])('rejects an APP_SECRET_KEY that does not decode to 32 bytes (%s)', (_label, value) => {
    const err = configErrorOf(() => loadConfig({ DATA_DIR: dataDir, APP_SECRET_KEY: value }));
    expect(err.message).toContain('APP_SECRET_KEY');
    expect(err.message).not.toContain(value);
  });

  it('reports configuration errors before touching DATA_DIR', () => {
    const dir = path.join(dataDir, 'not-yet');
    configErrorOf(() => loadConfig({ DATA_DIR: dir, PORT: 'x' }));
    expect(existsSync(dir)).toBe(false);
  });
});
