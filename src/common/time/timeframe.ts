const UNIT_MS: Record<string, number> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  M: 2_592_000_000,
};

/** A freqtrade/ccxt timeframe in ms: `5m` → 300000, `1M` → 30 days; unknown → null. */
export function timeframeMs(tf: string): number | null {
  const m = /^(\d+)([smhdwM])$/.exec(tf);
  return m && Number(m[1]) > 0 ? Number(m[1]) * UNIT_MS[m[2]!]! : null;
}
