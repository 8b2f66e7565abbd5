#!/usr/bin/env node
// `npm start`: builds what is missing or stale (never what is current), then runs the
// compiled server, dist/server/main.js, in this process: no TypeScript loader at run time.
// On a production install (`npm ci --omit=dev`) there is nothing to build with: a missing
// build stops the start, a stale one runs with a warning.
import { execFileSync } from 'node:child_process';
import { PARTS, at, state, toolchainInstalled } from './build-lib.mjs';

const todo = [];
for (const part of Object.keys(PARTS)) {
  const s = state(part);
  if (s === 'current') continue;
  if (toolchainInstalled(part)) todo.push(part);
  else if (PARTS[part].optional) console.warn(`beacon: ${PARTS[part].output} is ${s} and the build tools are not installed; starting without it.`);
  else if (s === 'stale') console.warn(`beacon: the ${part} build is older than its sources, and the build tools are not installed; running it as built.`);
  else {
    console.error(`beacon: ${PARTS[part].output} is missing and the build tools are not installed: run \`npm run build\` where dev dependencies are installed.`);
    process.exit(1);
  }
}
if (todo.length > 0) execFileSync(process.execPath, [at('scripts/build.mjs'), ...todo], { stdio: 'inherit' });
await import('../dist/server/main.js');
