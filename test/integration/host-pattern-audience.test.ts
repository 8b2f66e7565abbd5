/**
 * Outside privacy audit: `GET /users/:id/pattern` took the viewer's tier from Beacon's own
 * `friendships` table, which embedded mode never writes (the host's friend list is read through
 * the social graph port, as for every other view). So, embedded, a host friend in the pattern
 * audience was refused (403) what the user shared with them; and on a database a sidecar had
 * used before (which embedded mode starts on, docs/integration.md), a pair the sidecar made
 * friends kept reading each other's usual hours after the host's friend list parted them. The
 * pattern now asks the same graph as the status and the socket.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { HostAuthConfig } from '../../src/server/config.js';
import { beacon } from '../../src/server/index.js';
import { createTestApp } from '../helpers/app.js';
import { MemoryHost } from '../helpers/memory-host.js';

const SERVICE = 'service-token-0123456789';
const hostAuth: HostAuthConfig = { jwtSecret: 'host-site-secret-0123456789', jwksUrl: null, issuer: null, audience: null, idClaim: 'sub', nameClaim: 'name', adminClaim: null };

let sites: FastifyInstance[] = [];
let dirs: string[] = [];
afterEach(async () => {
  for (const s of sites) await s.close();
  sites = [];
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

async function embedded(host: MemoryHost, databaseUrl = 'sqlite::memory:'): Promise<FastifyInstance> {
  const site = Fastify();
  sites.push(site);
  await site.register(beacon, { prefix: '/beacon', identity: host.identity, friends: host.friends, profiles: host.profiles, config: { databaseUrl, batchWindowMs: 0, rateLimits: false, logLevel: 'silent' } });
  await site.ready();
  return site;
}

const as = (token: string) => ({ authorization: `Bearer ${token}` });
async function idOf(site: FastifyInstance, token: string): Promise<number> {
  return (await site.inject({ url: '/beacon/api/v1/users/me', headers: as(token) })).json<{ id: number }>().id;
}
async function share(site: FastifyInstance, token: string, pattern_visibility: string): Promise<void> {
  const res = await site.inject({ method: 'PUT', url: '/beacon/api/v1/users/me/status/settings', headers: as(token), payload: { pattern_visibility } });
  expect(res.statusCode, res.body).toBe(200);
}
const patternOf = (site: FastifyInstance, id: number, token: string) => site.inject({ url: `/beacon/api/v1/users/${id}/pattern`, headers: as(token) });

describe('a user’s usual hours in embedded mode', () => {
  it('are read by the friends the host’s friend list puts in their audience, and by nobody it leaves out', async () => {
    const host = new MemoryHost();
    const alice = host.addUser('1', 'Alice');
    const bob = host.addUser('2', 'Bob');
    const carol = host.addUser('3', 'Carol');
    host.befriend('1', '2', 'close_friend', 'friend');
    host.befriend('1', '3', 'friend', 'friend');
    const site = await embedded(host);
    const aliceId = await idOf(site, alice);
    await idOf(site, bob);
    await idOf(site, carol);
    await share(site, alice, 'close_friends');

    // Bob, her close friend on the site, sees them; Carol, a friend, does not.
    const bobs = await patternOf(site, aliceId, bob);
    expect(bobs.statusCode, bobs.body).toBe(200);
    expect(bobs.json()).toEqual({ user_id: aliceId, summary: expect.any(String), time_zone: 'UTC' });
    expect((await patternOf(site, aliceId, carol)).statusCode).toBe(403);

    // Moved down on the site: refused at once (a changed friend list is announced).
    host.befriend('1', '2', 'acquaintance', 'friend');
    await site.beacon.friendshipChanged('1', '2');
    expect((await patternOf(site, aliceId, bob)).statusCode).toBe(403);
  });

  it('are not read by an ex-friend whom a sidecar that used the database before had made a friend', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'beacon-host-pattern-'));
    dirs.push(dir);
    const databaseUrl = `sqlite:${join(dir, 'beacon.db')}`;
    // The site ran Beacon as a sidecar first, which kept Alice and Bob's friendship in its table.
    const sidecar = await createTestApp({ databaseUrl, hostAuth, serviceToken: SERVICE });
    const pushed = await sidecar.app.inject({ method: 'PUT', url: '/api/v1/service/friendships', headers: { 'x-service-token': SERVICE }, payload: { pairs: [{ a: '1', b: '2' }] } });
    expect(pushed.json()).toEqual({ changed: 1 });
    await sidecar.close();

    // Now embedded, on the same database; on the site they are no longer friends.
    const host = new MemoryHost();
    const alice = host.addUser('1', 'Alice');
    const bob = host.addUser('2', 'Bob');
    const site = await embedded(host, databaseUrl);
    const aliceId = await idOf(site, alice);
    await share(site, alice, 'friends');
    const status = await site.inject({ url: `/beacon/api/v1/users/${aliceId}/status`, headers: as(bob) });
    expect(status.json()).toMatchObject({ status: 'offline', last_seen: null });
    const res = await patternOf(site, aliceId, bob);
    expect(res.statusCode, res.body).toBe(403);
  });
});
