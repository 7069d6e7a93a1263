import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { JsonObject } from '../../../common/types/json.js';
import { runCommand } from '../../../infra/process/run-command.js';
import { redactSecrets } from '../bot/log-redaction.js';

export interface DownloadInput {
  bin: string;
  env: Record<string, string>;
  workdir: string;
  exchange: string;
  pairs: string[];
  timeframes: string[];
  /** `YYYYMMDD-[YYYYMMDD]`. */
  timerange: string;
  ccxtConfig: JsonObject;
  signal?: AbortSignal;
  onLine?: (line: string) => void;
}

export class DownloadFailed extends Error {
  override name = 'DownloadFailed';
}

/**
 * `freqtrade download-data` into a directory of its own, in json format; answers the data directory.
 * only_from_ccxt: freqtrade otherwise fetches Binance's small timeframes from a hard-coded archive
 * host that neither URL overrides nor proxies reach (freqtrade-reference §8.3).
 */
export async function downloadCandles(i: DownloadInput): Promise<string> {
  const userDir = path.join(i.workdir, 'user_data');
  const dataDir = path.join(i.workdir, 'data', i.exchange.toLowerCase());
  await rm(i.workdir, { recursive: true, force: true });
  await mkdir(userDir, { recursive: true, mode: 0o700 });
  await mkdir(dataDir, { recursive: true });
  const configFile = path.join(i.workdir, 'config.json');
  const config: JsonObject = {
    dry_run: true,
    stake_currency: i.pairs[0]!.split('/')[1]!,
    exchange: {
      name: i.exchange,
      key: '',
      secret: '',
      pair_whitelist: i.pairs,
      only_from_ccxt: true,
      ccxt_config: { options: { fetchMarkets: { types: ['spot'] } }, ...i.ccxtConfig },
    },
    pairlists: [{ method: 'StaticPairList' }],
  };
  // May hold proxy credentials.
  await writeFile(configFile, JSON.stringify(config), { mode: 0o600 });
  const r = await runCommand(
    i.bin,
    [
      'download-data',
      '--config',
      configFile,
      '--userdir',
      userDir,
      '--datadir',
      dataDir,
      '--exchange',
      i.exchange,
      '--pairs',
      ...i.pairs,
      '--timeframes',
      ...i.timeframes,
      '--timerange',
      i.timerange,
      '--data-format-ohlcv',
      'json',
      '--no-color',
    ],
    {
      env: { ...i.env, TZ: 'UTC', COLUMNS: '200' },
      cwd: i.workdir,
      signal: i.signal,
      timeoutMs: 60 * 60_000,
      keepLines: 60,
      onLine: (l) => i.onLine?.(redactSecrets(l)),
    },
  );
  const tail = r.tail.map(redactSecrets);
  if (r.aborted) throw new DownloadFailed('download cancelled');
  if (r.code !== 0) {
    const errors = tail
      .filter((l) => / - (ERROR|CRITICAL) - /.test(l))
      .map((l) => l.replace(/^.* - (ERROR|CRITICAL) - /, ''));
    throw new DownloadFailed(
      `freqtrade download-data failed: ${errors.slice(-3).join('; ') || tail.slice(-3).join(' | ')}`,
    );
  }
  return dataDir;
}

export function yyyymmdd(d: Date): string {
  return d.toISOString().slice(0, 10).replaceAll('-', '');
}
