/**
 * Findings (Medium/Low): a blocked path traversal on the static files answered 500 and
 * logged a stack trace; the web app had no nosniff, frame, content-security or referrer
 * policy; the WebSocket Origin check ignored the scheme.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startLiveApp, type LiveApp } from '../../helpers/live-app.js';
import { openSocket } from '../../helpers/ws-client.js';

describe('web hardening', () => {
  let t: LiveApp;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'beacon-web-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Beacon</title>');
    t = await startLiveApp({ webRoot: dir });
  });
  afterAll(() => t.close());

  it.each(['/', '/index.html', '/api/v1/users/me', '/healthz'])('sends nosniff, frame, referrer and content-security policies on %s', async (url) => {
    const res = await t.app.inject({ url });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('upgrade-insecure-requests');
  });

  it('gives the API docs their own policy, without forcing HTTPS', async () => {
    const res = await t.app.inject({ url: '/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('swagger');
    expect(String(res.headers['content-security-policy'])).toContain("script-src 'self'");
    expect(String(res.headers['content-security-policy'])).not.toContain('upgrade-insecure-requests');
  });

  it.each(['/%00', '/..%00/etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/..%2f..%2fetc%2fpasswd', '/missing.js'])(
    'answers a static miss or traversal %s with 404 {code, message} and logs no error',
    async (url) => {
      const error = vi.spyOn(t.app.log, 'error');
      const res = await t.app.inject({ url });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({ code: 'NOT_FOUND' });
      expect(res.body).not.toMatch(/at \w+ \(|node_modules/);
      expect(error).not.toHaveBeenCalled();
      error.mockRestore();
    },
  );

  it('answers a path segment past the path-parameter limit 414 {code, message}, under the web app too', async () => {
    for (const url of [`/${'1'.repeat(5000)}`, `/api/v1/users/${'1'.repeat(5000)}/status`]) {
      const res = await t.app.inject({ url });
      expect(res.statusCode).toBe(414);
      expect(res.json()).toEqual({ code: 'VALIDATION_ERROR', message: 'A path parameter is too long' });
    }
  });

  it('refuses a socket from the same host under another scheme, and allows its own origin', async () => {
    const host = new URL(t.url).host;
    await expect(openSocket(t.url, { origin: `https://${host}` })).rejects.toThrow('403');
    await expect(openSocket(t.url, { origin: `ws://${host}` })).rejects.toThrow('403');
    const own = await openSocket(t.url, { origin: `http://${host.toUpperCase()}` });
    own.close();
  });
});

describe('/ without the web app', () => {
  it('says how to build it when it is missing, and never asks a server with BEACON_WEB_ROOT=off to build it', async () => {
    const missing = await startLiveApp({ webRoot: '/nonexistent-web-root' });
    const off = await startLiveApp({ webRoot: null });
    try {
      expect((await missing.app.inject({ url: '/' })).body).toContain('npm run build:web');
      const page = await off.app.inject({ url: '/' });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('Beacon is running');
      expect(page.body).toContain('no web front end');
      expect(page.body).not.toContain('npm run build:web');
    } finally {
      await missing.close();
      await off.close();
    }
  });
});

describe('web hardening with BEACON_ALLOWED_ORIGINS', () => {
  it('matches listed origins with their scheme', async () => {
    const t = await startLiveApp({ allowedOrigins: ['https://game.example'] });
    try {
      await expect(openSocket(t.url, { origin: 'http://game.example' })).rejects.toThrow('403');
      const ok = await openSocket(t.url, { origin: 'https://GAME.example' });
      ok.close();
    } finally {
      await t.close();
    }
  });
});
