#!/usr/bin/env node
/**
 * Runs the e2e suite. First it builds what the suite runs (the web app, the SDK bundles and
 * the compiled server) when they are missing or older than their sources, and unpacks the
 * packaged Chromium once, so runs side by side never race for either.
 *
 * Then three vitest processes side by side, each one file at a time (e2e/vitest.config.ts):
 * - `waiting`: the idle-detection file, then the "Still there?" file: about two minutes each of
 *   waiting on the app's real timers, with little CPU; and the schedule pages (functional, no
 *   timing of their own, ~100 s), which evened the lanes (CI under load, 2026-12-05: waiting
 *   288 s, quiet 454 s, e2e 550 s before);
 * - `quiet`: the QUIET files: pages checked for what they show, without a deadline of their own
 *   that a busy machine could miss (their waits are 5 s and more for what takes well under a
 *   second);
 * - `e2e`: every other file, among them every page whose test depends on the app's timing
 *   (reconnects, heartbeats, retries, fallbacks to polling). At most one other busy page
 *   runs beside them: two such lanes side by side made them flaky on 2 cores.
 * The two waiting files shared a lane with the quiet ones before, and the idle file had one of
 * its own that sat empty for the last four minutes of the run: now the three lanes end within
 * about a minute of each other (CI, 2026-12-05: waiting 254 s, quiet ~290 s, e2e ~300 s, under load).
 * The page-layout file (ui-states, ~30 s) moved to the quiet lane when the e2e lane ran ~100 s
 * past it (2026-12-05, late: e2e 377 s, waiting 353 s, quiet 261 s).
 *
 * Exits non-zero when any run fails. With arguments (files, options), one run of vitest with them.
 */
import { all, run, vitest } from './side-by-side.mjs';

const IDLE = 'e2e/idle.e2e.ts';
const STILL_THERE = 'e2e/still-there.e2e.ts';
/** In the waiting lane too (one file at a time, in Vitest's order): functional, no timing of its own. */
const AFTER_WAITING = 'e2e/schedule.e2e.ts';
/**
 * In the waiting lane as well: two cases of ~62 s, nearly all of it waiting on the server's timers
 * at 0.15 × the product's. In the e2e lane it made that lane the longest by ~150 s (CI on a slow
 * box, 2026-12-06: e2e 574 s, quiet 418 s, waiting 393 s); here the lanes come to ~445, ~418 and
 * ~520 s.
 */
const INPUT_WHILE_OFFLINE = 'e2e/input-while-offline.e2e.ts';
const WAITING = [IDLE, STILL_THERE, AFTER_WAITING, INPUT_WHILE_OFFLINE];
/** Functional pages with no timing of their own (no reconnects, no going offline), beside the timing-bound lane. */
const QUIET = [
  'account-security',
  'friend-menu',
  'notifications',
  'shared-browser',
  'friend-request-sync',
  'lookalike-names',
  'last-seen',
  'contained-text',
  'login-lockout',
  'friend-category-sync',
  'pending-names',
  'play-page',
  'renames',
  'pending-tab',
  'display-name',
  'account',
  'request-notice',
  'pong-site',
  'ui-states',
  'blocks',
].map((name) => `e2e/${name}.e2e.ts`);

const extra = process.argv.slice(2);

/** Builds, unpacks Chromium, then runs the files; the exit code of the first that fails (0: all passed). */
async function main() {
  const build = await run(['scripts/build.mjs', 'web', 'sdk', 'server', '--if-needed'], 'build');
  if (build !== 0) return build;
  // Unpack the packaged Chromium once (global-setup does it too, but two at once would race).
  const unpack = await run(['--import', 'tsx', '-e', "await (await import('./e2e/helpers/browser.ts')).chromiumExecutable()"], 'setup');
  if (unpack !== 0) return unpack;

  const config = ['run', '--config', 'e2e/vitest.config.ts'];
  const excluding = (files) => files.flatMap((file) => ['--exclude', file]);
  // Asked for particular files or options: one run, as asked.
  const runs =
    extra.length > 0
      ? [[[vitest, ...config, ...extra], 'e2e']]
      : [
          [[vitest, ...config, ...WAITING], 'waiting'],
          [[vitest, ...config, ...QUIET], 'quiet'],
          [[vitest, ...config, ...excluding([...WAITING, ...QUIET])], 'e2e'],
        ];
  return all(runs);
}

// exitCode, not exit(): exit() drops output still queued for a pipe (the failures printed again last).
process.exitCode = await main();
