import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import createClient from 'openapi-fetch';
import openapiTS, { astToString } from 'openapi-typescript';
import { ERROR_STATUS } from '../../src/common/errors/error-codes.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// Inside the repository so the generated client resolves openapi-fetch from node_modules.
const work = mkdtempSync(path.resolve('test/.tmp-openapi-'));

const CLIENT = `
import createClient from 'openapi-fetch';
import type { paths } from './api.js';

export async function loginAndReadMe(baseUrl: string, username: string, password: string) {
  const client = createClient<paths>({ baseUrl });
  const login = await client.POST('/api/v1/auth/login', { body: { username, password, remember_me: true } });
  if (!login.data) throw new Error(login.error?.error.code);
  const token: string = login.data.data.access_token;
  const type: 'bearer' = login.data.data.token_type;
  const me = await client.GET('/api/v1/auth/me', { headers: { Authorization: \`Bearer \${token}\` } });
  if (!me.data) throw new Error(me.error?.error.code);
  const name: string = me.data.data.username;
  const superuser: boolean = me.data.data.is_superuser;
  return { token, type, name, superuser };
}

export async function wrongUses(baseUrl: string) {
  const client = createClient<paths>({ baseUrl });
  // @ts-expect-error login needs a password
  await client.POST('/api/v1/auth/login', { body: { username: 'a' } });
  const res = await client.GET('/api/v1/system/health');
  // @ts-expect-error health has no such field
  return res.data?.data.no_such_field;
}
`;

/** Proves a client generated from the committed spec gets exact types, and that they match the server. */
describe('OpenAPI spec drives a typed client', () => {
  let t: TestApp;
  let baseUrl: string;

  beforeAll(async () => {
    const spec = JSON.parse(readFileSync('openapi/openapi.json', 'utf8')) as object;
    writeFileSync(path.join(work, 'api.ts'), astToString(await openapiTS(spec as never)));
    writeFileSync(path.join(work, 'client.ts'), CLIENT);
    t = await startTestApp({ mode: 'embedded' });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const address = t.app.getHttpServer().address();
    baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(async () => {
    await t?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('the generated types compile with the client, and reject wrong uses', () => {
    const tsconfig = path.join(work, 'tsconfig.json');
    writeFileSync(
      tsconfig,
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2023',
          lib: ['es2023', 'dom'],
          skipLibCheck: true,
          types: [],
        },
        files: ['client.ts'],
      }),
    );
    const r = spawnSync(process.execPath, [path.resolve('node_modules/typescript/bin/tsc'), '-p', tsconfig], {
      encoding: 'utf8',
    });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('the spec lists every error code of the error table, and every route answers with the error envelope', () => {
    const spec = JSON.parse(readFileSync('openapi/openapi.json', 'utf8')) as {
      components: {
        schemas: { ErrorEnvelope: { properties: { error: { properties: { code: { enum: string[] } } } } } };
      };
      paths: Record<
        string,
        Record<
          string,
          { responses: Record<string, { content?: { 'application/json'?: { schema?: { $ref?: string } } } }> }
        >
      >;
    };
    expect(spec.components.schemas.ErrorEnvelope.properties.error.properties.code.enum.sort()).toEqual(
      Object.keys(ERROR_STATUS).sort(),
    );
    for (const [route, ops] of Object.entries(spec.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        for (const status of ['400', '429', '500']) {
          expect([
            route,
            method,
            status,
            op.responses[status]?.content?.['application/json']?.schema?.$ref,
          ]).toEqual([route, method, status, '#/components/schemas/ErrorEnvelope']);
        }
      }
    }
  });

  it('the same calls work against the running server', async () => {
    const client = createClient<any>({ baseUrl });
    const login = await client.POST('/api/v1/auth/login', {
      body: { username: 'admin', password: 'admin-password-1' },
    });
    expect(login.response.status).toBe(200);
    const me = await client.GET('/api/v1/auth/me', {
      headers: { Authorization: `Bearer ${login.data.data.access_token}` },
    });
    expect(me.data.data).toMatchObject({ username: 'admin', is_superuser: true });
    const bad = await client.GET('/api/v1/auth/me', {});
    expect(bad.response.status).toBe(401);
    expect(bad.error.error.code).toBe('UNAUTHORIZED');
  });
});
