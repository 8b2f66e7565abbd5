/**
 * Findings: check-then-act races like the login throttle's. A friend request's checks
 * (blocked, declined recently, already asked the other way), its acceptance and its
 * cancellation, the cap on watched friends and the push subscriptions of an account were
 * each read, then something awaited, then written, so requests sent at once passed the same
 * check together: crossed requests left two pending requests and no friendship, a request
 * reached a user who had just blocked its sender or just declined, a cancelled request was
 * accepted anyway, more friends were watched than allowed (and a watch outlived the friendship
 * it was added during), more browsers kept than allowed, and one endpoint saved twice at once
 * answered 500.
 *
 * Every race is swept: the second request starts together with the first, then a few
 * event-loop turns or milliseconds later, so that its queries meet the first's at each
 * point. On SQLite (one instance) and on PostgreSQL with TWO instances sharing the
 * database, the racing requests going to different instances.
 */
import { createECDH } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { FriendRepository } from '../../../src/server/friends/friend-repository.js';
import { MAX_SUBSCRIPTIONS_PER_USER, MAX_WATCHES_PER_USER, NotificationRepository } from '../../../src/server/notifications/notification-repository.js';
import type { FriendRequest } from '../../../src/protocol/index.js';
import { bearer } from '../../helpers/app.js';
import { freshDatabase, testDialects } from '../../helpers/databases.js';
import { startLiveApp, type LiveApp } from '../../helpers/live-app.js';

type U = { token: string; id: number };
type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
type Wait = { turns?: number; ms?: number };
type Res = Awaited<ReturnType<LiveApp['app']['inject']>>;

/** How far apart two racing requests start: together, then a few turns of the event loop (SQLite answers within them) or milliseconds (PostgreSQL) apart. */
const WAITS: Wait[] = [{}, { turns: 1 }, { turns: 2 }, { turns: 4 }, { ms: 2 }];

describe.each(testDialects())('concurrent requests on %s', (dialect) => {
  /** The instance the first racing request goes to, and the one the second goes to (the same one on SQLite). */
  let t: LiveApp;
  let t2: LiveApp;
  let drop: () => Promise<void>;
  let alice: U;
  let bob: U;
  const db = () => t.app.services.database.db;

  beforeAll(async () => {
    const fresh = await freshDatabase(dialect);
    drop = fresh.drop;
    t = await startLiveApp({ databaseUrl: fresh.url });
    t2 = dialect === 'postgres' ? await startLiveApp({ databaseUrl: fresh.url }) : t;
    [alice, bob] = await Promise.all([t.register('alice'), t.register('bob')]);
  });
  afterAll(async () => {
    if (t2 !== t) await t2.close();
    await t.close();
    await drop();
  });
  // Each test starts from two strangers with nothing stored about them (tests end friendships and blocks they made through the API).
  beforeEach(async () => {
    for (const table of ['friend_requests', 'friend_request_declines', 'blocks', 'friendships', 'push_subscriptions', 'notification_watches'] as const) {
      await db().deleteFrom(table).execute();
    }
    await db().deleteFrom('users').where('id', 'not in', [alice.id, bob.id]).execute();
  });

  const api = (who: U, method: Method, url: string, payload?: object, on: LiveApp = t) =>
    on.app.inject({ method, url: `/api/v1${url}`, headers: bearer(who.token), ...(payload ? { payload } : {}) });
  const ask = (from: U, to: U, on?: LiveApp) => api(from, 'POST', '/users/me/friends/requests', { user_id: to.id }, on);
  /** What the database holds about Alice and Bob: pending requests, whether they are friends (both rows), declines recorded. */
  const state = async () => {
    const requests = await db().selectFrom('friend_requests').select('from_user_id').execute();
    const friendships = await db().selectFrom('friendships').select('user_id').execute();
    const declines = await db().selectFrom('friend_request_declines').select('from_user_id').execute();
    return {
      requests: requests.map((r) => (r.from_user_id === alice.id ? 'alice→bob' : 'bob→alice')).sort(),
      friends: friendships.length === 2 ? true : friendships.length === 0 ? false : `${friendships.length} rows`,
      declines: declines.length,
    };
  };
  const unfriend = async () => expect((await api(alice, 'DELETE', `/users/me/friends/${bob.id}`)).statusCode).toBe(204);

  /** Starts `first` on one instance, waits, starts `second` on the other: both run at once. */
  const staggered = async (first: (on: LiveApp) => Promise<Res>, second: (on: LiveApp) => Promise<Res>, wait: Wait): Promise<[Res, Res]> => {
    const a = first(t);
    if (wait.ms) await new Promise((r) => setTimeout(r, wait.ms));
    for (let i = 0; i < (wait.turns ?? 0); i++) await new Promise((r) => setImmediate(r));
    return Promise.all([a, second(t2)]);
  };
  /** Each order of the two, at each wait: `check` sees the two answers in the order given. */
  const sweep = async (x: (on: LiveApp) => Promise<Res>, y: (on: LiveApp) => Promise<Res>, check: (wait: Wait & { first: string }, rx: Res, ry: Res) => Promise<void>, before?: () => Promise<void>) => {
    for (const wait of WAITS) {
      for (const xFirst of [true, false]) {
        await before?.();
        const [rx, ry] = xFirst ? await staggered(x, y, wait) : ((await staggered(y, x, wait)).reverse() as [Res, Res]);
        await check({ ...wait, first: xFirst ? 'x' : 'y' }, rx, ry);
      }
    }
  };

  describe('friend requests', () => {
    it('two users asking each other at once become friends, with no request left pending', async () => {
      await sweep(
        (on) => ask(alice, bob, on),
        (on) => ask(bob, alice, on),
        async (wait, x, y) => {
          expect({ wait, codes: [x.statusCode, y.statusCode].sort(), ...(await state()) }).toEqual({ wait, codes: [200, 201], requests: [], friends: true, declines: 0 });
          await unfriend();
        },
      );
    });

    // Alice (the sender) cancels, or Bob (the recipient) declines; only a decline starts the cooldown.
    it.each([
      { closer: 'cancelled', by: () => alice, declines: 0 },
      { closer: 'declined', by: () => bob, declines: 1 },
    ])('a request $closer while it is accepted: exactly one of the two happens', async ({ by, declines }) => {
      let id = 0;
      await sweep(
        (on) => api(by(), 'POST', `/users/me/friends/requests/${id}/decline`, undefined, on),
        (on) => api(bob, 'POST', `/users/me/friends/requests/${id}/accept`, undefined, on),
        async (wait, close, accept) => {
          const outcome = { wait, close: close.statusCode, accept: accept.statusCode, ...(await state()) };
          if (accept.statusCode === 200) {
            expect(outcome).toEqual({ wait, close: 404, accept: 200, requests: [], friends: true, declines: 0 });
            await unfriend();
          } else {
            expect(outcome).toEqual({ wait, close: 204, accept: 404, requests: [], friends: false, declines });
          }
        },
        async () => {
          await db().deleteFrom('friend_request_declines').execute();
          id = (await ask(alice, bob)).json<{ request: { id: number } }>().request.id;
        },
      );
    });

    it('a request sent while its recipient blocks the sender never reaches the recipient', async () => {
      await sweep(
        (on) => ask(alice, bob, on),
        (on) => api(bob, 'POST', '/users/me/blocks', { user_id: alice.id }, on),
        async (wait, sent, blocked) => {
          // Sent first, the block declines it; blocked first, it is kept for Alice alone (shadowed), and reaches Bob at the unblock.
          const incoming = async () => (await api(bob, 'GET', '/users/me/friends/requests')).json<{ incoming: unknown[] }>().incoming;
          const outcome = { wait, blocked: blocked.statusCode, sent: sent.statusCode, incoming: await incoming(), friends: (await state()).friends };
          expect(outcome).toEqual({ wait, blocked: 204, sent: 201, incoming: [], friends: false });
          expect((await api(bob, 'DELETE', `/users/me/blocks/${alice.id}`)).statusCode).toBe(204);
          const after = { ...(await state()), incoming: (await incoming()).length };
          expect([
            { requests: [], friends: false, declines: 1, incoming: 0 },
            { requests: ['alice→bob'], friends: false, declines: 0, incoming: 1 },
          ]).toContainEqual(after);
          await db().deleteFrom('friend_request_declines').execute();
          await db().deleteFrom('friend_requests').execute();
        },
      );
    });

    it('a request sent again while the last one is declined does not pass the cooldown', async () => {
      let id = 0;
      await sweep(
        (on) => api(bob, 'POST', `/users/me/friends/requests/${id}/decline`, undefined, on),
        (on) => ask(alice, bob, on),
        async (wait, declined, asked) => {
          const outcome = { wait, declined: declined.statusCode, asked: [409, 429].includes(asked.statusCode), ...(await state()) };
          expect(outcome).toEqual({ wait, declined: 204, asked: true, requests: [], friends: false, declines: 1 });
        },
        async () => {
          // The last trial's cooldown is forgotten, and Alice asks again.
          await db().deleteFrom('friend_request_declines').execute();
          const sent = await ask(alice, bob);
          expect(sent.statusCode).toBe(201);
          id = sent.json<{ request: { id: number } }>().request.id;
        },
      );
    });
  });

  describe('an account deleted while a request reaches it', () => {
    /**
     * Deletes `who`'s account and runs `action` once the deletion has read their requests,
     * giving it 50 ms to land before the deletion goes on. Answers the action's response and
     * the ids of the requests announced as closed that `about` picks.
     */
    async function deleteDuring(who: U, action: () => Promise<Res>, about: (r: FriendRequest) => boolean): Promise<{ res: Res; closed: number[] }> {
      const closed: number[] = [];
      for (const inst of new Set([t, t2])) {
        inst.app.services.friends.onGraphChange((e) => {
          if (e.kind === 'request_closed' && about(e.request)) closed.push(e.request.id);
        });
      }
      let started: Promise<Res> | null = null;
      const requestsOf = FriendRepository.prototype.requestsOf;
      const spy = vi.spyOn(FriendRepository.prototype, 'requestsOf').mockImplementation(async function (this: FriendRepository, userId: number) {
        const read = await requestsOf.call(this, userId);
        if (userId === who.id && !started) {
          started = action();
          await new Promise((r) => setTimeout(r, 50));
        }
        return read;
      });
      try {
        expect((await api(who, 'DELETE', '/users/me', { password: 'pass-phrase-for-tests' })).statusCode).toBe(204);
        expect(started).not.toBeNull();
        return { res: await started!, closed };
      } finally {
        spy.mockRestore();
      }
    }

    it('the request is refused (404, never 500) or announced as closed: never deleted unannounced', async () => {
      const carl = await t.register('carl');
      const { res: sent, closed } = await deleteDuring(carl, () => ask(alice, carl, t2), (r) => r.to_user_id === carl.id);
      if (sent.statusCode === 201) expect(closed).toEqual([sent.json<{ request: { id: number } }>().request.id]);
      else expect({ code: sent.statusCode, body: sent.json<{ code: string }>().code }).toEqual({ code: 404, body: 'NOT_FOUND' });
      expect((await state()).requests).toEqual([]);
    });

    it('a request accepted while its sender deletes the account: refused (404, never a deadlock or 500), and the request announced as closed', async () => {
      const dan = await t.register('dan');
      const request = (await ask(dan, alice)).json<{ request: { id: number } }>().request;
      const accept = () => api(alice, 'POST', `/users/me/friends/requests/${request.id}/accept`, undefined, t2);
      const { res, closed } = await deleteDuring(dan, accept, (r) => r.from_user_id === dan.id);
      expect({ code: res.statusCode, body: res.json<{ code: string }>().code }).toEqual({ code: 404, body: 'NOT_FOUND' });
      expect(closed).toEqual([request.id]);
      expect(await state()).toMatchObject({ requests: [], friends: false });
    });
  });

  describe('notifications', () => {
    // A browser's key is a point of P-256 (the route checks it).
    const browserKey = createECDH('prime256v1');
    browserKey.generateKeys();
    const sub = (endpoint: string) => ({
      endpoint,
      keys: { p256dh: browserKey.getPublicKey().toString('base64url'), auth: Buffer.alloc(16, 9).toString('base64url') },
    });
    const subscriptions = () => db().selectFrom('push_subscriptions').select(['endpoint', 'user_id']).orderBy('endpoint').execute();
    const half = (i: number) => (i % 2 === 0 ? t : t2);

    it('one endpoint saved by several requests at once: each is answered 204, and it is stored once', async () => {
      const endpoint = 'https://push.example.com/send/one-browser';
      const res = await Promise.all(Array.from({ length: 8 }, (_, i) => api(alice, 'PUT', '/users/me/push-subscription', sub(endpoint), half(i))));
      expect(res.map((r) => r.statusCode)).toEqual(Array(8).fill(204));
      expect(await subscriptions()).toEqual([{ endpoint, user_id: alice.id }]);
      // Two accounts saving it at once (logged in, in turn, on that browser): it belongs to one of them.
      const both = await Promise.all([alice, bob, alice, bob].map((who, i) => api(who, 'PUT', '/users/me/push-subscription', sub(endpoint), half(i))));
      expect(both.map((r) => r.statusCode)).toEqual([204, 204, 204, 204]);
      expect(await subscriptions()).toHaveLength(1);
    });

    it(`a user's browsers saved at once stay within ${MAX_SUBSCRIPTIONS_PER_USER}`, async () => {
      for (let i = 0; i < MAX_SUBSCRIPTIONS_PER_USER; i++) {
        expect((await api(alice, 'PUT', '/users/me/push-subscription', sub(`https://push.example.com/send/old-${i}`))).statusCode).toBe(204);
      }
      const res = await Promise.all(Array.from({ length: 6 }, (_, i) => api(alice, 'PUT', '/users/me/push-subscription', sub(`https://push.example.com/send/new-${i}`), half(i))));
      expect(res.map((r) => r.statusCode)).toEqual(Array(6).fill(204));
      expect(await subscriptions()).toHaveLength(MAX_SUBSCRIPTIONS_PER_USER);
      expect((await api(alice, 'GET', '/users/me/notifications/settings')).json()).toMatchObject({ push_subscriptions: MAX_SUBSCRIPTIONS_PER_USER });
    });

    it('a friend watched while the friendship ends is not watched', async () => {
      const watches = async () => (await db().selectFrom('notification_watches').select('friend_id').execute()).length;
      await sweep(
        (on) => api(alice, 'PUT', `/users/me/notifications/watches/${bob.id}`, undefined, on),
        (on) => api(bob, 'DELETE', `/users/me/friends/${alice.id}`, undefined, on),
        async (wait, watched, ended) => {
          expect({ wait, ended: ended.statusCode, watched: [200, 404].includes(watched.statusCode) }).toEqual({ wait, ended: 204, watched: true });
          // Unfriending drops the watches in the background.
          await expect.poll(watches, { timeout: 5_000 }).toBe(0);
        },
        () => t.befriend(alice, bob),
      );
    });

    it(`friends watched at once stay within ${MAX_WATCHES_PER_USER}`, async () => {
      const now = t.clock.now();
      const { users, friendRepo } = t.app.services;
      // 205 friends through the repositories (no password to hash), 195 of them watched already.
      const created = await Promise.all(Array.from({ length: MAX_WATCHES_PER_USER + 5 }, (_, i) => users.create({ username: `friend${i}`, displayName: `friend${i}`, passwordHash: '', role: 'user', now })));
      const ids = created.map((u) => u!.id);
      await Promise.all(ids.map((id) => friendRepo.befriend(alice.id, id, now)));
      const already = MAX_WATCHES_PER_USER - 5;
      const notifications = new NotificationRepository(db());
      for (const id of ids.slice(0, already)) expect(await notifications.addWatch(alice.id, id, now)).toBe(true);

      const res = await Promise.all(ids.slice(already).map((id, i) => api(alice, 'PUT', `/users/me/notifications/watches/${id}`, undefined, half(i))));
      const codes = res.map((r) => r.statusCode).sort();
      expect(codes).toEqual([...Array(5).fill(200), ...Array(5).fill(409)]);
      expect(res.filter((r) => r.statusCode === 409).map((r) => r.json<{ code: string }>().code)).toEqual(Array(5).fill('CONFLICT'));
      expect((await api(alice, 'GET', '/users/me/notifications/watches')).json<unknown[]>()).toHaveLength(MAX_WATCHES_PER_USER);
      // Watching a friend watched already still answers 200 at the cap.
      expect((await api(alice, 'PUT', `/users/me/notifications/watches/${ids[0]}`)).statusCode).toBe(200);
    });
  });
});
