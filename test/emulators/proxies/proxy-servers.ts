import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import socks from '@mongodb-js/socksv5';
import { createProxy } from 'proxy';

/** Loopback proxies for tests: SOCKS5 and HTTP (CONNECT + forward), optionally with credentials. */
export interface TestProxy {
  port: number;
  /** Destination host names the proxy was asked for (proves where DNS resolved). */
  destinations: string[];
  /** `host:port` of every tunnel opened (SOCKS, CONNECT) and request forwarded (absolute-URI HTTP). */
  targets: string[];
  close(): Promise<void>;
}

export interface Credentials {
  username: string;
  password: string;
}

export interface ProxyServerOptions {
  /** Listen on this port (bring a killed proxy back where it was); default any free port. */
  port?: number;
}

export async function startSocks5Proxy(
  auth?: Credentials,
  opts: ProxyServerOptions = {},
): Promise<TestProxy> {
  const destinations: string[] = [];
  const server = socks.createServer((info, accept) => {
    destinations.push(info.dstAddr);
    proxy.targets.push(`${info.dstAddr}:${info.dstPort}`);
    accept();
  });
  server.useAuth(
    auth
      ? socks.auth.UserPassword((u, p, cb) => cb(u === auth.username && p === auth.password))
      : socks.auth.None(),
  );
  const proxy = await listen(server, destinations, opts.port);
  return proxy;
}

export async function startHttpProxy(auth?: Credentials, opts: ProxyServerOptions = {}): Promise<TestProxy> {
  const destinations: string[] = [];
  const server = createProxy(createServer());
  server.on('connect', (req) => {
    destinations.push(String(req.url).split(':')[0] ?? '');
    proxy.targets.push(String(req.url));
  });
  server.on('request', (req) => {
    const url = new URL(String(req.url), 'http://invalid');
    destinations.push(url.hostname);
    proxy.targets.push(`${url.hostname}:${url.port || 80}`);
  });
  server.authenticate = (req) => {
    if (!auth) return true;
    const header = req.headers['proxy-authorization'] ?? '';
    const expected = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
    return header === expected;
  };
  const proxy = await listen(server, destinations, opts.port);
  return proxy;
}

async function listen(
  server: Server | import('node:net').Server,
  destinations: string[],
  port = 0,
): Promise<TestProxy> {
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const sockets = new Set<import('node:net').Socket>();
  // The SOCKS server re-emits 'connection' with its own arguments; its TCP server is `_srv`.
  const tcp = ((server as unknown as { _srv?: import('node:net').Server })._srv ??
    server) as import('node:net').Server;
  tcp.on('connection', (s: import('node:net').Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return {
    port: (server.address() as AddressInfo).port,
    destinations,
    targets: [],
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
