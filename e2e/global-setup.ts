/** Fails the whole e2e run up front, with one clear message, when a prerequisite is missing. */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromiumExecutable } from './helpers/browser.js';
import { REPO_ROOT } from './helpers/server.js';

/** The parts the suite runs (scripts/build-lib.mjs): a missing or stale one would test old code. */
const PARTS = ['web', 'sdk', 'server'] as const;

export default async function setup(): Promise<void> {
  // Unpacks the packaged Chromium once, before the suites start (a few seconds on first use).
  await chromiumExecutable();
  const lib = (await import(pathToFileURL(join(REPO_ROOT, 'scripts/build-lib.mjs')).href)) as { state(part: string): 'current' | 'stale' | 'missing' };
  const notCurrent = PARTS.filter((part) => lib.state(part) !== 'current');
  if (notCurrent.length > 0) {
    throw new Error(`e2e: the ${notCurrent.join(', ')} build is missing or older than its sources. Run \`npm run test:e2e\` or \`node scripts/e2e.mjs <files>\` (both build what is needed first), or \`node scripts/build.mjs ${notCurrent.join(' ')}\`.`);
  }
}
