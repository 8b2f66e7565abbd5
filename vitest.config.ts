import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Store and cluster suites share the machine's PostgreSQL and Redis; each suite
    // uses its own schema / key prefix, so files may still run in parallel.
    pool: 'forks',
  },
});
