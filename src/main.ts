// `node dist/src/main.js`: starts the server from the bundle `npm run build` makes (a start on
// PostgreSQL then takes about a quarter of the CPU time, see startup/server-bundle.ts), or from the
// compiled modules when there is none, as after a bare `nest build` or under `nest start --watch`.
// The embedded database begins to open before either is loaded.
import { openEarlyDatabase } from './startup/early-database.js';
import { loadServerBundle } from './startup/server-bundle.js';

const early = openEarlyDatabase();
const bundle = loadServerBundle();
(bundle ? bundle.exports : await import('./server.js')).startServer(early);
