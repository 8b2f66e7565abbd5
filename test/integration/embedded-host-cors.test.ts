/**
 * Defect: a host site that registers its own @fastify/cors (for its own routes) and gives Beacon
 * `corsOrigins` could not register Beacon at all (@fastify/cors registered a second time, in
 * Beacon's context, throws). Now each policy holds on its own paths: Beacon's `corsOrigins` on
 * Beacon's (under its prefix), the host's on the host's, neither granting its origins on the
 * other's paths.
 */
import cors from '@fastify/cors';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { beacon } from '../../src/server/index.js';
import { MemoryHost } from '../helpers/memory-host.js';

/** The host's own pages, allowed by the host's @fastify/cors. */
const HOST_ORIGIN = 'https://shop.example';
/** The pages Beacon's `corsOrigins` lets call its API. */
const BEACON_ORIGIN = 'https://game.example';

let apps: FastifyInstance[] = [];
afterEach(async () => {
  for (const a of apps) await a.close();
  apps = [];
});

/** A host with its own CORS and a route of its own, Beacon under `prefix` with BEACON_ORIGIN listed. */
async function site(prefix: string) {
  const host = new MemoryHost();
  const app = Fastify();
  apps.push(app);
  await app.register(cors, { origin: [HOST_ORIGIN], methods: ['GET', 'POST'], credentials: true });
  app.post('/shop/cart', async () => ({ ok: true }));
  app.get('/shop/items', async () => ({ items: [] }));
  await app.register(beacon, {
    prefix,
    identity: host.identity,
    friends: host.friends,
    config: { databaseUrl: 'sqlite::memory:', logLevel: 'silent', rateLimits: false, corsOrigins: [BEACON_ORIGIN] },
  });
  await app.ready();
  const preflight = (origin: string, url: string, method = 'PUT') =>
    app.inject({ method: 'OPTIONS', url, headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization,content-type' } });
  return { host, app, preflight };
}

describe('a host with its own @fastify/cors and Beacon with corsOrigins', () => {
  it.each(['/beacon', ''])('registers Beacon (prefix %j), each policy on its own paths', async (prefix) => {
    const { host, app, preflight } = await site(prefix);
    const api = `${prefix}/api/v1/users/me/status`;

    // Beacon's origin on Beacon's API: Beacon's headers, not the host's.
    const allowed = await preflight(BEACON_ORIGIN, api);
    expect(allowed.statusCode).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe(BEACON_ORIGIN);
    expect(allowed.headers['access-control-allow-methods']).toBe('GET, PUT, POST, PATCH, DELETE');
    expect(allowed.headers['access-control-allow-headers']).toBe('authorization,content-type');
    expect(allowed.headers['access-control-max-age']).toBe('600');
    expect(allowed.headers['access-control-allow-credentials']).toBeUndefined();
    const token = host.addUser('ada', 'Ada');
    const read = await app.inject({ url: api, headers: { origin: BEACON_ORIGIN, authorization: `Bearer ${token}` } });
    expect(read.statusCode).toBe(200);
    expect(read.headers['access-control-allow-origin']).toBe(BEACON_ORIGIN);
    expect(read.headers['access-control-expose-headers']).toBe('retry-after, etag');
    expect(read.headers['access-control-allow-credentials']).toBeUndefined();

    // The host's origin is not let into Beacon's API by the host's policy: refused as any other.
    const refused = await preflight(HOST_ORIGIN, api);
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ code: 'FORBIDDEN' });
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    const hostRead = await app.inject({ url: api, headers: { origin: HOST_ORIGIN, authorization: `Bearer ${token}` } });
    expect(hostRead.statusCode).toBe(200);
    expect(hostRead.headers['access-control-allow-origin']).toBeUndefined();
    expect(hostRead.headers['access-control-allow-credentials']).toBeUndefined();
    // Beacon's JSON 400 for an incomplete preflight of its origin, not the host's plain text.
    const incomplete = await app.inject({ method: 'OPTIONS', url: api, headers: { origin: BEACON_ORIGIN } });
    expect(incomplete.statusCode).toBe(400);
    expect(incomplete.json()).toMatchObject({ code: 'VALIDATION_ERROR' });

    // The host's origin on the host's routes: the host's headers, as it set them.
    const hostPreflight = await preflight(HOST_ORIGIN, '/shop/cart', 'POST');
    expect(hostPreflight.statusCode).toBe(204);
    expect(hostPreflight.headers['access-control-allow-origin']).toBe(HOST_ORIGIN);
    expect(hostPreflight.headers['access-control-allow-methods']).toBe('GET, POST');
    expect(hostPreflight.headers['access-control-allow-credentials']).toBe('true');
    const items = await app.inject({ url: '/shop/items', headers: { origin: HOST_ORIGIN } });
    expect(items.headers['access-control-allow-origin']).toBe(HOST_ORIGIN);

    // Beacon's origin gets nothing from Beacon on the host's routes.
    const notBeacons = await preflight(BEACON_ORIGIN, '/shop/cart', 'POST');
    // The host's @fastify/cors answers (its methods), without letting the origin in.
    expect(notBeacons.headers['access-control-allow-methods']).toBe('GET, POST');
    expect(notBeacons.headers['access-control-allow-origin']).toBeUndefined();
    expect((await app.inject({ url: '/shop/items', headers: { origin: BEACON_ORIGIN } })).headers['access-control-allow-origin']).toBeUndefined();
  });
});
