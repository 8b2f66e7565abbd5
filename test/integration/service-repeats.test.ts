/**
 * The same pair or user named more than once in one service request, on both dialects. Hosts
 * send both directions of a pair (a flattened export of every user's list), so repeats are
 * taken, by one rule (docs/integration.md "Service API"): the items apply in order, so for the
 * same side of the same pair, or the same user, the later item wins; the counts are of distinct
 * pairs and users. An id given as an integer and as a string (`2`, `"2"`) is the same user.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { freshDatabase, testDialects } from '../helpers/databases.js';
import { startLiveApp, type LiveApp } from '../helpers/live-app.js';
import { framesUntilNotice } from '../helpers/sentinel.js';
import { hs256, SERVICE_TOKEN, signHost } from '../helpers/sidecar-app.js';
import type { Frame } from '../helpers/ws-client.js';

describe.each(testDialects())('repeated items in one service request on %s', (dialect) => {
  let live: LiveApp | null = null;
  let drop: () => Promise<void> = async () => {};
  afterEach(async () => {
    await live?.close();
    live = null;
    await drop();
  });

  async function sidecar() {
    const db = await freshDatabase(dialect);
    drop = db.drop;
    const app = (live = await startLiveApp({ databaseUrl: db.url, hostAuth: hs256, serviceToken: SERVICE_TOKEN }));
    const put = async (url: string, payload: object) => {
      const res = await app.app.inject({ method: 'PUT', url: `/api/v1/service${url}`, headers: { 'x-service-token': SERVICE_TOKEN }, payload });
      expect(res.statusCode, res.body).toBe(200);
      return res.json();
    };
    /** The category `from` gives `to`, as stored (null: no friendship that way). */
    const given = async (from: string, to: string) => {
      const map = await app.app.services.ids.internal([from, to]);
      return app.app.services.friendRepo.categoryGiven(map.get(from)!, map.get(to)!);
    };
    const name = async (id: string) =>
      (await app.app.services.database.db.selectFrom('users').select('display_name').where('external_id', '=', id).executeTakeFirstOrThrow()).display_name;
    return { app, put, given, name };
  }

  it('PUT /service/friendships: both directions of a pair are one pair (each side as its item says), counted and announced once', async () => {
    const { app, put, given } = await sidecar();
    const ann = await app.connect(await signHost('ann', 'Ann'));
    const ben = await app.connect(await signHost('ben', 'Ben'));
    const [fromAnn, fromBen] = [ann.socket.mark(), ben.socket.mark()];
    // A flattened export of each user's list: each item names its own user's side.
    const exported = [
      { a: 'ann', b: 'ben', a_category: 'close_friend' },
      { a: 'ben', b: 'ann', a_category: 'acquaintance' },
    ];
    expect(await put('/friendships', { pairs: exported })).toEqual({ changed: 1 });
    expect([await given('ann', 'ben'), await given('ben', 'ann')]).toEqual(['close_friend', 'acquaintance']);
    // Each hears of the other once (the friend's view is loaded first: awaited, then nothing more).
    const isAdded = (f: Frame) => f.type === 'friend_added';
    for (const [socket, from] of [[ann.socket, fromAnn], [ben.socket, fromBen]] as const) {
      await socket.next(isAdded, { from });
      expect((await framesUntilNotice(socket, from, app)).filter(isAdded)).toHaveLength(1);
    }
    // The same export again changes nothing.
    expect(await put('/friendships', { pairs: exported })).toEqual({ changed: 0 });
  });

  it('PUT /service/friendships: the later item for the same side of the same pair wins, either direction; a side left out is not reset', async () => {
    const { put, given } = await sidecar();
    expect(
      await put('/friendships', {
        pairs: [
          { a: 'cat', b: 'dan', a_category: 'close_friend', b_category: 'close_friend' },
          // Dan's side again, named from Dan: acquaintance; Cat's side left out keeps close_friend.
          { a: 'dan', b: 'cat', a_category: 'acquaintance' },
          { a: 'eve', b: 'fay' },
          // Cat's side again, named from Cat: friend.
          { a: 'cat', b: 'dan', a_category: 'friend' },
        ],
      }),
    ).toEqual({ changed: 2 });
    expect([await given('cat', 'dan'), await given('dan', 'cat')]).toEqual(['friend', 'acquaintance']);
    expect([await given('eve', 'fay'), await given('fay', 'eve')]).toEqual(['friend', 'friend']);
    // The same items in the other order: the other item is later, and wins.
    expect(
      await put('/friendships', {
        pairs: [
          { a: 'cat', b: 'dan', a_category: 'friend' },
          { a: 'dan', b: 'cat', b_category: 'close_friend', a_category: 'acquaintance' },
          { a: 'cat', b: 'dan', a_category: 'close_friend', b_category: 'close_friend' },
        ],
      }),
    ).toEqual({ changed: 1 });
    expect([await given('cat', 'dan'), await given('dan', 'cat')]).toEqual(['close_friend', 'close_friend']);
    // A pair named twice that ends as it was stored changed nothing.
    expect(
      await put('/friendships', {
        pairs: [
          { a: 'cat', b: 'dan', a_category: 'acquaintance' },
          { a: 'dan', b: 'cat', b_category: 'close_friend' },
        ],
      }),
    ).toEqual({ changed: 0 });
    expect([await given('cat', 'dan'), await given('dan', 'cat')]).toEqual(['close_friend', 'close_friend']);
  });

  it('PUT /service/users/:id/friends: a friend listed twice (2 and "2") is one friend, with the later item\'s category', async () => {
    const { put, given } = await sidecar();
    expect(await put('/users/1/friends', { friends: [{ id: 2, category: 'close_friend' }, { id: '2', category: 'acquaintance' }, { id: 3 }] })).toEqual({ added: 2, removed: 0 });
    expect([await given('1', '2'), await given('2', '1'), await given('1', '3')]).toEqual(['acquaintance', 'friend', 'friend']);
    // In the other order, the other one wins (and counts as a change of that friend's category).
    expect(await put('/users/1/friends', { friends: [{ id: '2', category: 'acquaintance' }, { id: 2, category: 'close_friend' }, { id: '3' }] })).toEqual({ added: 1, removed: 0 });
    expect(await given('1', '2')).toBe('close_friend');
    // Left out, a repeat is `friend`, as any listed friend without a category.
    expect(await put('/users/1/friends', { friends: [{ id: 2, category: 'close_friend' }, { id: '2' }, { id: 3 }] })).toEqual({ added: 1, removed: 0 });
    expect(await given('1', '2')).toBe('friend');
  });

  it('PUT /service/users: a user named twice (7 and "7") is one user, counted once, with the later name', async () => {
    const { put, name } = await sidecar();
    expect(await put('/users', { users: [{ id: 7, name: 'First' }, { id: '7', name: 'Second' }, { id: 'gil', name: 'Gil' }] })).toEqual({ users: 2 });
    expect([await name('7'), await name('gil')]).toEqual(['Second', 'Gil']);
    expect(await put('/users', { users: [{ id: '7', name: 'Second' }, { id: 7, name: 'First' }] })).toEqual({ users: 1 });
    expect(await name('7')).toBe('First');
  });
});
