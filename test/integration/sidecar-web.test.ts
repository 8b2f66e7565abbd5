/**
 * Audit: a sidecar started as docs/integration.md "Sidecar mode" says (no BEACON_WEB_ROOT)
 * served Beacon's standalone web app at `/`, whose login form posts to
 * /api/v1/auth/login, a route host modes do not have ("That no longer exists."). In a host
 * mode `/` is a plain page saying the site's pages are the ones users use; a web root set
 * explicitly beside the sidecar settings stops the start.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp, buildAppUnchecked } from '../../src/server/app.js';
import { ConfigError, loadConfig, type Env } from '../../src/server/config.js';
import type { App } from '../../src/server/http-kit.js';

/** The variables of the docs' sidecar block, with an in-memory database and no log. */
const SIDECAR: Env = {
  BEACON_AUTH_JWT_SECRET: 'site-secret-0123456789abcdef',
  BEACON_SERVICE_TOKEN: 'service-token-0123456789',
  BEACON_CORS_ORIGINS: 'https://pong.example',
  BEACON_DATABASE_URL: 'sqlite::memory:',
  BEACON_LOG_LEVEL: 'silent',
};

describe('/ of a sidecar', () => {
  let app: App | null = null;
  afterEach(async () => {
    await app?.close();
    app = null;
  });

  it('started as documented is a page saying the site is the host, not the web app with its login', async () => {
    app = await buildApp(loadConfig(SIDECAR));
    const page = await app.inject({ url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('Beacon is running');
    expect(page.body).toContain('host-mode Beacon (sidecar mode)');
    expect(page.body).toContain('href="/docs"');
    // Not the web app (its shell and bundles), nor the page asking to build it.
    expect(page.body).not.toContain('id="app"');
    expect(page.body).not.toContain('/assets/');
    expect(page.body).not.toContain('npm run build:web');
    expect((await app.inject({ url: '/index.html' })).statusCode).toBe(404);
    // The login the web app would call is no route here.
    expect((await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'a', password: 'b' } })).statusCode).toBe(404);
  });

  it('still serves the SDK bundles under /sdk', async () => {
    app = await buildApp(loadConfig(SIDECAR));
    const sdk = await app.inject({ url: '/sdk/beacon-client.js' });
    // The bundle route's own answer: the bundle when built, else its 404 saying to build it.
    if (sdk.statusCode === 200) expect(sdk.headers['content-type']).toBe('text/javascript; charset=utf-8');
    else expect(sdk.json()).toEqual({ code: 'NOT_FOUND', message: 'beacon-client.js is not built: run `npm run build`.' });
  });

  it('refuses BEACON_WEB_ROOT set beside the sidecar settings, naming it, and takes off', () => {
    expect(() => loadConfig({ ...SIDECAR, BEACON_WEB_ROOT: 'dist/web' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...SIDECAR, BEACON_WEB_ROOT: 'dist/web' })).toThrow(/^Invalid BEACON_WEB_ROOT: .*sidecar mode.*off/);
    expect(loadConfig({ ...SIDECAR, BEACON_WEB_ROOT: 'off' }).webRoot).toBeNull();
    expect(loadConfig(SIDECAR).webRoot).toBeNull();
    expect(loadConfig({ BEACON_DATABASE_URL: 'sqlite::memory:' }).webRoot).toBe('dist/web');
  });

  it('refuses a config written in code with a web root and host auth, naming config.webRoot', async () => {
    const sidecar = loadConfig(SIDECAR);
    await expect(buildApp({ ...sidecar, webRoot: 'dist/web' })).rejects.toThrow(/^Invalid config\.webRoot: .*sidecar mode/);
  });

  it('is the host-mode page even when a web root got past the checks', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'beacon-sidecar-web-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Beacon</title><div id="app"></div>');
    app = await buildAppUnchecked({ ...loadConfig(SIDECAR), webRoot: dir });
    const page = await app.inject({ url: '/' });
    expect(page.body).toContain('host-mode Beacon (sidecar mode)');
    expect(page.body).not.toContain('id="app"');
  });
});
