/**
 * What the "done when" asks of the Pong site, in both modes: two of its users who
 * are friends in its own table see each other online, busy, in a match with the score, and
 * offline; a friendship removed in its table stops updates once the site tells Beacon; a
 * token the site did not sign is refused.
 */
import { SignJWT } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { changeOf, GRACE_MS, startPongSite, type Frame } from './harness.js';

type Site = Awaited<ReturnType<typeof startPongSite>>;
let site: Site | null = null;
afterEach(async () => {
  await site?.close();
  site = null;
});

describe.each(['embedded', 'sidecar'] as const)('the Pong site with Beacon %s', (mode) => {
  async function friends() {
    site = await startPongSite(mode);
    const alice = await site.register('alice');
    const bob = await site.register('bob');
    expect((await site.siteCall('/api/friends', alice.token, { name: 'bob' })).status).toBe(201);
    return { site, alice, bob };
  }

  it('shows friends from its own table online, busy, in a match with the score, and offline', async () => {
    const { site, alice, bob } = await friends();
    const a = await site.connect(alice.token);
    const ready = await a.next((f) => f.type === 'ready', 0);
    expect(ready.self).toMatchObject({ user_id: alice.id, username: 'alice' });
    expect(ready.friends).toEqual([expect.objectContaining({ user_id: bob.id, username: 'bob', status: 'offline' })]);

    const from = a.mark();
    const b = await site.connect(bob.token);
    await b.next((f) => f.type === 'ready', 0);
    await a.next(changeOf(bob.id, 'online'), from);

    let mark = a.mark();
    expect((await site.beaconCall('/users/me/status', bob.token, { status: 'busy' })).status).toBe(200);
    await a.next(changeOf(bob.id, 'busy'), mark);

    mark = a.mark();
    const match = await site.siteCall('/api/matches', bob.token, { opponent_id: alice.id });
    expect(match.status).toBe(201);
    const started = await a.next(changeOf(bob.id, 'in_game'), mark);
    expect(started).toMatchObject({ activity: 'playing_pong', activity_details: { score: '0-0', mode: 'classic', opponents: 'bob vs alice' } });

    mark = a.mark();
    await site.siteCall(`/api/matches/${String(match.body!.match_id)}/points`, bob.token);
    const scored = await a.next((f: Frame) => changeOf(bob.id, 'in_game')(f) && (f.activity_details as { score?: string }).score === '1-0', mark);
    expect(scored.activity_details).toMatchObject({ round: 2 });

    mark = a.mark();
    await site.siteCall(`/api/matches/${String(match.body!.match_id)}/points`, bob.token);
    await site.siteCall(`/api/matches/${String(match.body!.match_id)}/points`, bob.token);
    await a.next(changeOf(bob.id, 'busy'), mark);

    mark = a.mark();
    b.ws.close();
    const offline = await a.next(changeOf(bob.id, 'offline'), mark, GRACE_MS + 3000);
    expect(offline.last_seen).toEqual(expect.any(String));
  });

  it('stops updates after a friendship is removed in its table and Beacon is told', async () => {
    const { site, alice, bob } = await friends();
    const a = await site.connect(alice.token);
    await a.next((f) => f.type === 'ready', 0);
    const b = await site.connect(bob.token);
    await b.next((f) => f.type === 'ready', 0);

    let mark = a.mark();
    expect((await site.siteCall(`/api/friends/${bob.id}`, alice.token, undefined, 'DELETE')).status).toBe(204);
    await a.next((f) => f.type === 'friend_removed' && f.friend_id === bob.id, mark);

    mark = a.mark();
    const bMark = b.mark();
    await site.beaconCall('/users/me/status', bob.token, { status: 'busy' });
    await b.next((f) => f.type === 'status_update' && f.status === 'busy', bMark);
    await new Promise((r) => setTimeout(r, 200));
    expect(a.frames.slice(mark).filter((f) => f.type === 'friend_status_change')).toEqual([]);
    const status = await site.beaconCall(`/users/${bob.id}/status`, alice.token, undefined, 'GET');
    expect(((await status.json()) as { status: string }).status).toBe('offline');
  });

  it('refuses a token it did not sign, on the socket and over REST', async () => {
    site = await startPongSite(mode);
    await site.register('alice');
    const forged = await new SignJWT({ name: 'alice' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('1')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('not-the-site-secret-0123456789'));
    const socket = await site.connect(forged);
    expect(await socket.waitClose()).toBe(4401);
    expect((await site.beaconCall('/users/me/friends/status', forged, undefined, 'GET')).status).toBe(401);
  });
});

describe('the Pong site with Beacon as a sidecar, across origins', () => {
  it('lets the site’s origin use Beacon’s API and socket, and no other', async () => {
    site = await startPongSite('sidecar');
    const alice = await site.register('alice');
    const preflight = (origin: string) =>
      fetch(`${site!.beaconUrl}/api/v1/users/me/status`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'authorization' } });
    expect((await preflight(site.siteUrl)).headers.get('access-control-allow-origin')).toBe(site.siteUrl);
    expect((await preflight('http://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
    const ok = await site.connect(alice.token, site.siteUrl);
    expect((await ok.next((f) => f.type === 'ready', 0)).type).toBe('ready');
    await expect(site.connect(alice.token, 'http://evil.example')).rejects.toThrow(/403/);
  });
});
