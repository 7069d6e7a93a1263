import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A package index's JSON API for one project, PyPI's format (`GET /pypi/<name>/json`):
 * `{"info": {"name", "version"}, "releases": {"<version>": [{filename, upload_time,
 * upload_time_iso_8601, yanked, requires_python, packagetype}]}}`. Releases can be changed while it
 * runs (a new release comes out); `down` makes it answer 503 like an index having a bad day.
 */
export interface IndexRelease {
  version: string;
  /** ISO time of the upload. */
  uploaded: string;
  yanked?: boolean;
}

export interface PackageIndexEmulator {
  url: string;
  /** The JSON API URL for `name` (FREQTRADE_INDEX_URL). */
  jsonUrl(name?: string): string;
  releases: IndexRelease[];
  down: boolean;
  /** Paths requested, in order. */
  requests: string[];
  close(): Promise<void>;
}

export async function startPackageIndex(releases: IndexRelease[]): Promise<PackageIndexEmulator> {
  const state = { releases, down: false, requests: [] as string[] };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    state.requests.push(url.pathname);
    const m = /^\/pypi\/([^/]+)\/json\/?$/.exec(url.pathname);
    if (state.down) {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('Service Unavailable');
      return;
    }
    if (!m || req.method !== 'GET') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"message": "Not Found"}');
      return;
    }
    const name = m[1];
    const files = (r: IndexRelease) =>
      ['py3-none-any.whl', 'tar.gz'].map((ext) => ({
        filename: `${name}-${r.version}${ext === 'tar.gz' ? '.tar.gz' : `-${ext}`}`,
        packagetype: ext === 'tar.gz' ? 'sdist' : 'bdist_wheel',
        requires_python: '>=3.11',
        upload_time: r.uploaded.replace(/\.\d+Z$|Z$/, ''),
        upload_time_iso_8601: r.uploaded,
        yanked: r.yanked ?? false,
      }));
    const stable = state.releases.filter((r) => /^\d{4}\.\d+(\.\d+)?$/.test(r.version));
    const body = {
      info: { name, version: stable[stable.length - 1]?.version ?? null },
      releases: Object.fromEntries(state.releases.map((r) => [r.version, files(r)])),
    };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    jsonUrl: (name = 'freqtrade') => `${url}/pypi/${name}/json`,
    get releases() {
      return state.releases;
    },
    set releases(r: IndexRelease[]) {
      state.releases = r;
    },
    get down() {
      return state.down;
    },
    set down(d: boolean) {
      state.down = d;
    },
    requests: state.requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
