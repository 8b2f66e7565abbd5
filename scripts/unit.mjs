#!/usr/bin/env node
/**
 * Runs the Vitest suite as two processes side by side: the multi-instance files of
 * test/cluster (real Beacon processes, Redis outages, kill -9, graces: minutes of waiting on
 * real timers, little CPU), two files at a time, and every other file, three at a time.
 * Files are not isolated from each other (vitest.config.ts): each worker imports the app once,
 * not once per file. Exits non-zero when either run fails. With arguments (files, options),
 * one plain `vitest run` with them.
 *
 * Why these counts (2-core box, 2026-12-06, `/usr/bin/time`): the rest is not CPU-bound. Alone,
 * two at a time it took 492 s and three at a time 297 s using 1.3 cores (most files wait on
 * graces, timeouts and PostgreSQL). The cluster lane one file at a time took 526 s (cluster.test.ts
 * alone 287 s), the longest of the two. Side by side, the cluster lane two at a time and the rest
 * three at a time: 308 s and 417 s, so the step took 418 s instead of 526 s.
 */
import { all, vitest } from './side-by-side.mjs';

/**
 * The lane of real processes on real timers: test/cluster, and the files that start Beacon
 * processes of their own and wait on their logs and exits (logging, shutdown). Moving those two
 * here (~60 s, one file at a time) evened the lanes: the rest had run ~100 s past the cluster
 * files in CI (361 s against 256 s).
 */
const SLOW = ['test/cluster/', 'test/integration/logging.test.ts', 'test/integration/shutdown.test.ts'];
const extra = process.argv.slice(2);
const runs =
  extra.length > 0
    ? [[[vitest, 'run', ...extra], 'unit']]
    : [
        [[vitest, 'run', '--maxWorkers=2', ...SLOW], 'cluster'],
        [[vitest, 'run', '--maxWorkers=3', ...SLOW.flatMap((path) => ['--exclude', path.endsWith('/') ? `${path}**` : path])], 'unit'],
      ];
// exitCode, not exit(): exit() drops output still queued for a pipe (the failures printed again last).
process.exitCode = await all(runs);
