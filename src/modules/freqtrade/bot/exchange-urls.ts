import { existsSync } from 'node:fs';
import path from 'node:path';
import type { JsonObject } from '../../../common/types/json.js';
import { rewriteApiUrls } from '../../../infra/exchange/url-overrides.js';
import { runCommand } from '../../../infra/process/run-command.js';

// Prints ccxt's REST `urls.api` of one exchange as JSON, from the very ccxt the bot imports.
const PRINT_URLS = `import json, sys, ccxt
print(json.dumps(getattr(ccxt, sys.argv[1])().urls.get("api")))`;

export { rewriteApiUrls };

const cache = new Map<string, Promise<unknown>>();

async function ccxtApiUrls(bin: string, exchange: string, env: Record<string, string>): Promise<unknown> {
  const python = path.join(path.dirname(bin), 'python');
  if (existsSync(python)) {
    const r = await runCommand(python, ['-c', PRINT_URLS, exchange], { env, timeoutMs: 60_000 });
    if (r.code === 0) return JSON.parse(r.stdout.trim()) as unknown;
  }
  // FREQTRADE_BIN outside a venv: our own ccxt knows the same keys (same code generator, maybe newer).
  const ccxt = (await import('ccxt')) as unknown as { default?: Record<string, unknown> } & Record<
    string,
    unknown
  >;
  const mod = (ccxt.default ?? ccxt) as Record<string, new () => { urls: { api: unknown } }>;
  const Ctor = mod[exchange];
  if (!Ctor) throw new Error(`ccxt does not know the exchange "${exchange}"`);
  return new Ctor().urls.api;
}

/** The `urls.api` override for a bot, or null when EXCHANGE_URL_OVERRIDES does not name its exchange. */
export async function exchangeUrlOverrides(
  bin: string,
  exchange: string,
  overrides: Readonly<Record<string, string>>,
  env: Record<string, string>,
): Promise<JsonObject | null> {
  const base = overrides[exchange];
  if (!base) return null;
  const key = `${bin}\0${exchange}`;
  let urls = cache.get(key);
  if (!urls) {
    urls = ccxtApiUrls(bin, exchange, env);
    cache.set(key, urls);
    urls.catch(() => cache.delete(key));
  }
  const rewritten = rewriteApiUrls(await urls, base);
  return (typeof rewritten === 'string' ? { public: rewritten } : rewritten) as JsonObject;
}
