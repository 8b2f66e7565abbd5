/**
 * The npm packages install and work outside this repo: `npm run pack` builds the three
 * tarballs (unless they are current: `npm test` packed them for the example site already),
 * they install into a clean folder (from the npm cache where possible), the server package builds a working app there (its calendar worker thread included), a
 * strict TypeScript consumer (a Fastify host among others) and the quick start of
 * docs/integration.md, as copied, type-check against all three with their declarations
 * checked too (skipLibCheck off), and publint + attw pass. Slow by nature (a build and an
 * install): ~60-90 s.
 *
 * better-sqlite3 is the one dependency not built in the clean folder: compiling it takes
 * minutes, so the folder links this repo's compiled copy (the same version) instead.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docBlock } from '../helpers/doc-blocks.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '../..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const NAMES = ['server', 'client', 'elements'] as const;
const tarball = (name: string): string => join(ROOT, `dist/packages/beacon-presence-${name}-0.1.0.tgz`);

let dir: string;
let checks: Promise<{ ok: boolean; output: string }>;

beforeAll(async () => {
  await run(NPM, ['run', 'pack', '--', '--if-needed'], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
  checks = run(NPM, ['run', 'check:packages'], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 }).then(
    (r) => ({ ok: true, output: r.stdout }),
    (err: { stdout?: string; stderr?: string }) => ({ ok: false, output: `${err.stdout ?? ''}${err.stderr ?? ''}` }),
  );
  dir = mkdtempSync(join(tmpdir(), 'beacon-packages-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }));
  await run(
    NPM,
    ['install', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', ...NAMES.map(tarball), join(ROOT, 'node_modules/better-sqlite3')],
    { cwd: dir, maxBuffer: 16 * 1024 * 1024 },
  );
}, 150_000);

afterAll(async () => {
  await checks?.catch(() => undefined);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('npm packages', () => {
  it('install as published: each has its dist, README and declared dependencies, nothing from src/', () => {
    for (const name of NAMES) {
      const pkg = JSON.parse(readFileSync(join(dir, `node_modules/@beacon-presence/${name}/package.json`), 'utf8')) as {
        exports: Record<string, unknown>;
      };
      expect(pkg.exports['.']).toEqual({ types: './dist/index.d.ts', import: './dist/index.js' });
      expect(readFileSync(join(dir, `node_modules/@beacon-presence/${name}/README.md`), 'utf8')).toContain(`@beacon-presence/${name}`);
    }
    const elements = readFileSync(join(dir, 'node_modules/@beacon-presence/elements/dist/index.js'), 'utf8');
    expect(elements).toContain('from "@beacon-presence/client"'); // the SDK is a dependency, not a copy
  });

  // The calendar feed is read in a worker thread the server starts from a file of its own
  // (dist/ics-worker.js): the package must ship it. A one-event feed from a loopback server.
  it('the server package builds a working Beacon on a temporary SQLite, serves the SDK bundles and reads a calendar feed', async () => {
    writeFileSync(
      join(dir, 'smoke.mjs'),
      `import { createServer } from 'node:http';
import { buildApp, loadConfig } from '@beacon-presence/server';
const stamp = (d) => d.toISOString().replace(/[-:]/g, '').replace(/\\.\\d+/, '');
const now = Date.now();
const ics = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//packages test//EN', 'BEGIN:VEVENT', 'UID:1@packages-test',
  'DTSTAMP:' + stamp(new Date(now)), 'DTSTART:' + stamp(new Date(now - 60_000)), 'DTEND:' + stamp(new Date(now + 3_600_000)),
  'SUMMARY:Meeting', 'END:VEVENT', 'END:VCALENDAR', ''].join('\\r\\n');
const feed = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/calendar' }).end(ics));
await new Promise((resolve) => feed.listen(0, '127.0.0.1', resolve));
const app = await buildApp(loadConfig({ BEACON_DATABASE_URL: 'sqlite:' + process.argv[2], BEACON_LOG_LEVEL: 'silent', BEACON_WEB_ROOT: 'off', BEACON_CALENDAR_ALLOW_LOCAL: 'on' }));
await app.ready();
const out = {};
for (const url of ['/healthz', '/sdk/beacon-client.js', '/sdk/beacon-elements.js']) {
  const r = await app.inject({ url });
  out[url] = [r.statusCode, r.headers['content-type']];
}
const reg = await app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { username: 'packaged', password: 'correct horse battery' } });
out.register = reg.statusCode;
const calendar = await app.inject({
  method: 'PUT',
  url: '/api/v1/users/me/calendar',
  headers: { authorization: 'Bearer ' + reg.json().token },
  payload: { url: 'http://127.0.0.1:' + feed.address().port + '/feed.ics' },
});
out.calendar = [calendar.statusCode, calendar.json().error ?? calendar.json().message];
await app.close();
feed.close();
console.log(JSON.stringify(out));`,
    );
    const { stdout } = await run(process.execPath, ['smoke.mjs', join(dir, 'beacon.db')], { cwd: dir });
    expect(JSON.parse(stdout)).toEqual({
      '/healthz': [200, 'application/json; charset=utf-8'],
      '/sdk/beacon-client.js': [200, 'text/javascript; charset=utf-8'],
      '/sdk/beacon-elements.js': [200, 'text/javascript; charset=utf-8'],
      register: 201,
      calendar: [200, null],
    });
  }, 60_000);

  it('type-checks a strict TypeScript consumer of all three packages, their declarations included (skipLibCheck off), and the quick start of docs/integration.md as copied', async () => {
    writeFileSync(join(dir, 'quick-start.ts'), docBlock('server'));
    writeFileSync(
      join(dir, 'consumer.ts'),
      `import Fastify from 'fastify';
import { beacon, buildApp, loadConfig, type App, type View } from '@beacon-presence/server';
import { ApiClient, PresenceClient, type ConnectionState } from '@beacon-presence/client';
import { connect, BeaconStatusElement, type BeaconConnection, type FriendSelectDetail } from '@beacon-presence/elements';
export async function server(): Promise<App> {
  return buildApp(loadConfig({ BEACON_DATABASE_URL: 'sqlite::memory:' }));
}
export async function embedded(): Promise<void> {
  const site = Fastify();
  await site.register(beacon, {
    prefix: '/beacon',
    config: { databaseUrl: 'sqlite::memory:' },
    identity: { authenticate: async (token) => (token ? { id: 1, name: 'host user' } : null) },
    friends: { friendsOf: async () => [] },
  });
  site.beacon.friendshipChanged(1, 2);
}
export function page(token: string): [BeaconConnection, ConnectionState] {
  const c = connect({ baseUrl: '/beacon', token });
  const api: ApiClient = c.api;
  const client: PresenceClient = c.client;
  void api;
  const status = document.createElement('beacon-status');
  const same: BeaconStatusElement = status;
  same.userId = 42;
  document.addEventListener('beacon-friend-select', (e) => {
    const detail: FriendSelectDetail = (e as CustomEvent<FriendSelectDetail>).detail;
    void detail.userId;
  });
  const views: View[] = client.friends();
  void views;
  return [c, client.state];
}
// The elements' README: a token from storage, null before the host's login.
export const signedOut: BeaconConnection = connect({ baseUrl: '/beacon', token: sessionStorage.getItem('beaconToken') });
// @ts-expect-error: statuses are a closed vocabulary
export const wrong: View['status'] = 'sleeping';
`,
    );
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          lib: ['ES2023', 'DOM', 'DOM.Iterable'],
          strict: true,
          noEmit: true,
          // A host that checks every declaration it is given: what the packages' d.ts files
          // import must resolve, typed, from what the packages install.
          skipLibCheck: false,
          types: ['node'],
          typeRoots: [join(ROOT, 'node_modules/@types')],
        },
        files: ['consumer.ts', 'quick-start.ts'],
      }),
    );
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const result = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: dir }).then(
      () => '',
      (err: { stdout?: string }) => err.stdout ?? 'tsc failed',
    );
    expect(result).toBe('');
  }, 180_000); // checking every declaration (fastify's, node's…) takes 20-30 s on a quiet machine, 70 s seen on a busy one

  it('the SDK and its single-file bundle export the same API as published, richPresence (docs/protocol.md §8) included', async () => {
    writeFileSync(
      join(dir, 'exports.mjs'),
      `const sdk = await import('@beacon-presence/client');
const bundle = await import('@beacon-presence/client/beacon-client.js');
console.log(JSON.stringify({ sdk: Object.keys(sdk).sort(), bundle: Object.keys(bundle).sort() }));`,
    );
    const { stdout } = await run(process.execPath, ['exports.mjs'], { cwd: dir });
    const { sdk, bundle } = JSON.parse(stdout) as { sdk: string[]; bundle: string[] };
    expect(sdk).toContain('richPresence');
    expect(bundle).toEqual(sdk);
  });

  // Frameworks that render pages on the server evaluate the page's imports there: no DOM.
  it('the elements package imports in Node as published (server-side rendering) and defines nothing there', async () => {
    writeFileSync(
      join(dir, 'elements-in-node.mjs'),
      `const elements = await import('@beacon-presence/elements');
console.log(JSON.stringify({ connect: typeof elements.connect, element: typeof elements.BeaconStatusElement, dom: typeof HTMLElement }));`,
    );
    const { stdout } = await run(process.execPath, ['elements-in-node.mjs'], { cwd: dir });
    expect(JSON.parse(stdout)).toEqual({ connect: 'function', element: 'function', dom: 'undefined' });
  });

  // A Node host (a sidecar's tests with the `ws` package, a server-side ApiClient) has no DOM
  // lib: the SDK's declarations must not name DOM-only types. Checked as source, copied into a
  // .ts file, so the libraries they import (typebox, @types/node) can be skipped: ~3 s, where
  // checking those too (skipLibCheck off) takes ~20 s.
  it('the client declarations compile in a Node-only project (lib ES2022, types node, no DOM)', async () => {
    const declarations = readFileSync(join(dir, 'node_modules/@beacon-presence/client/dist/index.d.ts'), 'utf8');
    writeFileSync(join(dir, 'client-declarations.ts'), declarations);
    writeFileSync(
      join(dir, 'tsconfig.node.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          lib: ['ES2022'],
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
          typeRoots: [join(ROOT, 'node_modules/@types')],
        },
        files: ['client-declarations.ts'],
      }),
    );
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const result = await run(process.execPath, [tsc, '-p', 'tsconfig.node.json'], { cwd: dir }).then(
      () => '',
      (err: { stdout?: string }) => err.stdout ?? 'tsc failed',
    );
    expect(result).toBe('');
  }, 60_000);

  it('pass publint (strict) and Are the Types Wrong (esm-only profile)', async () => {
    const { ok, output } = await checks;
    expect(output).not.toContain(': FAIL');
    expect(ok, output).toBe(true);
    for (const name of NAMES) {
      expect(output).toContain(`--- publint beacon-presence-${name}-0.1.0.tgz: pass`);
      expect(output).toContain(`--- attw beacon-presence-${name}-0.1.0.tgz: pass`);
    }
  }, 60_000);
});
