/**
 * How tests that start Beacon as a child process run it: the compiled build
 * (`dist/server/main.js`, what `npm start` runs) when it is current, else the sources through
 * tsx. Both run the same code; the build starts ~1 s sooner and uses less CPU while it does,
 * which the cluster files (dozens of starts beside the unit suite) feel most. `npm test` builds
 * the server before these files run (its first step); a stale or missing build is never used.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = join(import.meta.dirname, '..', '..');
const lib = (await import(pathToFileURL(join(ROOT, 'scripts/build-lib.mjs')).href)) as { state(part: string): 'current' | 'stale' | 'missing' };

/** Node's arguments to start the server, checked once per test process. */
export const SERVER_ENTRY: readonly string[] = lib.state('server') === 'current' ? [join(ROOT, 'dist/server/main.js')] : ['--import', 'tsx', 'src/server/main.ts'];
