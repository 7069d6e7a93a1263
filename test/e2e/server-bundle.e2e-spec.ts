import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createDataDir } from '../support/databases.js';
import {
  ROOT,
  api,
  killLeftovers,
  login,
  startServer,
  type ServerProcess,
} from '../support/server-process.js';

/**
 * `npm run build` bundles the server into dist/server/server.js with a V8 code cache, and
 * `node dist/src/main.js` runs that bundle. It must be the same server: the OpenAPI document it
 * serves (built from the Swagger plugin's output and the decorators' metadata) is the committed one,
 * the Swagger UI's files (outside the bundle) are found, and a login works end to end.
 * (process-lifecycle.e2e-spec.ts runs its restarts, kill -9 and CLI against the same build.)
 */
describe('server bundle (npm run build)', () => {
  let data: { dir: string; remove(): void };
  let server: ServerProcess;

  beforeAll(async () => {
    data = createDataDir({ withDatabase: true });
    server = await startServer({
      DATA_DIR: data.dir,
      ADMIN_USERNAME: 'admin',
      ADMIN_PASSWORD: 'admin-pass-123',
    });
  });

  afterAll(async () => {
    await killLeftovers();
    data?.remove();
  }, 15_000);

  it('is built, fresh, and V8 takes its code cache', () => {
    const r = spawnSync(
      process.execPath,
      [path.join(ROOT, 'dist/src/tools/server-code-cache.js'), '--check'],
      {
        encoding: 'utf8',
      },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('serves the committed OpenAPI document and the Swagger UI with its assets', async () => {
    const res = await fetch(`${server.url}/docs-json`);
    expect(res.status).toBe(200);
    const committed: unknown = JSON.parse(readFileSync(path.join(ROOT, 'openapi/openapi.json'), 'utf8'));
    expect(await res.json()).toEqual(committed);

    const ui = await fetch(`${server.url}/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger-ui');
    const css = await fetch(`${server.url}/docs/swagger-ui.css`);
    expect(css.status).toBe(200);
    expect((await css.text()).length).toBeGreaterThan(1000);
  });

  it('logs in and reads /auth/me', async () => {
    const res = await login(server.url, 'admin', 'admin-pass-123');
    expect(res.status).toBe(200);
    const me = await api(server.url, 'GET', '/auth/me', { token: res.body.data.access_token });
    expect(me.status).toBe(200);
    expect(me.body.data.username).toBe('admin');
  });
});
