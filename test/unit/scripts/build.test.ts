/**
 * `npm start` builds only what is missing or stale, judged by a hash of the sources (not
 * modification times, which copies change), and without build tools (a production
 * install) never builds: a missing build stops it, a stale one runs with a warning.
 * Runs the real scripts in a scratch project with a stand-in build.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

interface BuildLib {
  state(part: string): 'current' | 'missing' | 'stale';
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A scratch project: the real scripts/, a few sources, and no node_modules (no build tools). */
function project(): string {
  const root = mkdtempSync(join(tmpdir(), 'beacon-build-'));
  dirs.push(root);
  cpSync('scripts', join(root, 'scripts'), { recursive: true });
  for (const [path, text] of Object.entries({
    'src/server/main.ts': 'export {};',
    'src/protocol/index.ts': 'export const A = 1;',
    'src/web/index.html': '<!doctype html>',
    'tsconfig.json': '{}',
    'tsconfig.build.json': '{}',
    'vite.config.ts': 'export default {};',
  })) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

/** Writes stand-in build output and a stamp for the current sources, as scripts/build.mjs would. */
async function fakeBuild(root: string): Promise<void> {
  const lib = (await import(join(root, 'scripts/build-lib.mjs'))) as BuildLib & { sourceHash(p: string): string };
  mkdirSync(join(root, 'dist/server'), { recursive: true });
  mkdirSync(join(root, 'dist/web'), { recursive: true });
  writeFileSync(join(root, 'dist/server/main.js'), "console.log('compiled server running');\n");
  writeFileSync(join(root, 'dist/web/index.html'), '<!doctype html>');
  mkdirSync(join(root, 'dist/sdk'), { recursive: true });
  writeFileSync(join(root, 'dist/sdk/beacon-elements.js'), 'export {};\n');
  writeFileSync(
    join(root, 'dist/.build-stamp.json'),
    JSON.stringify({ server: lib.sourceHash('server'), web: lib.sourceHash('web'), sdk: lib.sourceHash('sdk') }),
  );
}

async function states(root: string): Promise<string[]> {
  // A fresh module instance each time (the query string), reading the tree as it is now.
  const lib = (await import(`${join(root, 'scripts/build-lib.mjs')}?t=${Math.random()}`)) as BuildLib;
  return [lib.state('server'), lib.state('web')];
}

const start = (root: string) => spawnSync(process.execPath, [join(root, 'scripts/start.mjs')], { cwd: root, encoding: 'utf8' });

describe('build freshness', () => {
  it('is missing before a build, current after, stale after a source edit, and still current in a copy', async () => {
    const root = project();
    expect(await states(root)).toEqual(['missing', 'missing']);
    await fakeBuild(root);
    expect(await states(root)).toEqual(['current', 'current']);
    writeFileSync(join(root, 'src/web/index.html'), '<!doctype html><p>changed');
    expect(await states(root)).toEqual(['current', 'stale']);
    writeFileSync(join(root, 'src/protocol/index.ts'), 'export const A = 2;');
    expect(await states(root)).toEqual(['stale', 'stale']);

    const copy = project();
    await fakeBuild(copy);
    const moved = mkdtempSync(join(tmpdir(), 'beacon-build-copy-'));
    dirs.push(moved);
    cpSync(copy, moved, { recursive: true }); // new modification times everywhere
    expect(await states(moved)).toEqual(['current', 'current']);
  });

  it('without build tools: refuses to start with no build, runs a stale build with a warning, runs a current one as is', async () => {
    const root = project();
    const none = start(root);
    expect(none.status).toBe(1);
    expect(none.stderr).toContain('dist/server/main.js is missing and the build tools are not installed');

    await fakeBuild(root);
    const current = start(root);
    expect(current.status).toBe(0);
    expect(current.stdout).toContain('compiled server running');
    expect(current.stdout).not.toContain('building');
    expect(current.stderr).toBe('');

    writeFileSync(join(root, 'src/server/main.ts'), 'export const changed = true;');
    const stale = start(root);
    expect(stale.status).toBe(0);
    expect(stale.stderr).toContain('the server build is older than its sources');
    expect(stale.stdout).toContain('compiled server running');
  });

  it('without build tools: starts without the optional SDK bundles, saying so', async () => {
    const root = project();
    await fakeBuild(root);
    rmSync(join(root, 'dist/sdk'), { recursive: true });
    const res = start(root);
    expect(res.status).toBe(0);
    expect(res.stderr).toContain('dist/sdk/beacon-elements.js is missing and the build tools are not installed; starting without it');
    expect(res.stdout).toContain('compiled server running');
  });

  it('deployed without sources, runs the build it was given', async () => {
    const root = project();
    await fakeBuild(root);
    rmSync(join(root, 'src'), { recursive: true });
    for (const f of ['tsconfig.json', 'tsconfig.build.json', 'vite.config.ts']) rmSync(join(root, f));
    expect(await states(root)).toEqual(['current', 'current']);
    expect(start(root).stdout).toContain('compiled server running');
  });
});
