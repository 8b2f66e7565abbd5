import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// End-to-end suite: a real server child process and real Chromium. One file at a time: two at
// a time saved ~2 minutes of CI but made timing-bound pages flaky on 2 cores (the drop-in host
// page fell back to polling in one CI run); scripts/e2e.mjs runs the idle files beside them.
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
