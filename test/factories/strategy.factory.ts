/** Shared fixtures of the strategy suites. */
export const STRATEGIES_API = '/api/v1/strategies';

/** Python source defining `class <name>(IStrategy):` for each name. */
export const pySource = (...classes: string[]) =>
  [
    'from freqtrade.strategy import IStrategy',
    '',
    ...classes.map((c) => `\nclass ${c}(IStrategy):\n    timeframe = "5m"\n`),
  ].join('\n');

/** strategies/sample.py, defining SampleStrategy. */
export const SAMPLE_PY = pySource('SampleStrategy');

/** A complete config that passes every rule, against strategies/sample.py. */
export const validConfig = (overrides: Record<string, unknown> = {}) => ({
  strategy_class: 'SampleStrategy',
  strategy_file: 'sample.py',
  timeframe: '5m',
  pair_whitelist: ['BTC/USDT', 'ETH/USDT'],
  ...overrides,
});

/** What the server fills into every stored config. */
export const CONFIG_DEFAULTS = {
  exchange: 'binance',
  signal_thresholds: { strong_threshold: 80, medium_threshold: 50, weak_threshold: 20 },
  strength_column: 'signal_strength',
  default_strength: 50,
};
