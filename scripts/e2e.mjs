#!/usr/bin/env node
/**
 * Runs the e2e suite. First it builds what the suite runs (the web app, the SDK bundles and
 * the compiled server) when they are missing or older than their sources, and unpacks the
 * packaged Chromium once, so runs side by side never race for either.
 *
 * Then four vitest processes side by side, each one file at a time (e2e/vitest.config.ts):
 * - two `waiting` lanes: the idle-detection, "Still there?", input-while-offline and schedule
 *   files, ~2 minutes each, nearly all of it waiting on the app's and the server's real timers;
 * - `quiet`: the QUIET files, pages checked for what they show, without a deadline of their own
 *   that a busy machine could miss (their waits are 5 s and more for what takes well under a
 *   second);
 * - `e2e`: every other file, among them every page whose test depends on the app's timing
 *   (reconnects, heartbeats, retries, fallbacks to polling). It is the one lane of such pages:
 *   two of them side by side made them flaky on 2 cores (the drop-in host page fell back to
 *   polling in one CI run).
 * Measured on the 2-core box (2026-12-06, `/usr/bin/time node scripts/e2e.mjs`): with three
 * lanes (the four waiting files in one) the run took 493 s: waiting 491 s, e2e 392 s, quiet
 * 354 s. With five (the quiet files split in two as well) 454 s, every Chromium lane slowed by
 * the others (quiet halves ~300 s each instead of ~180, the e2e lane 450 s, load 13): the
 * pages do compete for the CPU, the waiting files barely. So four: the waiting files in two
 * lanes, the rest as before.
 *
 * Exits non-zero when any run fails. With arguments (files, options), one run of vitest with them.
 */
import { all, run, vitest } from './side-by-side.mjs';

const e2e = (name) => `e2e/${name}.e2e.ts`;
/** ~125 s each, waiting on the app's real timers (idle 90 s, probe 20 s) or the server's at 0.15 × the product's. */
const WAITING_1 = ['idle', 'input-while-offline'].map(e2e);
/** ~125 s and ~110 s: the "Still there?" file waits like idle's; the schedule pages (functional, no timing of their own) fill the lane. */
const WAITING_2 = ['still-there', 'schedule'].map(e2e);
/** Functional pages with no timing of their own (no reconnects, no going offline), ~350 s in all. */
const QUIET = [
  'friend-menu',
  'ui-states',
  'account',
  'blocks',
  'account-security',
  'pong-site',
  'play-page',
  'request-notice',
  'display-name',
  'notifications',
  'shared-browser',
  'pending-tab',
  'lookalike-names',
  'contained-text',
  'friend-request-sync',
  'login-lockout',
  'friend-category-sync',
  'last-seen',
  'renames',
  'pending-names',
  'emoji-picker',
  'invitation-received',
  'history-heatmap',
  'friends-tab-address',
  'schedule-unsaved',
  'calendar-time',
  'usual-hours-live',
  'last-seen-order',
  'bidi-dates',
].map(e2e);
const NOT_TIMING_BOUND = [...WAITING_1, ...WAITING_2, ...QUIET];

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
          [[vitest, ...config, ...WAITING_1], 'waiting'],
          [[vitest, ...config, ...WAITING_2], 'waiting-2'],
          [[vitest, ...config, ...QUIET], 'quiet'],
          [[vitest, ...config, ...excluding(NOT_TIMING_BOUND)], 'e2e'],
        ];
  return all(runs);
}

// exitCode, not exit(): exit() drops output still queued for a pipe (the failures printed again last).
process.exitCode = await main();
