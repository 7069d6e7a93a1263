// @mongodb-js/socksv5 ships no types; only what the test proxies use.
declare module '@mongodb-js/socksv5' {
  import type { Server } from 'node:net';
  interface ConnectionInfo {
    srcAddr: string;
    srcPort: number;
    dstAddr: string;
    dstPort: number;
  }
  type Accept = (intercept?: boolean) => unknown;
  type Deny = () => void;
  interface SocksServer extends Server {
    useAuth(auth: unknown): this;
  }
  const socks: {
    createServer(onConnection: (info: ConnectionInfo, accept: Accept, deny: Deny) => void): SocksServer;
    auth: {
      None(): unknown;
      UserPassword(check: (user: string, password: string, cb: (ok: boolean) => void) => void): unknown;
    };
  };
  export default socks;
}
