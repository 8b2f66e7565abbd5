/**
 * Audit: a sidecar started as docs/integration.md "Sidecar mode" says (no BEACON_WEB_ROOT)
 * served Beacon's standalone web app at `/`, whose login form posts to
 * /api/v1/auth/login, a route host modes do not have ("That no longer exists."). In a host
 * mode `/` is a plain page saying the site's pages are the ones users use.
 *
 * Review: a web root set explicitly beside the sidecar settings (a shared env file) then stopped
 * the start with a ConfigError, so instances upgraded in a rolling upgrade crash-looped for a
 * setting whose only harm was a login page that could not work. Now the web root is ignored
 * there, with one warning naming BEACON_WEB_ROOT and why.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp, buildAppUnchecked } from '../../src/server/app.js';
import { loadConfig, type Env } from '../../src/server/config.js';
import type { App } from '../../src/server/http-kit.js';
import { logLines, startChildServer, type ChildServer } from '../helpers/child-server.js';

/** Where swagger-ui sends "Try it out": the spec's first server (else "/") resolved against the spec's URL, without a trailing slash. */
function tryItOutBase(spec: { servers?: Array<{ url: string }> }, specUrl: URL): string {
  const resolved = new URL(spec.servers?.[0]?.url ?? '/', specUrl);
  return `${resolved.origin}${resolved.pathname}`.replace(/\/$/, '');
}

/** The variables of the docs' sidecar block, with an in-memory database and no log. */
const SIDECAR: Env = {
  BEACON_AUTH_JWT_SECRET: 'site-secret-0123456789abcdef',
  BEACON_SERVICE_TOKEN: 'service-token-0123456789',
  BEACON_CORS_ORIGINS: 'https://pong.example',
  BEACON_DATABASE_URL: 'sqlite::memory:',
  BEACON_LOG_LEVEL: 'silent',
};

/** The same, for a real process (its own database, its log read at the default level). */
const SIDECAR_PROCESS: Record<string, string> = {
  BEACON_AUTH_JWT_SECRET: 'site-secret-0123456789abcdef',
  BEACON_SERVICE_TOKEN: 'service-token-0123456789',
  BEACON_CORS_ORIGINS: 'https://pong.example',
};

/** The directories webApp made, removed after each test. */
let dirs: string[] = [];

/** A directory holding a web app's index.html (the standalone app's shell). */
function webApp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'beacon-sidecar-web-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Beacon</title><div id="app"></div>');
  return dir;
}

describe('/ of a sidecar', () => {
  let app: App | null = null;
  let server: ChildServer | null = null;
  afterEach(async () => {
    await app?.close();
    app = null;
    await server?.cleanup();
    server = null;
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    dirs = [];
  });

  it('started as documented is a page saying the site is the host, not the web app with its login', async () => {
    app = await buildApp(loadConfig(SIDECAR));
    const page = await app.inject({ url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('Beacon is running');
    expect(page.body).toContain('host-mode Beacon (sidecar mode)');
    expect(page.body).toContain('href="./docs/"');
    // Not the web app (its shell and bundles), nor the page asking to build it.
    expect(page.body).not.toContain('id="app"');
    expect(page.body).not.toContain('/assets/');
    expect(page.body).not.toContain('npm run build:web');
    expect((await app.inject({ url: '/index.html' })).statusCode).toBe(404);
    // The login the web app would call is no route here.
    expect((await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'a', password: 'b' } })).statusCode).toBe(404);
  });

  /*
   * Audit: behind a proxy's path prefix (the site forwards /beacon/ to the sidecar's /), the page
   * at / linked to `/docs`, absolute: the site's own /docs, not Beacon's. The link is relative now,
   * to `docs/`, whose page loads its assets and the spec relative to its own address.
   */
  it('links to the API docs relatively, so that they open under a proxy path prefix, assets and spec too', async () => {
    app = await buildApp(loadConfig(SIDECAR));
    const site = 'https://site.example/beacon/';
    // The proxy: a path under /beacon/ reaches Beacon with the prefix taken off.
    const through = (url: URL) => {
      expect(url.origin + url.pathname).toMatch(/^https:\/\/site\.example\/beacon\//);
      return app!.inject({ url: url.pathname.slice('/beacon'.length) + url.search });
    };
    const page = await through(new URL(site));
    const link = /<a href="([^"]+)"/.exec(page.body)?.[1];
    const docs = new URL(link ?? '', site);
    expect(docs.pathname).toBe('/beacon/docs/');
    const docsPage = await through(docs);
    expect(docsPage.statusCode).toBe(200);
    expect(docsPage.body).toContain('swagger-ui');
    const assets = [...docsPage.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => new URL(m[1]!, docs));
    expect(assets.length).toBeGreaterThan(3);
    for (const asset of assets) expect((await through(asset)).statusCode, asset.pathname).toBe(200);
    // The spec, which the docs' script asks for relative to the page (`./json`).
    const specUrl = new URL('./json', docs);
    const spec = await through(specUrl);
    expect(spec.statusCode).toBe(200);
    expect(spec.json()).toHaveProperty('openapi');
    // "Try it out" calls the spec's first server, resolved against the spec's own address, as
    // swagger-ui's client does (buildOas3UrlWithContext; no servers: "/", the site's root). It
    // must reach Beacon through the prefix, not /api/v1/... at the site's root.
    const tried = new URL(`${tryItOutBase(spec.json(), specUrl)}/api/v1/users/me/status`);
    expect(tried.pathname).toBe('/beacon/api/v1/users/me/status');
    expect((await through(tried)).json()).toMatchObject({ code: 'UNAUTHORIZED' });
    // Without the prefix, the same spec resolves to Beacon's root.
    const atRoot = new URL('https://beacon.internal/docs/json');
    const rootSpec = await app!.inject({ url: atRoot.pathname });
    expect(`${tryItOutBase(rootSpec.json(), atRoot)}/api/v1/users/me/status`).toBe('https://beacon.internal/api/v1/users/me/status');
  });

  it('still serves the SDK bundles under /sdk', async () => {
    app = await buildApp(loadConfig(SIDECAR));
    const sdk = await app.inject({ url: '/sdk/beacon-client.js' });
    // The bundle route's own answer: the bundle when built, else its 404 saying to build it.
    if (sdk.statusCode === 200) expect(sdk.headers['content-type']).toBe('text/javascript; charset=utf-8');
    else expect(sdk.json()).toEqual({ code: 'NOT_FOUND', message: 'beacon-client.js is not built: run `npm run build`.' });
  });

  it('starts with BEACON_WEB_ROOT set beside the sidecar settings (a shared env file), ignoring it with one warning', async () => {
    // A web root that holds a web app: had it been served, / would be this page.
    const dir = webApp();
    server = await startChildServer({ ...SIDECAR_PROCESS, BEACON_WEB_ROOT: dir });
    const page = await fetch(`${server.url}/`);
    expect(page.status).toBe(200);
    const body = await page.text();
    expect(body).toContain('host-mode Beacon (sidecar mode)');
    expect(body).not.toContain('id="app"');
    const warned = logLines(server.stdout()).filter((l) => l.level === 40 && typeof l.msg === 'string' && l.msg.includes('BEACON_WEB_ROOT'));
    expect(warned.map((l) => [l.variable, l.webRoot])).toEqual([['BEACON_WEB_ROOT', dir]]);
    expect(warned[0]!.msg).toMatch(/^BEACON_WEB_ROOT \(config\.webRoot\) is ignored in sidecar mode: .*accounts/);
  });

  it('keeps BEACON_WEB_ROOT as set (serveWeb ignores it), and off when unset, in sidecar mode', () => {
    expect(loadConfig({ ...SIDECAR, BEACON_WEB_ROOT: 'dist/web' }).webRoot).toBe('dist/web');
    expect(loadConfig({ ...SIDECAR, BEACON_WEB_ROOT: 'off' }).webRoot).toBeNull();
    expect(loadConfig(SIDECAR).webRoot).toBeNull();
    expect(loadConfig({ BEACON_DATABASE_URL: 'sqlite::memory:' }).webRoot).toBe('dist/web');
  });

  it('starts from a config written in code with a web root and host auth, / the host-mode page', async () => {
    app = await buildApp({ ...loadConfig(SIDECAR), webRoot: webApp() });
    const page = await app.inject({ url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('host-mode Beacon (sidecar mode)');
    expect(page.body).not.toContain('id="app"');
  });

  it('is the host-mode page even when a web root got past the checks', async () => {
    app = await buildAppUnchecked({ ...loadConfig(SIDECAR), webRoot: webApp() });
    const page = await app.inject({ url: '/' });
    expect(page.body).toContain('host-mode Beacon (sidecar mode)');
    expect(page.body).not.toContain('id="app"');
  });
});
