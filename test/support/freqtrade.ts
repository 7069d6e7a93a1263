import { describe } from '@jest/globals';

/**
 * The freqtrade executable for the real-freqtrade suites, installed once into
 * ~/.cache/btc-watcher by scripts/ensure-freqtrade.mjs (npm test runs it). Unset: those suites are
 * skipped, and the runner says so (or fails, with REQUIRE_SERVICES=true).
 */
export const FREQTRADE_BIN = process.env.FREQTRADE_TEST_BIN || undefined;

export const describeIfFreqtrade = FREQTRADE_BIN ? describe : describe.skip;

/**
 * A newer stable freqtrade (2025.9) for the version-switch suites, installed the same way
 * (`FREQTRADE_TEST_VERSION=2025.9 node scripts/ensure-freqtrade.mjs`; npm test does it after the
 * first). Unset: those suites are skipped.
 */
export const FREQTRADE_NEXT_BIN = process.env.FREQTRADE_TEST_NEXT_BIN || undefined;

export const describeIfTwoFreqtrades = FREQTRADE_BIN && FREQTRADE_NEXT_BIN ? describe : describe.skip;
