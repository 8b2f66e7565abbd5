#!/usr/bin/env node
// Builds the web front end into dist/web unless a build newer than every source file
// is already there (`npm start` must not rebuild what it has built). --force always builds.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const out = 'dist/web/index.html';
const sources = ['src/web', 'src/client', 'src/protocol', 'vite.config.ts'];

function newest(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

const force = process.argv.includes('--force');
if (!existsSync('src/web/index.html')) process.exit(0);
if (!force && existsSync(out) && statSync(out).mtimeMs >= Math.max(...sources.map(newest))) process.exit(0);
console.log('beacon: building the web front end…');
execFileSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'warn'], { stdio: 'inherit' });
