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
    // Each worker imports the app's modules once, not once per file: per-file isolation cost
    // ~1.5 s of imports per file (265 s summed over 178 files, a third of the suite's time).
    // Files share nothing by design: each builds its own app, database, schema or key prefix
    // from the helpers, and no file changes process-wide state it does not put back (stubbed
    // globals and env are undone after every test below).
    isolate: false,
    unstubGlobals: true,
    unstubEnvs: true,
    // Fake timers a file leaves on are turned off after it (the helper says why).
    setupFiles: ['test/helpers/real-timers-after-file.ts'],
  },
});
