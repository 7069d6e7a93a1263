import { describe } from '@jest/globals';

/**
 * The freqtrade executable for the real-freqtrade suites, installed once into
 * ~/.cache/btc-watcher by scripts/ensure-freqtrade.mjs (npm test runs it). Unset: those suites are
 * skipped, and the runner says so (or fails, with REQUIRE_SERVICES=true).
 */
export const FREQTRADE_BIN = process.env.FREQTRADE_TEST_BIN || undefined;

export const describeIfFreqtrade = FREQTRADE_BIN ? describe : describe.skip;
