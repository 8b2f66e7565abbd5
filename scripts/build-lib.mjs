// What `npm run build` produces and how to tell whether it is current. Each part records
// a hash of its sources' contents in dist/.build-stamp.json, so copies and checkouts (which
// change modification times) do not force a rebuild, and an edit always does.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root: every path below is relative to it, whatever the working directory. */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const at = (path) => join(ROOT, path);

export const STAMP = at('dist/.build-stamp.json');

export const PARTS = {
  server: {
    sources: ['src/server', 'src/protocol', 'tsconfig.json', 'tsconfig.build.json'],
    output: 'dist/server/main.js',
    tool: 'node_modules/typescript/bin/tsc',
    clean: ['dist/server', 'dist/protocol'],
    args: ['-p', 'tsconfig.build.json'],
  },
  web: {
    sources: ['src/web', 'src/client', 'src/elements', 'src/protocol', 'vite.config.ts'],
    output: 'dist/web/index.html',
    tool: 'node_modules/vite/bin/vite.js',
    clean: [],
    args: ['build', '--logLevel', 'warn'],
  },
  // The single-file SDK and elements bundles the server serves at /sdk/*.js (tsdown.config.ts).
  // Optional: a production install without them still starts; /sdk/*.js then answers 404.
  sdk: {
    sources: ['src/client', 'src/elements', 'src/web/lib', 'src/protocol', 'tsdown.config.ts'],
    output: 'dist/sdk/beacon-elements.js',
    tool: 'node_modules/tsdown/dist/run.mjs',
    clean: ['dist/sdk'],
    args: ['--config', 'tsdown.config.ts', '--filter', 'beacon-client', '--filter', 'beacon-elements', '--log-level', 'warn'],
    optional: true,
  },
};

function files(path) {
  const abs = at(path);
  if (!existsSync(abs)) return [];
  if (!statSync(abs).isDirectory()) return [path];
  return readdirSync(abs)
    .sort()
    .flatMap((name) => files(join(path, name)));
}

/** Hash of the part's source files (paths and contents); null when the sources are not here (a deployed build). */
export function sourceHash(part) {
  return hashOf(PARTS[part].sources);
}

/** Hash of these files and folders' files (paths and contents); null when none is here. */
export function hashOf(sources) {
  const all = sources.flatMap(files);
  if (all.length === 0) return null;
  const h = createHash('sha256');
  for (const f of all) h.update(f).update('\0').update(readFileSync(at(f))).update('\0');
  return h.digest('hex');
}

export function readStamp() {
  try {
    return JSON.parse(readFileSync(STAMP, 'utf8'));
  } catch {
    return {};
  }
}

/** 'current', 'missing' (no output) or 'stale' (sources changed since it was built). */
export function state(part) {
  if (!existsSync(at(PARTS[part].output))) return 'missing';
  const hash = sourceHash(part);
  if (hash === null) return 'current';
  return readStamp()[part] === hash ? 'current' : 'stale';
}

export function toolchainInstalled(part) {
  return existsSync(at(PARTS[part].tool));
}
