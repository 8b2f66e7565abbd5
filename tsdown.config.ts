/**
 * `npm run pack` builds the three npm packages (packages/<name>/dist) with tsdown: ESM plus
 * bundled .d.ts for each, and the single-file browser bundles Beacon serves at /sdk/*.js.
 * Sources stay in src/; each config runs in its package folder so the dependencies it
 * leaves external are the ones that package.json declares.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type UserConfig } from 'tsdown';

const src = (path: string): string => fileURLToPath(new URL(`src/${path}`, import.meta.url));
const pkg = (name: string): string => fileURLToPath(new URL(`packages/${name}`, import.meta.url));
const CLIENT_ENTRY = src('client/index.ts');
/** Where the Beacon server (src/server/sdk-routes.ts) finds the bundles it serves at /sdk/. */
const SDK_DIR = fileURLToPath(new URL('dist/sdk', import.meta.url));

/** In the elements package the SDK is the `@beacon-presence/client` dependency, not a copy. */
const clientAsDependency = {
  name: 'beacon-client-as-dependency',
  resolveId(source: string, importer: string | undefined) {
    if (!importer) return null;
    const resolved = new URL(source, `file://${importer}`).pathname.replace(/\.d\.ts$|\.js$/, '.ts');
    return resolved === CLIENT_ENTRY ? { id: '@beacon-presence/client', external: true } : null;
  },
};

const common: UserConfig = {
  format: 'esm',
  target: 'es2022',
  logLevel: 'warn',
  tsconfig: fileURLToPath(new URL('tsconfig.json', import.meta.url)),
  report: false,
  fixedExtension: false,
  checks: { pluginTimings: false },
};

/** One self-contained ES module for `<script type="module">` (every dependency inlined). */
const singleFile = (name: string, entry: string, outDir: string): UserConfig => ({
  ...common,
  name,
  cwd: outDir,
  entry: { [name]: entry },
  platform: 'browser',
  dts: false,
  clean: false,
  minify: true,
  deps: { alwaysBundle: [/.*/], onlyBundle: false },
  outputOptions: { codeSplitting: false },
  onSuccess: () => {
    mkdirSync(SDK_DIR, { recursive: true });
    copyFileSync(join(outDir, 'dist', `${name}.js`), join(SDK_DIR, `${name}.js`));
  },
});

export default defineConfig([
  {
    ...common,
    name: 'server',
    cwd: pkg('server'),
    // The calendar reader runs in a worker thread started from its own file, next to the
    // module that starts it (src/server/calendar/ics-runner.ts: new URL('./ics-worker.js',
    // import.meta.url)), so it is an entry of its own: dist/ics-worker.js beside dist/index.js.
    entry: { index: src('server/index.ts'), 'ics-worker': src('server/calendar/ics-worker.ts') },
    platform: 'node',
    target: 'node20',
    dts: true,
    clean: ['dist'],
  },
  { ...common, name: 'client', cwd: pkg('client'), entry: { index: CLIENT_ENTRY }, platform: 'browser', dts: true, clean: ['dist'] },
  singleFile('beacon-client', CLIENT_ENTRY, pkg('client')),
  {
    ...common,
    name: 'elements',
    cwd: pkg('elements'),
    entry: { index: src('elements/index.ts') },
    platform: 'browser',
    dts: true,
    clean: ['dist'],
    plugins: [clientAsDependency],
  },
  singleFile('beacon-elements', src('elements/index.ts'), pkg('elements')),
]);
