import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// End-to-end suite: a real server child process and real Chromium. Two files at a time:
// each starts its own server (free port, temporary database) and browser, and a file spends
// most of its time waiting on the page, so two share the machine's two cores without
// crowding each other (scripts/e2e.mjs runs the idle files beside them). Timeouts cover a
// cold Chromium start.
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('..', import.meta.url)),
    include: ['e2e/**/*.e2e.ts'],
    globalSetup: ['e2e/global-setup.ts'],
    environment: 'node',
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
    // A worker imports Playwright and the helpers once, not once per file (as vitest.config.ts).
    isolate: false,
    testTimeout: 90_000,
    hookTimeout: 120_000,
  },
});
