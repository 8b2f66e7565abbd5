#!/usr/bin/env node
// `npm run pack`: builds the three npm packages with tsdown (tsdown.config.ts), puts the
// single-file SDK bundles into the server package (it serves them at /sdk/*.js), and packs
// each into dist/packages/*.tgz with `npm pack`. Prints and records (dist/packages/sizes.json)
// the packed and unpacked sizes.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, at } from './build-lib.mjs';

export const PACKAGES = ['server', 'client', 'elements'];
const OUT = at('dist/packages');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

execFileSync(process.execPath, [at('node_modules/tsdown/dist/run.mjs'), '--config', 'tsdown.config.ts', '--log-level', 'warn'], {
  cwd: ROOT,
  stdio: 'inherit',
});
mkdirSync(at('packages/server/dist/sdk'), { recursive: true });
for (const name of ['beacon-client.js', 'beacon-elements.js']) {
  copyFileSync(at(`dist/sdk/${name}`), at(`packages/server/dist/sdk/${name}`));
}

rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
const sizes = [];
for (const name of PACKAGES) {
  const json = execFileSync(npm, ['pack', '--json', '--pack-destination', OUT], { cwd: at(`packages/${name}`), encoding: 'utf8' });
  const [info] = JSON.parse(json);
  sizes.push({ name: info.name, file: info.filename, packed: info.size, unpacked: info.unpackedSize, files: info.entryCount });
}
writeFileSync(join(OUT, 'sizes.json'), `${JSON.stringify(sizes, null, 2)}\n`);
const kb = (n) => `${(n / 1000).toFixed(1)} kB`; // as npm prints them
for (const s of sizes) console.log(`${s.file}: ${kb(s.packed)} packed, ${kb(s.unpacked)} unpacked, ${s.files} files`);
