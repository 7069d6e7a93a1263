import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  startHttpProxy,
  startSocks5Proxy,
  type TestProxy,
} from '../../../test/emulators/proxies/proxy-servers.js';
import { OutboundHttpError } from './outbound-http.port.js';
import type { ProxyEndpoint } from './proxy-endpoint.js';
import { UndiciOutboundHttp } from './undici-outbound-http.js';

// The password every proxy library gets wrong somewhere (channels-reference.md §10a).
const creds = { username: 'u$er', password: 'p@ss:w/rd%' };

describe('UndiciOutboundHttp', () => {
  let target: Server;
  let targetUrl: string;
  let socksProxy: TestProxy;
  let httpProxy: TestProxy;
  const http = new UndiciOutboundHttp();

  beforeAll(async () => {
    target = createServer((req, res) => {
      if (req.url === '/slow') {
        const t = setTimeout(() => res.end('late'), 2000);
        return void req.socket.on('close', () => clearTimeout(t));
      }
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ path: req.url }));
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    targetUrl = `http://localhost:${(target.address() as AddressInfo).port}`;
    socksProxy = await startSocks5Proxy(creds);
    httpProxy = await startHttpProxy(creds);
  });

  afterAll(async () => {
    await http.close();
    target.closeAllConnections();
    await new Promise((r) => target.close(r));
    await socksProxy.close();
    await httpProxy.close();
  });

  const endpoint = (type: ProxyEndpoint['type'], port: number, password = creds.password): ProxyEndpoint => ({
    id: null,
    type,
    host: '127.0.0.1',
    port,
    username: creds.username,
    password,
  });

  it('goes direct', async () => {
    const res = await http.request({ url: `${targetUrl}/api/v3/ping` });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ path: '/api/v3/ping' });
  });

  it('tunnels through SOCKS5 with a password that needs percent-encoding, resolving at the proxy', async () => {
    const res = await http.request({ url: `${targetUrl}/x`, proxy: endpoint('socks5', socksProxy.port) });
    expect(res.status).toBe(200);
    expect(socksProxy.destinations).toContain('localhost');
  });

  it('tunnels through an HTTP proxy with the same password', async () => {
    const res = await http.request({ url: `${targetUrl}/y`, proxy: endpoint('http', httpProxy.port) });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ path: '/y' });
  });

  it.each([
    ['socks5', () => socksProxy.port],
    ['http', () => httpProxy.port],
  ] as const)('names a wrong %s password as proxy_auth and never echoes it', async (type, port) => {
    const err = await http
      .request({ url: `${targetUrl}/z`, proxy: endpoint(type, port(), 'wrong-secret'), timeoutMs: 3000 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutboundHttpError);
    expect((err as OutboundHttpError).stage).toBe('proxy_auth');
    expect((err as Error).message).not.toContain('wrong-secret');
  });

  it('names a dead proxy as proxy_connect', async () => {
    const dead = await startSocks5Proxy();
    const port = dead.port;
    await dead.close();
    const err = (await http
      .request({ url: targetUrl, proxy: endpoint('socks5', port) })
      .catch((e: unknown) => e)) as OutboundHttpError;
    expect(err.stage).toBe('proxy_connect');
  });

  it('tunnels to an HTTPS target with CONNECT and names an untrusted certificate as tls', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'btcw-tls-'));
    try {
      // A self-signed certificate: the handshake through the tunnel must fail at the TLS stage.
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-days',
          '1',
          '-subj',
          '/CN=localhost',
          '-keyout',
          path.join(dir, 'key.pem'),
          '-out',
          path.join(dir, 'cert.pem'),
        ],
        { stdio: 'ignore' },
      );
      const tls = createHttpsServer(
        { key: readFileSync(path.join(dir, 'key.pem')), cert: readFileSync(path.join(dir, 'cert.pem')) },
        (_, res) => res.end('{}'),
      );
      await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
      try {
        const port = (tls.address() as AddressInfo).port;
        const before = httpProxy.targets.length;
        const err = (await http
          .request({ url: `https://localhost:${port}/api/v3/ping`, proxy: endpoint('http', httpProxy.port) })
          .catch((e: unknown) => e)) as OutboundHttpError;
        expect(err.stage).toBe('tls');
        expect(httpProxy.targets.slice(before)).toEqual([`localhost:${port}`]);
      } finally {
        tls.closeAllConnections();
        await new Promise((r) => tls.close(r));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('times out with the stage named', async () => {
    const err = (await http
      .request({ url: `${targetUrl}/slow`, timeoutMs: 200 })
      .catch((e: unknown) => e)) as OutboundHttpError;
    expect(err.stage).toBe('timeout');
  });
});
