/**
 * Which real services this test run has. scripts/run-tests.mjs probes them and sets the variables;
 * a suite that needs one is skipped (and the runner says so) when it is absent, unless
 * REQUIRE_SERVICES=true, in which case the runner fails before any test starts.
 */
export const PG_ADMIN_URL = process.env.TEST_PG_URL || undefined;
export const REDIS_URL = process.env.TEST_REDIS_URL || undefined;

export type Mode = 'embedded' | 'postgres';

/** Modes an e2e suite runs in: always embedded, plus real PostgreSQL (+ Redis when present). */
export const MODES: Mode[] = PG_ADMIN_URL ? ['embedded', 'postgres'] : ['embedded'];

export const describeIfPg = PG_ADMIN_URL ? describe : describe.skip;
export const describeIfRedis = REDIS_URL ? describe : describe.skip;
