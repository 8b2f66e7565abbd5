#!/usr/bin/env node
// `npm run pack`: builds the three npm packages with tsdown (tsdown.config.ts), puts the
// single-file SDK bundles into the server package (it serves them at /sdk/*.js), and packs
// each into dist/packages/*.tgz with `npm pack`. Prints and records (dist/packages/sizes.json)
// the packed and unpacked sizes.
//
// `--if-needed` packs only when the tarballs are missing or their sources changed since they
// were packed (a content hash in dist/packages/stamp.json, as `npm run build --if-needed`): `npm
// test` packs once for the example site and test/packages reuses the tarballs (tsdown with
// declarations is the slowest build here).
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, at, hashOf } from './build-lib.mjs';

export const PACKAGES = ['server', 'client', 'elements'];
const OUT = at('dist/packages');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
/** What the tarballs are made from: the sources, each package's manifest and README, the build's config and scripts, and the locked dependencies. */
const SOURCES = ['src', 'tsdown.config.ts', 'tsconfig.json', 'package.json', 'package-lock.json', 'scripts/pack-packages.mjs', 'scripts/build-lib.mjs', ...PACKAGES.flatMap((name) => [`packages/${name}/package.json`, `packages/${name}/README.md`])];
const tarball = (name) => join(OUT, `beacon-presence-${name}-0.1.0.tgz`);

/** The hash the tarballs were packed from; a file of its own (not build.mjs's stamp), so a build beside a pack never overwrites it. */
const STAMP = join(OUT, 'stamp.json');
const packedFrom = () => {
  try {
    return JSON.parse(readFileSync(STAMP, 'utf8')).sources;
  } catch {
    return null;
  }
};

const hash = hashOf(SOURCES);
if (process.argv.includes('--if-needed') && packedFrom() === hash && PACKAGES.every((name) => existsSync(tarball(name)))) {
  console.log('pack: dist/packages is current (sources unchanged since it was packed)');
  process.exit(0);
}

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
writeFileSync(STAMP, `${JSON.stringify({ sources: hash }, null, 2)}\n`);
const kb = (n) => `${(n / 1000).toFixed(1)} kB`; // as npm prints them
for (const s of sizes) console.log(`${s.file}: ${kb(s.packed)} packed, ${kb(s.unpacked)} unpacked, ${s.files} files`);
