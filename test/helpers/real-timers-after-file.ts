/**
 * Setup file of the Vitest suite (vitest.config.ts `setupFiles`, run for each test file). Files
 * share their worker (`isolate: false`), so a file that turns on fake timers and never turns them
 * off leaves them to every file after it in that worker: setTimeout never fires there. It did
 * (test/unit/client/unavailable-reason.test.ts, 2026-12-07): a later file's wait on a timer hung
 * until its test timed out, and a PostgreSQL query meant to pass its 300 ms bound was answered
 * (the bound's timer was fake). After each file, real timers are back, whatever the file did.
 */
import { afterAll, vi } from 'vitest';

afterAll(() => {
  vi.useRealTimers();
});
