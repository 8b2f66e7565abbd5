/** Fails the whole e2e run up front, with one clear message, when a prerequisite is missing. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromiumExecutable } from './helpers/browser.js';
import { REPO_ROOT } from './helpers/server.js';

export default async function setup(): Promise<void> {
  // Unpacks the packaged Chromium once, before the suites start (a few seconds on first use).
  await chromiumExecutable();
  if (!existsSync(join(REPO_ROOT, 'dist/web/index.html'))) {
    throw new Error('e2e: dist/web is not built. Run `npm run test:e2e` (it builds first) or `npm run build:web`.');
  }
  if (!existsSync(join(REPO_ROOT, 'dist/sdk/beacon-elements.js'))) {
    throw new Error('e2e: dist/sdk is not built. Run `npm run test:e2e` (it builds first) or `node scripts/build.mjs sdk`.');
  }
}
