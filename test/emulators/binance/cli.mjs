#!/usr/bin/env node
// @ts-check
// Runs a Binance emulator for the demo and for manual use:
//   node test/emulators/binance/cli.mjs [--port 9901] [--host 127.0.0.1] [--symbols BTCUSDT,ETHUSDT]
//                                       [--interval 1m] [--seed 0] [--verbose]
// Every symbol follows a seeded random walk whose main swing lasts about 40 candles of --interval, so
// RSI-style strategies on that timeframe fire now and then. The first stdout line is the URL (for
// scripts); the rest goes to stderr. Ctrl-C or SIGTERM stops it.
import { parseArgs } from 'node:util';
import { intervalMs, isInterval } from './intervals.mjs';
import { startBinanceEmulator } from './server.mjs';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '9901' },
    host: { type: 'string', default: '127.0.0.1' },
    symbols: { type: 'string', default: 'BTCUSDT,ETHUSDT' },
    interval: { type: 'string', default: '1m' },
    seed: { type: 'string', default: '0' },
    verbose: { type: 'boolean', default: false },
  },
});

const port = Number(values.port);
const seed = Number(values.seed);
const interval = values.interval;
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be 0..65535, got ${values.port}`);
if (!Number.isInteger(seed)) fail(`--seed must be an integer, got ${values.seed}`);
if (!isInterval(interval)) fail(`--interval must be a Binance interval (1m, 5m, 1h, …), got ${interval}`);
const symbols = values.symbols
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);

/**
 * @param {string} message
 * @returns {never}
 */
function fail(message) {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

/** @type {import('./server.mjs').BinanceEmulator} */
let emu;
try {
  emu = await startBinanceEmulator({
    port,
    host: values.host,
    markets: symbols,
    walkPeriodMs: 40 * intervalMs(interval),
    seed,
    onRequest: values.verbose
      ? (r) =>
          process.stderr.write(
            `${new Date(r.time).toISOString()} ${r.status} ${r.method} ${r.path} ${new URLSearchParams(r.query)}\n`,
          )
      : undefined,
  });
} catch (err) {
  fail(`cannot start the Binance emulator: ${/** @type {Error} */ (err).message}`);
}
process.stdout.write(`${emu.url}\n`);
process.stderr.write(
  `Binance emulator on ${emu.url}: ${[...emu.data.markets.keys()].join(', ')}, random walk (one swing ≈ 40 ${interval} candles, seed ${seed})\n` +
    `  try ${emu.url}/api/v3/klines?symbol=${symbols[0]}&interval=${interval}&limit=5\n` +
    '  point ccxt at it by overriding every urls.api entry (see test/emulators/binance/README.md)\n',
);

for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.once(signal, () => {
    void emu.close().then(() => process.exit(0));
  });
}
