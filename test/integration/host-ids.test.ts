/**
 * Outside test of the host integration: views and frames name users by Beacon's ids, and a
 * host with string ids (`auth0|abc`) had no way to map them back to its users; a game event
 * for player 101 answered `"101"`. Now `POST /service/users/lookup` (`app.beacon.userIds` /
 * `hostIds`) maps either way without creating anyone, and game events answer ids as given.
 */
import { describe, expect, it } from 'vitest';
import type { LiveApp } from '../helpers/live-app.js';
import { SERVICE_TOKEN, signHost, useSidecars } from '../helpers/sidecar-app.js';
import type { Frame } from '../helpers/ws-client.js';

const sidecar = useSidecars();

const post = (app: LiveApp, url: string, payload: object) => app.app.inject({ method: 'POST', url: `/api/v1${url}`, headers: { 'x-service-token': SERVICE_TOKEN }, payload });

describe('host ids and Beacon ids', () => {
  it('maps host ids to Beacon ids and back, creating nobody; game events answer ids as the host gave them', async () => {
    const app = await sidecar();
    await app.app.inject({ method: 'PUT', url: '/api/v1/service/friendships', headers: { 'x-service-token': SERVICE_TOKEN }, payload: { pairs: [{ a: 'auth0|abc', b: 101 }] } });
    const abc = await app.connect(await signHost('auth0|abc'));
    const abcId = (abc.ready.self as { user_id: number }).user_id;
    const friendId = (abc.ready.friends as Frame[])[0]!.user_id as number;

    const res = await post(app, '/service/users/lookup', { host_ids: ['auth0|abc', '101', 'never-seen'], user_ids: [friendId, 999_999] });
    expect(res.statusCode).toBe(200);
    expect(res.json<{ users: unknown[] }>().users).toEqual(
      expect.arrayContaining([
        { host_id: 'auth0|abc', user_id: abcId },
        { host_id: '101', user_id: friendId },
      ]),
    );
    expect(res.json<{ users: unknown[] }>().users).toHaveLength(2);
    // Nobody was created for the id never seen.
    expect((await post(app, '/service/users/lookup', { host_ids: ['never-seen'] })).json()).toEqual({ users: [] });
    const count = await app.app.services.database.db.selectFrom('users').select((eb) => eb.fn.countAll().as('n')).where('external_id', '=', 'never-seen').executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(0);

    const game = await post(app, '/games/events', { event: 'match_started', match_id: 'm-1', player_ids: [101, 'auth0|abc'] });
    expect(game.json()).toEqual({ applied: [101, 'auth0|abc'] });
    expect((await post(app, '/service/users/lookup', { host_ids: Array.from({ length: 600 }, (_, i) => `u${i}`), user_ids: Array.from({ length: 600 }, (_, i) => i + 1) })).statusCode).toBe(400);
  });
});

describe('a host of integer ids', () => {
  it('looks its users up by the integer ids the rest of the service API takes', async () => {
    const app = await sidecar();
    await app.app.inject({ method: 'PUT', url: '/api/v1/service/friendships', headers: { 'x-service-token': SERVICE_TOKEN }, payload: { pairs: [{ a: 101, b: 3_000_000_000 }] } });
    const res = await post(app, '/service/users/lookup', { host_ids: [101, 3_000_000_000, '101', 404] });
    expect(res.statusCode).toBe(200);
    const users = res.json<{ users: Array<{ host_id: string; user_id: number }> }>().users;
    expect(users).toHaveLength(2);
    expect(users).toEqual(expect.arrayContaining([{ host_id: '101', user_id: 101 }, { host_id: '3000000000', user_id: expect.any(Number) }]));
    // Ids no host user can have are refused as elsewhere.
    expect((await post(app, '/service/users/lookup', { host_ids: [0] })).statusCode).toBe(400);
  });

  it('applies a game once to a player named in two forms (101 and "101"), answered as first given', async () => {
    const app = await sidecar();
    // Players Beacon knows (game events skip ids it never saw).
    await app.app.inject({ method: 'PUT', url: '/api/v1/service/users', headers: { 'x-service-token': SERVICE_TOKEN }, payload: { users: [{ id: 101, name: 'Ann' }, { id: '3000000000', name: 'Big' }] } });
    const res = await post(app, '/games/events', { event: 'match_started', match_id: 'm-2', player_ids: [101, '101', '3000000000'] });
    expect(res.json()).toEqual({ applied: [101, '3000000000'] });
  });
});

describe('large integer host ids', () => {
  it('takes integer ids past 2,147,483,647 on the service API, and a token with that sub is the same user', async () => {
    const app = await sidecar();
    const put = await app.app.inject({ method: 'PUT', url: '/api/v1/service/friendships', headers: { 'x-service-token': SERVICE_TOKEN }, payload: { pairs: [{ a: 3_000_000_000, b: 'ann' }] } });
    expect(put.json()).toEqual({ changed: 1 });
    const big = await app.connect(await signHost('3000000000', 'Big'));
    const ann = await app.connect(await signHost('ann'));
    expect((ann.ready.friends as Frame[]).map((f) => f.user_id)).toEqual([(big.ready.self as { user_id: number }).user_id]);
    const lookup = await post(app, '/service/users/lookup', { host_ids: ['3000000000'] });
    expect(lookup.json()).toEqual({ users: [{ host_id: '3000000000', user_id: (big.ready.self as { user_id: number }).user_id }] });
    expect((await post(app, '/games/events', { event: 'match_started', match_id: 'm', player_ids: [3_000_000_000] })).json()).toEqual({ applied: [3_000_000_000] });
  });
});

describe('host ids of the longest length in service paths', () => {
  it('signs out and deletes a user whose id is 128 characters, even percent-encoded', async () => {
    const app = await sidecar();
    const service = (method: 'POST' | 'DELETE', id: string, what = '') =>
      app.app.inject({ method, url: `/api/v1/service/users/${encodeURIComponent(id)}${what}`, headers: { 'x-service-token': SERVICE_TOKEN } });
    for (const id of ['x'.repeat(128), 'é'.repeat(128), '😀'.repeat(128)]) {
      const { socket } = await app.connect(await signHost(id));
      const out = await service('POST', id, '/sign-out');
      expect(out.statusCode, `${id.length} UTF-16 units`).toBe(200);
      expect((await socket.waitClosed()).code).toBe(4000);
      expect((await service('DELETE', id)).statusCode).toBe(204);
    }
    // Longer than any host id: still refused, as before.
    expect((await service('DELETE', 'x'.repeat(3000))).statusCode).toBe(414);
  });
});
