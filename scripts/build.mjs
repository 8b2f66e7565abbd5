#!/usr/bin/env node
// `npm run build`: compiles the server to dist/server (tsc) and builds the front end into
// dist/web (Vite). `node scripts/build.mjs web` builds one part; `--if-needed` skips parts
// whose output is current (see build-lib.mjs).
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { PARTS, ROOT, STAMP, at, readStamp, sourceHash, state, toolchainInstalled } from './build-lib.mjs';

const ifNeeded = process.argv.includes('--if-needed');
const named = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const parts = named.length > 0 ? named : Object.keys(PARTS);

for (const part of parts) {
  const spec = PARTS[part];
  if (!spec) throw new Error(`unknown build part "${part}" (expected ${Object.keys(PARTS).join(' or ')})`);
  if (ifNeeded && state(part) === 'current') continue;
  if (!toolchainInstalled(part)) {
    console.error(`beacon: cannot build ${part}: ${spec.tool} is not installed (dev dependencies). Run \`npm ci && npm run build\` first.`);
    process.exit(1);
  }
  console.log(`beacon: building ${part}…`);
  const hash = sourceHash(part);
  for (const dir of spec.clean) rmSync(at(dir), { recursive: true, force: true });
  execFileSync(process.execPath, [at(spec.tool), ...spec.args], { cwd: ROOT, stdio: 'inherit' });
  const stamp = readStamp();
  stamp[part] = hash;
  mkdirSync(dirname(STAMP), { recursive: true });
  writeFileSync(STAMP, `${JSON.stringify(stamp, null, 2)}\n`);
}
