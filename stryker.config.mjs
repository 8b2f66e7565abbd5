// Mutation testing (issue 9, point 7b): `npm run test:mutation`.
// One folder: `npm run test:mutation -- --mutate "src/server/presence/**/*.ts"`.
// Scores and the mutants that remain on purpose: docs/mutation.md.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  mutate: [
    'src/server/presence/**/*.ts',
    'src/server/status/**/*.ts',
    'src/server/realtime/**/*.ts',
    'src/client/**/*.ts',
    // Types and re-exports only: nothing to mutate.
    '!src/server/presence/types.ts',
    '!src/server/status/presence-deps.ts',
    '!src/client/presence-types.ts',
    '!src/client/index.ts',
  ],
  coverageAnalysis: 'perTest',
  // The machine has 2 cores shared with other work.
  concurrency: 2,
  // A mutant that hangs is killed by timeout; the tests under mutation run in about a second.
  timeoutMS: 5_000,
  incremental: true,
  incrementalFile: 'reports/mutation/stryker-incremental.json',
  reporters: ['clear-text', 'json', 'progress-append-only'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  thresholds: { high: 90, low: 75, break: null },
};
