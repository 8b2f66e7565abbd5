#!/usr/bin/env node
/**
 * Runs the e2e suite as vitest processes side by side: each idle-detection file (idle and
 * "Still there?"), which spends about two minutes waiting on the app's real timers and little
 * CPU, in a run of its own, and every other file, one at a time (e2e/vitest.config.ts).
 * Chromium is unpacked once first, so the runs never race to unpack it. Exits non-zero when
 * any run fails. With arguments (files, options), one run of vitest with them.
 */
import { all, run, vitest } from './side-by-side.mjs';

const SLOW = ['e2e/idle.e2e.ts', 'e2e/still-there.e2e.ts'];
const extra = process.argv.slice(2);

// Unpack the packaged Chromium once (global-setup does it too, but two at once would race).
const unpack = await run(['--import', 'tsx', '-e', "await (await import('./e2e/helpers/browser.ts')).chromiumExecutable()"], 'setup');
if (unpack !== 0) process.exit(unpack);

const config = ['run', '--config', 'e2e/vitest.config.ts', ...extra];
// Asked for particular files or options: one run, as asked.
const runs =
  extra.length > 0
    ? [[[vitest, ...config], 'e2e']]
    : [
        ...SLOW.map((file) => [[vitest, ...config, file], file.replace(/^e2e\/|\.e2e\.ts$/g, '')]),
        [[vitest, ...config, ...SLOW.flatMap((file) => ['--exclude', file])], 'e2e'],
      ];
process.exit(await all(runs));
