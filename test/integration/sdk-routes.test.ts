/** GET /sdk/*.js: the single-file SDK and elements bundles that any site may load. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/server/http-kit.js';
import { sdkRoutes } from '../../src/server/sdk-routes.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

describe('sdk bundles', () => {
  let app: App;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'beacon-sdk-'));
    writeFileSync(join(dir, 'beacon-client.js'), 'export const client = 1;\n');
    app = Fastify() as unknown as App;
    sdkRoutes(app, [join(dir, 'missing'), dir]);
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves a built bundle as JavaScript that any origin may load, with an ETag and a day of cache', async () => {
    const res = await app.inject({ url: '/sdk/beacon-client.js' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(res.body).toBe('export const client = 1;\n');
    expect(res.headers.etag).toMatch(/^"[\w-]{27}"$/);
    expect(res.headers['cache-control']).toBe('public, max-age=86400, stale-while-revalidate=604800');
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['cross-origin-resource-policy']).toBe('cross-origin');
  });

  it('answers 304 without a body when the ETag matches, weak or in a list', async () => {
    const { etag } = (await app.inject({ url: '/sdk/beacon-client.js' })).headers;
    for (const header of [String(etag), `W/${String(etag)}`, `"other", ${String(etag)}`]) {
      const res = await app.inject({ url: '/sdk/beacon-client.js', headers: { 'if-none-match': header } });
      expect(res.statusCode).toBe(304);
      expect(res.body).toBe('');
    }
    const stale = await app.inject({ url: '/sdk/beacon-client.js', headers: { 'if-none-match': '"stale"' } });
    expect(stale.statusCode).toBe(200);
  });

  it('says how to build a bundle that is missing, and picks it up once built', async () => {
    const res = await app.inject({ url: '/sdk/beacon-elements.js' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'NOT_FOUND' });
    writeFileSync(join(dir, 'beacon-elements.js'), 'export {};\n');
    const later = await app.inject({ url: '/sdk/beacon-elements.js' });
    expect(later.statusCode).toBe(200);
    expect(later.body).toBe('export {};\n');
  });

  it('serves nothing else under /sdk/ (no path from the URL reaches the file system)', async () => {
    for (const url of ['/sdk/../package.json', '/sdk/%2e%2e/package.json', '/sdk/beacon-client.ts', '/sdk/']) {
      expect((await app.inject({ url })).statusCode).toBe(404);
    }
  });
});

describe('sdk routes in the app', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('are registered by buildApp and need no token', async () => {
    const res = await t.app.inject({ url: '/sdk/beacon-elements.js' });
    // 200 when `npm run build` made dist/sdk, else the 404 that says to build; never 401.
    if (res.statusCode === 200) expect(res.headers['cross-origin-resource-policy']).toBe('cross-origin');
    else expect(res.json<{ message: string }>().message).toContain('beacon-elements.js is not built');
  });
});
