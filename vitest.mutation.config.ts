import { defineConfig } from 'vitest/config';

/**
 * The fast unit tests that cover the folders under mutation (see stryker.config.mjs).
 * No database, Redis or socket server: Stryker reruns these once per mutant.
 */
export default defineConfig({
  test: {
    include: [
      'test/unit/presence/**/*.test.ts',
      'test/unit/status/**/*.test.ts',
      'test/unit/realtime/**/*.test.ts',
      'test/unit/client/**/*.test.ts',
      // Unit tests of status helpers that live under test/unit/server (activity details).
      'test/unit/server/**/*.test.ts',
    ],
    environment: 'node',
    testTimeout: 20_000,
    pool: 'forks',
  },
});
