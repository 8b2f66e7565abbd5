#!/usr/bin/env node
/**
 * `npm test`: every suite, grouped for a 2-core machine. First, side by side: lint (tsc and
 * ESLint), the example Pong site's tests against the packed tarballs, and the benchmark's
 * smoke run (200 users, light; it compiles the server when needed, into dist/server, which
 * nothing else in this step writes, and the e2e suite reuses). Then the Vitest suite
 * (scripts/unit.mjs: the cluster files beside the rest) and the end-to-end suite in Chromium
 * (scripts/e2e.mjs), one after the other. Stops at the first step that fails, with its exit code.
 *
 * The example goes before the Vitest suite because it packs dist/packages (`npm run pack --
 * --if-needed`), which test/packages then finds current and reuses: packing beside the Vitest
 * suite would race with it, and e2e/pong-site.e2e.ts needs the example installed.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { all, root } from './side-by-side.mjs';

/** npm's own CLI, run with this Node (as `npm test` did). */
const NPM_CLI = [process.env.npm_execpath, join(dirname(process.execPath), '../lib/node_modules/npm/bin/npm-cli.js')].find(
  (p) => p && p.endsWith('.js') && existsSync(p),
);
const npm = (...args) => {
  if (!NPM_CLI) throw new Error('scripts/test.mjs: cannot find npm-cli.js; run it as `npm test`');
  return [NPM_CLI, ...args];
};

/** One step with its output as is; resolves to its exit code. */
function step(args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit', env: process.env });
    child.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const steps = [
  () => all([
    [['scripts/lint.mjs'], 'lint'],
    [npm('run', '--silent', 'test:example'), 'example'],
    [npm('run', '--silent', 'bench', '--', '--smoke'), 'bench'],
  ]),
  () => step(['scripts/unit.mjs']),
  () => step(npm('run', 'test:e2e')),
];
// exitCode, not exit(): exit() drops output still queued for a pipe (the failures printed again last).
for (const next of steps) {
  const code = await next();
  if (code !== 0) {
    process.exitCode = code;
    break;
  }
}
