/** Fails the whole e2e run up front, with one clear message, when a prerequisite is missing. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CHROMIUM_PATH } from './helpers/browser.js';
import { REPO_ROOT } from './helpers/server.js';

export default function setup(): void {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `e2e: Chromium not found at ${CHROMIUM_PATH}. Install it (Debian: apt-get install chromium) or set ` +
        'BEACON_CHROMIUM. The suite fails rather than skips without a browser.',
    );
  }
  if (!existsSync(join(REPO_ROOT, 'dist/web/index.html'))) {
    throw new Error('e2e: dist/web is not built. Run `npm run test:e2e` (it builds first) or `npm run build:web`.');
  }
}
