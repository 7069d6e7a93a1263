// A measuring instrument, not a client library: HTTP/1.1 GETs over one keep-alive connection, one at
// a time, each answer read to its last byte and counted, never decoded. It does per request about
// what wrk does (write a prepared request, find the head, count Content-Length bytes), so the time
// it reports is the server's and the loopback's, with next to nothing of its own: a JavaScript HTTP
// client allocates per response, and its collections land in the very samples it times.
import net from 'node:net';
import { once } from 'node:events';

const HEAD_END = Buffer.from('\r\n\r\n');

/** Connects to `url`'s host; resolves with { get(path) → Promise<{ status, bytes }>, close() }. */
export async function rawHttpClient(url, headers = {}) {
  const { hostname, port } = new URL(url);
  const socket = net.connect({ host: hostname, port: Number(port), noDelay: true });
  await once(socket, 'connect');
  const extra = Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  const prepared = new Map();
  let current = null;
  let head = null;

  const fail = (err) => {
    if (!current) return;
    const { reject } = current;
    current = null;
    reject(err);
  };
  socket.on('error', fail);
  socket.on('close', () => fail(new Error('the server closed the connection')));
  socket.on('data', (chunk) => {
    if (!current) return fail(new Error('bytes arrived with no request in flight'));
    let body = chunk;
    if (current.need === null) {
      head = head ? Buffer.concat([head, chunk]) : chunk;
      const at = head.indexOf(HEAD_END);
      if (at < 0) return;
      const text = head.toString('latin1', 0, at);
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(text);
      if (!length) return fail(new Error(`no Content-Length in ${JSON.stringify(text.slice(0, 200))}`));
      current.status = Number(text.slice(9, 12));
      current.need = Number(length[1]);
      body = head.subarray(at + HEAD_END.length);
      head = null;
    }
    current.got += body.length;
    if (current.got > current.need) return fail(new Error('more bytes than Content-Length'));
    if (current.got === current.need) {
      const { resolve, status, got } = current;
      current = null;
      resolve({ status, bytes: got });
    }
  });

  return {
    get(path) {
      if (current) return Promise.reject(new Error('one request at a time'));
      let request = prepared.get(path);
      if (!request) {
        request = Buffer.from(`GET ${path} HTTP/1.1\r\nhost: ${hostname}:${port}\r\n${extra}\r\n`, 'latin1');
        prepared.set(path, request);
      }
      return new Promise((resolve, reject) => {
        current = { resolve, reject, need: null, got: 0, status: 0 };
        socket.write(request);
      });
    },
    close() {
      socket.destroy();
    },
  };
}
