/**
 * The shared PresenceStore (src/server/ports/presence-store.ts) on the test Redis and on a
 * local Redis Cluster: versioned user-level fields, per-instance sessions, and live-instance
 * filtering; and what the memory store (in-process clusters in tests) must say alike.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryPresenceStore } from '../../src/server/adapters/presence-store-memory.js';
import { RedisPresenceStore } from '../../src/server/adapters/presence-store-redis.js';
import { compareVersions, nextVersion, type PresenceStore } from '../../src/server/ports/presence-store.js';
import type { ReplicaState } from '../../src/server/presence/types.js';
import { REDIS_URL, requireRedis, uniquePrefix } from '../helpers/redis.js';
import { clusterTarget, requireRedisCluster, type LocalRedisCluster } from '../helpers/redis-cluster.js';
import type { RedisTarget } from '../../src/server/adapters/redis-target.js';

const T0 = Date.UTC(2026, 0, 1);
const base: ReplicaState = {
  sessions: [],
  serverGames: [],
  manualStatus: null,
  customMessage: null,
  customMessageExpiresAt: null,
  declaredActivity: null,
  lastSeen: null,
  lastActivity: null,
  graceUntil: null,
  autoAway: false,
};

describe('versions', () => {
  it('order by time, then by instance id, and a new version is later than anything seen', () => {
    expect(compareVersions({ at: 1, by: 'b' }, { at: 2, by: 'a' })).toBeLessThan(0);
    expect(compareVersions({ at: 2, by: 'b' }, { at: 2, by: 'a' })).toBeGreaterThan(0);
    expect(compareVersions({ at: 2, by: 'a' }, { at: 2, by: 'a' })).toBe(0);
    expect(nextVersion(undefined, T0, 'x')).toEqual({ at: T0, by: 'x' });
    // A clock behind a version already seen still moves forward.
    expect(nextVersion({ at: T0 + 500, by: 'y' }, T0, 'x')).toEqual({ at: T0 + 501, by: 'x' });
  });
});

let redisCluster: LocalRedisCluster | undefined;
afterAll(async () => {
  await redisCluster?.stop();
});

describe.each([
  {
    on: 'one Redis',
    target: async (): Promise<RedisTarget> => {
      await (await requireRedis()).quit();
      return { mode: 'single', url: REDIS_URL };
    },
  },
  {
    on: 'a Redis Cluster',
    target: async (): Promise<RedisTarget> => clusterTarget((redisCluster ??= await requireRedisCluster())),
  },
])('RedisPresenceStore on $on', ({ target }) => {
  let store: RedisPresenceStore;
  beforeAll(async () => {
    store = new RedisPresenceStore({ target: await target(), prefix: uniquePrefix() });
    await store.connect();
  });
  afterAll(() => store.close());

  it('never lets an older copy overwrite newer user-level fields, whatever order they are saved in', async () => {
    const newer = { ...base, manualStatus: 'busy' as const, customMessage: 'newer' };
    const older = { ...base, manualStatus: 'away' as const, customMessage: 'older' };
    expect(await store.save(1, 'a', newer, { at: T0 + 10, by: 'a' })).toBe(true);
    expect(await store.save(1, 'b', older, { at: T0 + 5, by: 'b' })).toBe(false);
    const got = (await store.load([1], null)).get(1);
    expect(got).toMatchObject({ customMessage: 'newer', manualStatus: 'busy', version: { at: T0 + 10, by: 'a' } });
    // Equal times: the instance id breaks the tie, the same way on every instance.
    expect(await store.save(1, 'c', { ...base, customMessage: 'tie' }, { at: T0 + 10, by: 'c' })).toBe(true);
    expect(await store.save(1, 'b', older, { at: T0 + 10, by: 'b' })).toBe(false);
    expect((await store.load([1], null)).get(1)?.customMessage).toBe('tie');
  });

  it('stores each instance its own sessions even when its user-level fields are older', async () => {
    await store.save(2, 'a', { ...base, sessions: [{ id: 'a/1', kind: 'socket', lastTouch: T0 }] }, { at: T0 + 10, by: 'a' });
    await store.save(2, 'b', { ...base, sessions: [{ id: 'b/1', kind: 'socket', lastTouch: T0 }] }, { at: T0 + 1, by: 'b' });
    const got = (await store.load([2], null)).get(2);
    expect(got?.sessions.map((s) => s.id).sort()).toEqual(['a/1', 'b/1']);
    expect(got?.orphaned).toBeUndefined();
    // Sockets of an instance that is not live are left out, and the replica says so.
    const orphaned = (await store.load([2], new Set(['a']))).get(2);
    expect(orphaned?.sessions.map((s) => s.id)).toEqual(['a/1']);
    expect(orphaned?.orphaned).toBe(true);
    expect((await store.load([2], new Set(['a', 'b']))).get(2)?.orphaned).toBeUndefined();
  });

  it("forgets a deleted user: every instance's sessions, the fields and their version go, and nobody else's", async () => {
    await store.save(4, 'a', { ...base, customMessage: 'private', sessions: [{ id: 'a/1', kind: 'socket', lastTouch: T0 }] }, { at: T0 + 50, by: 'a' });
    await store.save(4, 'b', { ...base, sessions: [{ id: 'b/1', kind: 'socket', lastTouch: T0 }] }, { at: T0 + 1, by: 'b' });
    await store.save(5, 'a', { ...base, customMessage: 'kept' }, { at: T0, by: 'a' });
    await store.forget(4);
    const got = await store.load([4, 5], null);
    expect(got.has(4)).toBe(false);
    expect(got.get(5)?.customMessage).toBe('kept');
    // A user who takes the id later starts afresh: an older version is no longer refused.
    expect(await store.save(4, 'b', { ...base, customMessage: 'fresh' }, { at: T0 + 2, by: 'b' })).toBe(true);
    expect((await store.load([4], null)).get(4)).toMatchObject({ customMessage: 'fresh', sessions: [] });
  });

  it('keeps copies alive without changing them, and makes none of a user it holds nothing of', async () => {
    const saved = { ...base, customMessage: 'kept alive', sessions: [{ id: 'a/1', kind: 'socket' as const, lastTouch: T0 }] };
    await store.save(6, 'a', saved, { at: T0 + 3, by: 'a' });
    const before = (await store.load([6], null)).get(6);
    await store.keepAlive([6, 7]);
    const after = await store.load([6, 7], null);
    expect(after.get(6)).toEqual(before);
    expect(after.has(7)).toBe(false);
  });

  it('keeps server games with their start time', async () => {
    const games = [{ matchId: 'm', activity: 'playing_pong' as const, startedAt: T0 }];
    await store.save(3, 'a', { ...base, serverGames: games }, { at: T0, by: 'a' });
    expect((await store.load([3], null)).get(3)?.serverGames).toEqual(games);
  });

  it('loads many users at once, wherever their keys live, and lists live instances', async () => {
    const ids = Array.from({ length: 200 }, (_, i) => 1000 + i);
    await Promise.all(ids.map((id) => store.save(id, 'a', { ...base, customMessage: `m${id}` }, { at: T0, by: 'a' })));
    const got = await store.load([...ids, 999_999], null);
    expect(got.size).toBe(ids.length);
    expect(ids.every((id) => got.get(id)?.customMessage === `m${id}`)).toBe(true);
  });

  it('answers the cards instances gave (the last one), none for one without, and forgets one that left', async () => {
    await store.putCard('card-a', { tokenSecret: 'fp-old' });
    await store.putCard('card-a', { tokenSecret: 'fp-a' });
    await store.putCard('card-b', { tokenSecret: 'fp-b' });
    await store.heartbeat('card-none');
    expect(await store.cards(['card-a', 'card-b', 'card-none', 'never'])).toEqual(
      new Map([
        ['card-a', { tokenSecret: 'fp-a' }],
        ['card-b', { tokenSecret: 'fp-b' }],
      ]),
    );
    await store.leave('card-b');
    expect(await store.cards(['card-a', 'card-b'])).toEqual(new Map([['card-a', { tokenSecret: 'fp-a' }]]));
  });

  it("keeps a sidecar card's fingerprints of the site's secrets, in order", async () => {
    await store.putCard('card-sidecar', { tokenSecret: 'fp-s', hostSecrets: ['fp-current', 'fp-previous'] });
    expect(await store.cards(['card-sidecar'])).toEqual(new Map([['card-sidecar', { tokenSecret: 'fp-s', hostSecrets: ['fp-current', 'fp-previous'] }]]));
  });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The beats, on every store alike: dated and aged on the store's clock (Redis: the server's
 * TIME; these Redis servers run on this machine, so on its clock), never on an instance's, which
 * no call passes any more. Windows of a few hundred ms, waited for in real time.
 */
describe.each([
  { on: 'the memory store', make: async (): Promise<PresenceStore> => new MemoryPresenceStore() },
  {
    on: 'one Redis',
    make: async (): Promise<PresenceStore> => {
      await (await requireRedis()).quit();
      const store = new RedisPresenceStore({ url: REDIS_URL, prefix: uniquePrefix() });
      await store.connect();
      return store;
    },
  },
  {
    on: 'a Redis Cluster',
    make: async (): Promise<PresenceStore> => {
      const store = new RedisPresenceStore({ target: clusterTarget((redisCluster ??= await requireRedisCluster())), prefix: uniquePrefix() });
      await store.connect();
      return store;
    },
  },
])('heartbeats on $on', ({ make }) => {
  let store: PresenceStore;
  beforeAll(async () => {
    store = await make();
  });
  afterAll(() => store.close());

  it("lists the instances that beat within the window on the store's clock, and answers a beat's time on it", async () => {
    const before = Date.now();
    await store.heartbeat('live-b');
    await sleep(400);
    const at = await store.heartbeat('live-a');
    expect(at).toBeGreaterThanOrEqual(before);
    expect(at).toBeLessThanOrEqual(Date.now() + 5);
    expect(await store.liveInstances(300)).toEqual(new Set(['live-a']));
    expect(await store.liveInstances(60_000)).toEqual(new Set(['live-a', 'live-b']));
  });

  it("tells when listed instances last beat, on the store's clock (a dead one's sessions end then), and nothing of one that left", async () => {
    const at = await store.heartbeat('last-a');
    await store.heartbeat('last-gone');
    await store.leave('last-gone');
    expect(await store.lastBeats!(['last-a', 'last-gone', 'never'])).toEqual(new Map([['last-a', at]]));
  });

  it('lists the instances that said they were saturated within the window, and forgets one that left', async () => {
    await store.heartbeat('sat-a', true);
    await sleep(400);
    await store.heartbeat('sat-b', true);
    await store.heartbeat('sat-c', false);
    await store.heartbeat('sat-d', true);
    expect(await store.saturatedInstances(300)).toEqual(new Set(['sat-b', 'sat-d']));
    // A later beat that is not saturated leaves the earlier mark to age out.
    await store.heartbeat('sat-b', false);
    expect(await store.saturatedInstances(300)).toEqual(new Set(['sat-b', 'sat-d']));
    await sleep(400);
    expect(await store.saturatedInstances(300)).toEqual(new Set());
    await store.leave('sat-b');
    expect(await store.saturatedInstances(60_000)).toEqual(new Set(['sat-a', 'sat-d']));
  });
});

/**
 * Which instances saved their sessions into a copy (`savedBy`), the Redis store and the memory
 * store alike: after a Redis restarted empty, a resync tells an instance that has not re-saved
 * the user yet (its sessions are unknown to the copy) from one whose sessions of the user ended.
 */
describe.each([
  { on: 'the memory store', make: async (): Promise<PresenceStore> => new MemoryPresenceStore() },
  {
    on: 'one Redis',
    make: async (): Promise<PresenceStore> => {
      await (await requireRedis()).quit();
      const store = new RedisPresenceStore({ url: REDIS_URL, prefix: uniquePrefix() });
      await store.connect();
      return store;
    },
  },
])('savedBy on $on', ({ make }) => {
  let store: PresenceStore;
  beforeAll(async () => {
    store = await make();
  });
  afterAll(() => store.close());

  it('names, when asked, every instance that saved its sessions of the user, an empty list too, live or not, and none that saved nothing', async () => {
    await store.save(30, 'a', { ...base, sessions: [{ id: 'a/1', kind: 'socket', lastTouch: T0 }] }, { at: T0 + 2, by: 'a' });
    await store.save(30, 'b', { ...base, sessions: [] }, { at: T0 + 1, by: 'b' });
    await store.save(31, 'a', { ...base, sessions: [{ id: 'a/2', kind: 'socket', lastTouch: T0 }] }, { at: T0, by: 'a' });
    const got = await store.load([30, 31], null, { savedBy: true });
    expect(got.get(30)?.savedBy?.slice().sort()).toEqual(['a', 'b']);
    expect(got.get(30)?.sessions.map((s) => s.id)).toEqual(['a/1']);
    expect(got.get(31)?.savedBy).toEqual(['a']);
    // An instance that is not live still saved its list (its sessions are left out: orphaned).
    const live = (await store.load([30], new Set(['b']), { savedBy: true })).get(30);
    expect(live?.savedBy?.slice().sort()).toEqual(['a', 'b']);
    expect(live).toMatchObject({ sessions: [], orphaned: true });
    // Only when asked (a load at a connect does no more than before).
    expect((await store.load([30], null)).get(30)).not.toHaveProperty('savedBy');
  });
});
