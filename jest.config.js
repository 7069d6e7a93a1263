// Jest 30 in native ESM mode (run with node --experimental-vm-modules), TypeScript through SWC.
// content-disposition and cookie are ESM-only packages that CommonJS dependencies require()
// (@fastify/static, light-my-request, engine.io): Jest must turn them into CommonJS itself.
const swc = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    keepClassNames: true,
    target: 'es2023',
  },
  module: { type: 'es6' },
  sourceMaps: 'inline',
};
const toCommonJs = {
  jsc: { parser: { syntax: 'ecmascript' }, target: 'es2023' },
  module: { type: 'commonjs' },
};
const ESM_ONLY_DEPS = '(content-disposition|cookie)';

const base = {
  testEnvironment: 'node',
  setupFiles: ['reflect-metadata'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', swc],
    [`/node_modules/${ESM_ONLY_DEPS}/.+\\.js$`]: ['@swc/jest', toCommonJs],
  },
  transformIgnorePatterns: [`/node_modules/(?!${ESM_ONLY_DEPS}/)`],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
};

export default {
  // Per-project testTimeout is ignored by Jest 30; the e2e suites boot whole applications.
  testTimeout: 60_000,
  // Each e2e file boots whole applications; run in band, the heap of one process grows past 4 GB
  // over the run. A limit puts the files in a worker that is replaced whenever it grows beyond it.
  workerIdleMemoryLimit: '1536MB',
  projects: [
    {
      ...base,
      displayName: 'unit',
      rootDir: '.',
      // The emulators' own tests need no database: they run with the unit tests.
      roots: ['<rootDir>/src', '<rootDir>/test/emulators'],
      testMatch: ['**/*.spec.ts'],
    },
    {
      ...base,
      displayName: 'e2e',
      rootDir: '.',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.e2e-spec.ts', '**/*.int-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.mjs',
      globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
    },
  ],
};
