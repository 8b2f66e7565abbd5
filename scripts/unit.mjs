#!/usr/bin/env node
/**
 * Runs the Vitest suite as two processes side by side: the multi-instance files of
 * test/cluster (real Beacon processes, Redis outages, kill -9, graces: about three minutes
 * of waiting on real timers and about half a core) and every other file, two at a time.
 * Vitest's default on 2 cores is one at a time, which kept the second core idle: the rest
 * is CPU-bound (255 s of CPU in 300 s alone); with two workers and the cluster files beside
 * it, it ran in 235 s here. Exits non-zero when either run fails. With arguments (files,
 * options), one plain `vitest run` with them.
 */
import { all, vitest } from './side-by-side.mjs';

const SLOW = 'test/cluster/';
const extra = process.argv.slice(2);
const runs =
  extra.length > 0
    ? [[[vitest, 'run', ...extra], 'unit']]
    : [
        [[vitest, 'run', SLOW], 'cluster'],
        [[vitest, 'run', '--maxWorkers=2', '--exclude', `${SLOW}**`], 'unit'],
      ];
process.exit(await all(runs));
