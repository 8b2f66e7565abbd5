#!/usr/bin/env node
// `npm run check:packages` (after `npm run pack`): publint (strict: warnings fail) and Are
// the Types Wrong on each tarball in dist/packages, all at once. The packages are ESM-only,
// so attw uses its `esm-only` profile (CommonJS `require` is not a goal). Exits 1 on any problem.
import { spawn } from 'node:child_process';
import { at } from './build-lib.mjs';

const TARBALLS = ['server', 'client', 'elements'].map((name) => at(`dist/packages/beacon-presence-${name}-0.1.0.tgz`));

function run(label, args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { env: { ...process.env, FORCE_COLOR: '0' } });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code) => resolve({ label, ok: code === 0, output: output.trim() }));
  });
}

const results = await Promise.all(
  TARBALLS.flatMap((tgz) => {
    const name = tgz.split('/').pop();
    return [
      run(`publint ${name}`, [at('node_modules/publint/src/cli.js'), 'run', tgz, '--strict']),
      run(`attw ${name}`, [at('node_modules/@arethetypeswrong/cli/dist/index.js'), tgz, '--profile', 'esm-only', '--format', 'table-flipped', '--no-emoji']),
    ];
  }),
);
for (const r of results) console.log(`--- ${r.label}: ${r.ok ? 'pass' : 'FAIL'}\n${r.output}\n`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
