import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { getMetadataStorage } from 'class-validator';
import { parse } from 'yaml';
import { EnvSchema } from '../../src/config/env.schema.js';

/**
 * Lints the deployment files by reading them (Docker need not be installed): the compose file's
 * wiring, the Dockerfile's runtime stage, and that .env.example, the compose file and
 * src/config/env.schema.ts name exactly the same variables.
 */
const ROOT = process.cwd();
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

/** Property names of `class EnvSchema { ... }`, taken from the source text. */
function schemaVariables(source: string): string[] {
  const start = source.search(/^export class EnvSchema\b[^{]*\{/m);
  if (start < 0) throw new Error('class EnvSchema not found in src/config/env.schema.ts');
  // The class body ends at the first closing brace at the start of a line.
  const rest = source.slice(start);
  const end = rest.search(/^\}/m);
  const body = (end < 0 ? rest : rest.slice(0, end))
    .replace(/\/\*[\s\S]*?\*\//g, '') // block and JSDoc comments
    .replace(/\/\/.*$/gm, ''); // line comments
  const names = new Set<string>();
  // `  NAME = default;`, `  NAME?: type;`, `  NAME!: type;`, `  NAME: type = default;`, optionally
  // after modifiers; decorator lines start with @ and object keys inside decorators are lower case.
  const property =
    /^[ \t]+(?:(?:public|readonly|declare|override)\s+)*([A-Z][A-Z0-9_]*)\s*[?!]?\s*(?::|=|;)/gm;
  for (const m of body.matchAll(property)) names.add(m[1]!);
  return [...names].sort();
}

/** Variables written as `NAME=value` or `# NAME=value` lines in .env.example. */
function documentedVariables(text: string): string[] {
  const names = new Set<string>();
  for (const m of text.matchAll(/^[ \t]*(?:#[ \t]*)?(?:export[ \t]+)?([A-Z][A-Z0-9_]*)=/gm)) names.add(m[1]!);
  return [...names].sort();
}

/** `${VAR}`, `${VAR:-x}`, `${VAR:?msg}`, `$VAR` references in a compose value. */
function interpolated(value: string): string[] {
  const names: string[] = [];
  for (const m of value.matchAll(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)[^}]*\}|([A-Za-z_][A-Za-z0-9_]*))/g)) {
    if (m.index! > 0 && value[m.index! - 1] === '$') continue; // $$ escapes a literal $
    names.push((m[1] ?? m[2])!);
  }
  return names;
}

/** A compose `environment:` as a map, whether written as a mapping or as a list of NAME=value. */
function environmentOf(service: Record<string, any>): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((entry: string) => {
        const i = entry.indexOf('=');
        return i < 0 ? [entry, ''] : [entry.slice(0, i), entry.slice(i + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

/** The instructions of the last stage of a Dockerfile, continuation lines joined, comments dropped. */
function finalStage(dockerfile: string): { instruction: string; args: string }[] {
  const lines = dockerfile
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [, instruction, args] = /^(\S+)\s*(.*)$/.exec(l)!;
      return { instruction: instruction!.toUpperCase(), args: args!.trim() };
    });
  const lastFrom = lines.map((l) => l.instruction).lastIndexOf('FROM');
  expect(lastFrom).toBeGreaterThanOrEqual(0);
  return lines.slice(lastFrom);
}

/** ENV instructions as a map: both `ENV A=1 B=2` and the legacy `ENV A 1` form. */
function envOf(stage: { instruction: string; args: string }[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { args } of stage.filter((l) => l.instruction === 'ENV')) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(args)) {
      const [name, ...value] = args.split(/\s+/);
      env[name!] = value.join(' ');
      continue;
    }
    for (const m of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g)) {
      env[m[1]!] = m[2]!.replace(/^(["'])(.*)\1$/, '$2');
    }
  }
  return env;
}

const schemaSource = read('src/config/env.schema.ts');
const SCHEMA = schemaVariables(schemaSource);
const DOCUMENTED = documentedVariables(read('.env.example'));
const compose = parse(read('docker/docker-compose.yml')) as { services?: Record<string, any> };
const services = compose.services ?? {};
const dockerfile = read('docker/Dockerfile');

describe('environment variables', () => {
  it('the parser finds every property of EnvSchema (cross-checked with class-validator metadata)', () => {
    const decorated = new Set(
      getMetadataStorage()
        .getTargetValidationMetadatas(EnvSchema, '', true, false)
        .map((m) => m.propertyName),
    );
    expect(SCHEMA.length).toBeGreaterThan(10);
    expect(SCHEMA).toEqual([...decorated].sort());
  });

  it('.env.example documents every variable of env.schema.ts', () => {
    expect(SCHEMA.filter((v) => !DOCUMENTED.includes(v))).toEqual([]);
  });

  it('.env.example documents no variable that env.schema.ts does not have', () => {
    expect(DOCUMENTED.filter((v) => !SCHEMA.includes(v))).toEqual([]);
  });

  it('.env.example has a comment above every variable and no uncommented secret', () => {
    const lines = read('.env.example').split(/\r?\n/);
    lines.forEach((line, i) => {
      const m = /^[ \t]*(?:#[ \t]*)?([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
      if (!m) return;
      // The nearest line above that is not itself a variable must be a comment.
      let j = i - 1;
      while (j >= 0 && /^[ \t]*#?[ \t]*[A-Z][A-Z0-9_]*=/.test(lines[j]!)) j--;
      expect({ variable: m[1], commented: j >= 0 && /^[ \t]*#/.test(lines[j]!) }).toEqual({
        variable: m[1],
        commented: true,
      });
      if (['JWT_SECRET', 'APP_SECRET_KEY', 'ADMIN_PASSWORD', 'DATABASE_URL', 'REDIS_URL'].includes(m[1]!)) {
        // A secret is either commented out or left empty, never shipped with a value.
        expect({ variable: m[1], value: /^\s*#/.test(line) ? '' : m[2]!.trim() }).toEqual({
          variable: m[1],
          value: '',
        });
      }
    });
  });
});

describe('docker/docker-compose.yml', () => {
  it('defines postgres, redis and app', () => {
    expect(Object.keys(services)).toEqual(expect.arrayContaining(['postgres', 'redis', 'app']));
    expect(String(services.postgres.image)).toMatch(/^postgres:15\b/);
    expect(String(services.redis.image)).toMatch(/^redis:7\b/);
  });

  it('gives postgres and redis a healthcheck', () => {
    for (const name of ['postgres', 'redis']) {
      const test = services[name].healthcheck?.test;
      expect({ service: name, test: Array.isArray(test) ? test.join(' ') : String(test ?? '') }).toEqual({
        service: name,
        test: expect.stringMatching(name === 'postgres' ? /pg_isready/ : /redis-cli.*ping/),
      });
    }
  });

  it('starts app only once postgres and redis are healthy', () => {
    const dependsOn = services.app.depends_on;
    expect(Array.isArray(dependsOn)).toBe(false); // the list form cannot carry a condition
    expect(dependsOn.postgres?.condition).toBe('service_healthy');
    expect(dependsOn.redis?.condition).toBe('service_healthy');
  });

  it('builds app from the repository root with docker/Dockerfile and publishes 8000', () => {
    const app = services.app;
    expect(app.build?.context).toBe('..');
    expect(app.build?.dockerfile).toBe('docker/Dockerfile');
    expect((app.ports ?? []).map(String)).toContain('8000:8000');
    expect((app.volumes ?? []).map(String).some((v: string) => /:\/data(:|$)/.test(v))).toBe(true);
  });

  it('points app at the postgres and redis services', () => {
    const env = environmentOf(services.app);
    expect(env.DATABASE_URL).toMatch(/^postgres(ql)?:\/\/[^@]+@postgres:5432\/\w+$/);
    expect(env.REDIS_URL).toMatch(/^redis:\/\/redis:6379(\/\d+)?$/);
  });

  it('requires JWT_SECRET and APP_SECRET_KEY from the environment', () => {
    const env = environmentOf(services.app);
    expect(env.JWT_SECRET).toMatch(/^\$\{JWT_SECRET:\?[^}]+\}$/);
    expect(env.APP_SECRET_KEY).toMatch(/^\$\{APP_SECRET_KEY:\?[^}]+\}$/);
  });

  it('sets only variables the app reads, and documents every one it interpolates', () => {
    const env = environmentOf(services.app);
    expect(Object.keys(env).filter((k) => !SCHEMA.includes(k))).toEqual([]);
    const used = Object.values(env).flatMap(interpolated);
    expect(used.length).toBeGreaterThan(0);
    expect([...new Set(used)].filter((v) => !DOCUMENTED.includes(v))).toEqual([]);
  });
});

describe('docker/Dockerfile', () => {
  const stage = finalStage(dockerfile);
  const args = (instruction: string) => stage.filter((l) => l.instruction === instruction).map((l) => l.args);

  it('is multi-stage on node:20 and builds with npm ci + npm run build', () => {
    expect((dockerfile.match(/^FROM\s/gim) ?? []).length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/node:20-bookworm-slim/);
    expect(dockerfile).toMatch(/RUN npm ci\b/);
    expect(dockerfile).toMatch(/RUN npm run build\b/);
    expect(args('RUN').join('\n')).toMatch(/npm ci\b(?=.*--omit=dev)(?=.*--ignore-scripts)/);
    expect(args('COPY').some((a) => /--from=\S+/.test(a) && /\bdist\b/.test(a))).toBe(true);
  });

  it('copies into the build stage every script `npm run build` runs', () => {
    const build = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts.build!;
    const scripts = build.match(/\bscripts\/[\w.-]+/g) ?? [];
    expect(scripts.length).toBeGreaterThan(0);
    const copied = dockerfile
      .split(/\r?\n/)
      .filter((l) => /^COPY\s/i.test(l) && !/--from=/.test(l))
      .flatMap((l) => l.trim().split(/\s+/).slice(1, -1));
    for (const script of scripts)
      expect(copied.filter((c) => c === script || c === 'scripts')).not.toEqual([]);
  });

  it('runs as a non-root user', () => {
    const users = args('USER');
    expect(users.length).toBeGreaterThan(0);
    const user = users.at(-1)!.split(':')[0]!;
    expect(['root', '0']).not.toContain(user);
  });

  it('has a HEALTHCHECK against /api/v1/system/health', () => {
    const checks = args('HEALTHCHECK');
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatch(/\bCMD\b/);
    expect(checks[0]).toMatch(/127\.0\.0\.1/);
    expect(checks[0]).toMatch(/\/api\/v1\/system\/health/);
  });

  it('exposes 8000', () => {
    expect(args('EXPOSE').flatMap((a) => a.split(/\s+/))).toEqual(
      expect.arrayContaining([expect.stringMatching(/^8000(\/tcp)?$/)]),
    );
  });

  it('runs node dist/src/main.js', () => {
    const cmd = args('CMD').at(-1) ?? '';
    const words: string[] = cmd.startsWith('[') ? (JSON.parse(cmd) as string[]) : cmd.split(/\s+/);
    expect(words).toEqual(['node', 'dist/src/main.js']);
  });

  it('listens on all interfaces at 8000 and keeps its state in the /data volume', () => {
    const env = envOf(stage);
    expect(env).toMatchObject({ HOST: '0.0.0.0', PORT: '8000', DATA_DIR: '/data', NODE_ENV: 'production' });
    expect(args('VOLUME').join(' ')).toMatch(/\/data\b/);
  });

  it('sets only variables the app reads (besides the standard ones)', () => {
    const env = Object.keys(envOf(stage)).filter(
      (k) => !['PATH', 'NODE_VERSION', 'YARN_VERSION'].includes(k),
    );
    expect(env.filter((k) => !SCHEMA.includes(k))).toEqual([]);
  });
});

describe('.dockerignore', () => {
  it('keeps local state and dependencies out of the build context', () => {
    const entries = read('.dockerignore')
      .split(/\r?\n/)
      .map((l) => l.trim().replace(/^\/|\/$/g, ''))
      .filter((l) => l && !l.startsWith('#'));
    expect(entries).toEqual(expect.arrayContaining(['node_modules', 'dist', 'data', '.git', 'coverage']));
  });
});
