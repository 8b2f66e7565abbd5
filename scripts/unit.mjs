#!/usr/bin/env node
/**
 * Runs the Vitest suite as two processes side by side: the multi-instance files of
 * test/cluster (real Beacon processes, Redis outages, kill -9, graces: about three minutes
 * of waiting on real timers and about half a core) and every other file, two at a time.
 * Vitest's default on 2 cores is one at a time, which kept the second core idle: the rest
 * is CPU-bound. Files are not isolated from each other (vitest.config.ts): each worker
 * imports the app once, not once per file. On the AMD machine the rest ran in 351 s with
 * isolation and 274 s without, the cluster files beside it. Exits non-zero when either run
 * fails. With arguments (files, options), one plain `vitest run` with them.
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
        [[vitest, 'run', ...SLOW], 'cluster'],
        [[vitest, 'run', '--maxWorkers=2', ...SLOW.flatMap((path) => ['--exclude', path.endsWith('/') ? `${path}**` : path])], 'unit'],
      ];
// exitCode, not exit(): exit() drops output still queued for a pipe (the failures printed again last).
process.exitCode = await all(runs);
