// The Binance emulator in a child process of its own (forked by bench/lib/freqtrade.mjs), so its
// request handling neither shares the event loop of the app being measured nor counts in its RSS
// and CPU time. argv[2] is a JSON { preset, symbols, seed }:
//   preset 'level-cross': every symbol's 1m closes alternate 98 / 106 by minute (odd minutes 106),
//     so test/fixtures/strategies/LevelCross.py signals on every closed candle;
//   preset 'walk': every symbol follows the emulator's seeded random walk.
// IPC: sends { type: 'ready', url }; answers { type: 'requests' } with { type: 'requests', requests }
// (path, query, arrival time by Date.now()).
import { startBinanceEmulator } from '../../test/emulators/binance/server.mjs';

const MINUTE = 60_000;
const { preset, symbols, seed = 0 } = JSON.parse(process.argv[2]);
const levelCross = (openTime) => ({ close: Math.floor(openTime / MINUTE) % 2 === 1 ? 106 : 98 });

const emu = await startBinanceEmulator({
  markets: symbols,
  series:
    preset === 'level-cross'
      ? symbols.map((symbol) => ({ symbol, interval: '1m', generate: levelCross }))
      : [],
  walkPeriodMs: 40 * MINUTE,
  seed,
});

process.on('message', (m) => {
  if (m?.type === 'requests')
    process.send({
      type: 'requests',
      requests: emu.requests.map((r) => ({ path: r.path, query: r.query, time: r.time, status: r.status })),
    });
});
// The parent going away (even by SIGKILL) ends us: no orphan emulator.
process.on('disconnect', () => void emu.close().finally(() => process.exit(0)));
process.send({ type: 'ready', url: emu.url });
