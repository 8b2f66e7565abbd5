#!/usr/bin/env node
/**
 * Runs the Vitest suite as two processes side by side: the multi-instance files of
 * test/cluster (real Beacon processes, Redis outages, kill -9, graces: about three minutes
 * of waiting on real timers and little CPU) and every other file, one at a time as before
 * (Vitest's default on 2 cores). Exits non-zero when either run fails. With arguments
 * (files, options), one plain `vitest run` with them.
 */
import { all, vitest } from './side-by-side.mjs';

const SLOW = 'test/cluster/';
const extra = process.argv.slice(2);
const runs =
  extra.length > 0
    ? [[[vitest, 'run', ...extra], 'unit']]
    : [
        [[vitest, 'run', SLOW], 'cluster'],
        [[vitest, 'run', '--exclude', `${SLOW}**`], 'unit'],
      ];
process.exit(await all(runs));
