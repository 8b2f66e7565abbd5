#!/usr/bin/env node
// Installs Beacon into examples/pong-site from the packed tarballs (dist/packages/*.tgz,
// made by `npm run pack`), as a site would install them from a registry: the example's
// package.json names the tarballs. Dev tools (vitest, tsx, typescript) come from the root.
// better-sqlite3 is the one dependency linked from the root instead of being compiled again
// (a from-source build takes minutes); its version is the one the root's lock pins.
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { at } from './build-lib.mjs';

const EXAMPLE = at('examples/pong-site');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
for (const name of ['server', 'client', 'elements']) {
  const tarball = at(`dist/packages/beacon-presence-${name}-0.1.0.tgz`);
  if (!existsSync(tarball)) throw new Error(`${tarball} is missing: run \`npm run pack\` first`);
}
// A clean install every time: a tarball with the same name but new contents must replace the old one.
rmSync(`${EXAMPLE}/node_modules`, { recursive: true, force: true });
const started = Date.now();
execFileSync(
  npm,
  ['install', '--prefer-offline', '--ignore-scripts', '--omit=dev', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', at('node_modules/better-sqlite3')],
  { cwd: EXAMPLE, stdio: 'inherit' },
);
console.log(`example: Beacon installed from dist/packages/*.tgz in ${((Date.now() - started) / 1000).toFixed(1)} s`);
