import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { ModulesContainer, Reflector } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { API_PREFIX, createApp } from '../../src/app.factory.js';
import { IS_PUBLIC, SUPERUSER_ONLY } from '../../src/common/auth/decorators.js';
import { loadConfig } from '../../src/config/app-config.js';

const SNAPSHOT = path.resolve('test/route-auth.snapshot.txt');

/**
 * Every route with its access rule, compared to the committed test/route-auth.snapshot.txt.
 * A change to that file is a change in who may call what: review it as one. To accept a reviewed
 * change, run this file with UPDATE_ROUTE_SNAPSHOT=1 and commit the file.
 */
describe('route auth inventory', () => {
  let app: NestFastifyApplication;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'btcw-routes-'));
    ({ app } = await createApp(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' }), { preview: true }));
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  function inventory(): string[] {
    // Preview mode instantiates no provider (so no DiscoveryService); the module graph is there.
    const reflector = new Reflector();
    const lines: string[] = [];
    const controllers = [...app.get(ModulesContainer).values()].flatMap((m) => [...m.controllers.values()]);
    for (const wrapper of controllers) {
      const cls = wrapper.metatype as (new (...args: never[]) => unknown) | undefined;
      if (!cls) continue;
      const base = String(Reflect.getMetadata(PATH_METADATA, cls) ?? '');
      for (const name of Object.getOwnPropertyNames(cls.prototype)) {
        const handler = (cls.prototype as Record<string, unknown>)[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        const sub = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
        if (method === undefined || sub === undefined) continue;
        const targets = [handler as () => void, cls];
        const access = reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)
          ? 'PUBLIC'
          : reflector.getAllAndOverride<boolean>(SUPERUSER_ONLY, targets)
            ? 'SUPERUSER'
            : 'AUTHENTICATED';
        const url = ['', API_PREFIX, base, sub].join('/').replace(/\/+/g, '/').replace(/\/$/, '');
        lines.push(
          `${RequestMethod[method].padEnd(6)} ${url.padEnd(40)} ${access.padEnd(13)} ${cls.name}.${name}`,
        );
      }
    }
    return lines.sort();
  }

  it('matches the reviewed snapshot', () => {
    const current = inventory().join('\n') + '\n';
    if (process.env.UPDATE_ROUTE_SNAPSHOT === '1') writeFileSync(SNAPSHOT, current);
    let committed = '';
    try {
      committed = readFileSync(SNAPSHOT, 'utf8');
    } catch {
      /* a missing snapshot fails below, showing what it should say */
    }
    expect(current).toBe(committed);
  });

  it('finds the routes (the inventory itself works)', () => {
    const lines = inventory();
    expect(lines.length).toBeGreaterThanOrEqual(8);
    expect(lines.find((l) => l.includes('/api/v1/auth/login'))).toContain('PUBLIC');
    expect(lines.find((l) => l.includes('/api/v1/auth/me ') && l.startsWith('GET'))).toContain(
      'AUTHENTICATED',
    );
    expect(lines.find((l) => l.includes('/api/v1/system/logs'))).toContain('SUPERUSER');
  });
});
