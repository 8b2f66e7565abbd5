import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// End-to-end suite: a real server child process and real Chromium. One file at a time per run:
// two runs of timing-bound pages side by side made them flaky on 2 cores (the drop-in host page
// fell back to polling in one CI run). scripts/e2e.mjs runs the idle files, and the pages with
// no timing of their own, beside the timing-bound ones.
// Timeouts cover a cold Chromium start.
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('..', import.meta.url)),
    include: ['e2e/**/*.e2e.ts'],
    globalSetup: ['e2e/global-setup.ts'],
    environment: 'node',
    pool: 'forks',
    fileParallelism: false,
    // A worker imports Playwright and the helpers once, not once per file (as vitest.config.ts).
    isolate: false,
    testTimeout: 90_000,
    hookTimeout: 120_000,
  },
});
