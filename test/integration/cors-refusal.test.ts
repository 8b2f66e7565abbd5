/**
 * Audit: a page on an origin Beacon does not allow saw only failures (the browser hides a refused
 * CORS check from the page), and the operator's log had only an `OPTIONS … 404` at info: with no
 * BEACON_CORS_ORIGINS Beacon had no CORS at all and the preflight got 404; with a list, an origin
 * not in it got 204 without CORS headers, nothing logged. Now such a preflight is refused with
 * 403 `{code, message}` and logged at warn, once per origin (a bounded memory), with the setting
 * that would let it in; an allowed origin is answered as before.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { beaconCors } from '../../src/server/cors.js';
import { CALLER_LINES_PER_MINUTE, LINES_PER_MINUTE, REMEMBERED_ORIGINS } from '../../src/server/refused-origins.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

const SITE = 'https://site.example';
const GAME = 'https://game.example';

const preflightHeaders = (origin: string) => ({ origin, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'authorization,content-type' });

/** The app of the case running, closed after it (both describes below). */
let t: TestApp | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

describe('a preflight from an origin Beacon does not allow', () => {
  it('is refused with 403 {code, message} when no origin is listed (it was 404)', async () => {
    t = await createTestApp();
    const res = await t.app.inject({ method: 'OPTIONS', url: '/api/v1/users/me/status', headers: preflightHeaders(SITE) });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual({ code: 'FORBIDDEN', message: "This origin may not call Beacon's API: it is not among the origins Beacon allows (CORS)" });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    // An OPTIONS that is no preflight is no route, as before.
    expect((await t.app.inject({ method: 'OPTIONS', url: '/api/v1/users/me/status' })).statusCode).toBe(404);
  });

  it('is refused with 403 when origins are listed and it is not one; a listed one is answered as before', async () => {
    t = await createTestApp({ corsOrigins: [GAME] });
    const refused = await t.app.inject({ method: 'OPTIONS', url: '/api/v1/users/me/status', headers: preflightHeaders(SITE) });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ code: 'FORBIDDEN' });
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    const allowed = await t.app.inject({ method: 'OPTIONS', url: '/api/v1/users/me/status', headers: preflightHeaders(GAME) });
    expect(allowed.statusCode).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe(GAME);
    expect(allowed.headers['access-control-allow-methods']).toBe('GET, PUT, POST, PATCH, DELETE');
    expect(allowed.headers['access-control-max-age']).toBe('600');
    // A request of another origin gets no CORS header; a listed one's does, with the exposed headers.
    expect((await t.app.inject({ url: '/healthz', headers: { origin: SITE } })).headers['access-control-allow-origin']).toBeUndefined();
    const read = await t.app.inject({ url: '/healthz', headers: { origin: GAME } });
    expect(read.headers['access-control-allow-origin']).toBe(GAME);
    expect(read.headers['access-control-expose-headers']).toBe('retry-after, etag');
  });
});

describe('a preflight to an API path with no route (a client newer than this server)', () => {
  // Review 196: with Beacon's own CORS hook, such a preflight fell to the root's 404 handler,
  // which runs no hook of Beacon's: 404 without CORS headers for both, so the page saw a network
  // error as if Beacon were down, and the refused origin's 403 (docs/protocol.md) was gone.
  it('is answered for an allowed origin and refused 403 for another, as on any API path', async () => {
    t = await createTestApp({ corsOrigins: [GAME] });
    const allowed = await t.app.inject({ method: 'OPTIONS', url: '/api/v1/no-such-route', headers: preflightHeaders(GAME) });
    expect(allowed.statusCode).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe(GAME);
    const refused = await t.app.inject({ method: 'OPTIONS', url: '/api/v1/no-such-route', headers: preflightHeaders(SITE) });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ code: 'FORBIDDEN' });
    // Outside the API such a path is no route, as before.
    expect((await t.app.inject({ method: 'OPTIONS', url: '/no-such-page', headers: preflightHeaders(SITE) })).statusCode).toBe(404);
  });
});

describe('an OPTIONS from an allowed origin that is no complete preflight', () => {
  // It got @fastify/cors's plain-text `400 Invalid Preflight Request`, not Beacon's {code, message}.
  it('is refused with 400 {code: VALIDATION_ERROR, message} naming the missing header', async () => {
    t = await createTestApp({ corsOrigins: [GAME] });
    const res = await t.app.inject({ method: 'OPTIONS', url: '/api/v1/users/me/status', headers: { origin: GAME } });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toEqual({
      code: 'VALIDATION_ERROR',
      message: 'A CORS preflight (OPTIONS with Origin) must name the method it asks for in Access-Control-Request-Method',
    });
    // A complete preflight of the same origin is answered as before.
    const allowed = await t.app.inject({ method: 'OPTIONS', url: '/api/v1/users/me/status', headers: preflightHeaders(GAME) });
    expect(allowed.statusCode).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe(GAME);
  });
});

describe('the log of a refused preflight', () => {
  let app: FastifyInstance | null = null;
  afterEach(async () => {
    await app?.close();
    app = null;
  });

  /** Beacon's CORS on a bare app whose warnings are collected. */
  async function withCors(allowed: readonly string[], clock = { now: 0 }) {
    const lines: Array<{ level: number; msg: string; origin?: string; hint?: string; origins_not_said?: number }> = [];
    app = Fastify({ logger: { level: 'warn', stream: { write: (line: string) => void lines.push(JSON.parse(line)) } } });
    await app.register(async (scope) => {
      await beaconCors(scope, allowed, { now: () => clock.now });
      scope.get('/api/v1/x', async () => ({ ok: true }));
      scope.get('/host/page', async () => ({ ok: true }));
    });
    await app.ready();
    const a = app;
    // Each preflight from another address unless told: a caller's own share of the lines is tested on its own.
    let caller = 0;
    const preflight = (origin: string, url = '/api/v1/x', remoteAddress = `198.51.100.${caller++ % 250}`) =>
      a.inject({ method: 'OPTIONS', url, headers: preflightHeaders(origin), remoteAddress });
    const refusals = () => lines.filter((l) => l.msg === 'CORS preflight refused: origin not allowed (said once per origin)');
    return { preflight, refusals };
  }

  it('says, at warn and once per origin, that no origin is listed and which setting lets it in', async () => {
    const { preflight, refusals } = await withCors([]);
    expect((await preflight(SITE)).statusCode).toBe(403);
    expect((await preflight(SITE)).statusCode).toBe(403);
    expect(refusals()).toHaveLength(1);
    expect(refusals()[0]).toMatchObject({ level: 40, origin: SITE });
    expect(refusals()[0]!.hint).toContain('BEACON_CORS_ORIGINS (config.corsOrigins) is not set');
    await preflight('https://other.example');
    expect(refusals().map((l) => l.origin)).toEqual([SITE, 'https://other.example']);
  });

  it('names the origins listed, so a near miss (http for https, another port) shows', async () => {
    const { preflight, refusals } = await withCors([GAME]);
    expect((await preflight('http://game.example')).statusCode).toBe(403);
    expect(refusals()).toHaveLength(1);
    expect(refusals()[0]!.hint).toContain(`not in BEACON_CORS_ORIGINS (config.corsOrigins), which lists ${GAME}: add it there`);
    expect((await preflight(GAME)).statusCode).toBe(204);
    expect(refusals()).toHaveLength(1);
  });

  it('remembers a bounded number of origins: past it the oldest is said again, memory stays bounded', async () => {
    const clock = { now: 0 };
    const { preflight, refusals } = await withCors([], clock);
    const origins = Array.from({ length: REMEMBERED_ORIGINS + 1 }, (_, i) => `https://o${i}.example`);
    for (const [i, origin] of origins.entries()) {
      // Within the line budget: a minute passes every LINES_PER_MINUTE origins.
      if (i > 0 && i % LINES_PER_MINUTE === 0) clock.now += 60_000;
      await preflight(origin);
    }
    expect(refusals()).toHaveLength(origins.length);
    clock.now += 60_000;
    await preflight(origins.at(-1)!);
    expect(refusals()).toHaveLength(origins.length);
    await preflight(origins[0]!);
    expect(refusals()).toHaveLength(origins.length + 1);
    // An origin of any length is cut in the log.
    await preflight(`https://${'a'.repeat(5000)}.example`);
    expect(refusals().at(-1)!.origin!.length).toBeLessThanOrEqual(201);
  });

  it('gives one caller CALLER_LINES_PER_MINUTE of the minute’s lines: another caller’s refused origin is still said (review 196)', async () => {
    const { preflight, refusals } = await withCors([]);
    // More than the whole minute's lines (LINES_PER_MINUTE): they took every line before.
    for (let i = 0; i < LINES_PER_MINUTE + 10; i++) expect((await preflight(`https://cycle${i}.example`, '/api/v1/x', '203.0.113.66')).statusCode).toBe(403);
    expect(refusals()).toHaveLength(CALLER_LINES_PER_MINUTE);
    await preflight(SITE, '/api/v1/x', '192.0.2.10');
    expect(refusals().at(-1)).toMatchObject({ origin: SITE, origins_not_said: LINES_PER_MINUTE + 10 - CALLER_LINES_PER_MINUTE });
  });

  it('writes at most LINES_PER_MINUTE refusal lines a minute, however many new origins come; the next line counts the ones not said', async () => {
    // Review finding: a caller cycling through new origins wrote a warn line per preflight.
    const clock = { now: 0 };
    const { preflight, refusals } = await withCors([], clock);
    for (let i = 0; i < LINES_PER_MINUTE + 30; i++) expect((await preflight(`https://flood${i}.example`)).statusCode).toBe(403);
    expect(refusals()).toHaveLength(LINES_PER_MINUTE);
    clock.now += 59_999;
    await preflight('https://late.example');
    expect(refusals()).toHaveLength(LINES_PER_MINUTE);
    clock.now += 1;
    await preflight('https://next.example');
    expect(refusals()).toHaveLength(LINES_PER_MINUTE + 1);
    expect(refusals().at(-1)).toMatchObject({ origin: 'https://next.example', origins_not_said: 31 });
    // One not said is said once a line is free for it.
    await preflight('https://flood25.example');
    expect(refusals().at(-1)).toMatchObject({ origin: 'https://flood25.example' });
    expect(refusals().at(-1)!.origins_not_said).toBeUndefined();
  });

  it('leaves the preflights of paths outside Beacon’s API as they were (embedded at the root: the host’s own)', async () => {
    // Review finding: embedded at the root with origins listed, a preflight to the host's own
    // path was refused 403 and logged as Beacon's setting's fault.
    const { preflight, refusals } = await withCors([GAME]);
    expect((await preflight('https://elsewhere.example', '/host/page')).statusCode).not.toBe(403);
    expect(refusals()).toHaveLength(0);
    expect((await preflight('https://elsewhere.example')).statusCode).toBe(403);
    expect(refusals()).toHaveLength(1);
  });
});
