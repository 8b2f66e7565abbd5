/** The cached friend graph: the category each friend GAVE the viewer decides the viewer's tier. */
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FRIEND_CATEGORIES, type FriendCategory } from '../../../src/protocol/index.js';
import type { FriendRepository } from '../../../src/server/friends/friend-repository.js';
import type { ViewerTier } from '../../../src/server/presence/types.js';
import { FriendGraph } from '../../../src/server/status/friend-graph.js';

function graphOver(given: Record<number, Record<number, FriendCategory>>) {
  let queries = 0;
  let release: (() => void) | null = null;
  let hold = false;
  const repo = {
    categoriesGivenTo: async (viewerId: number) => {
      queries++;
      if (hold) await new Promise<void>((r) => (release = r));
      return new Map(Object.entries(given[viewerId] ?? {}).map(([id, c]) => [Number(id), c] as const));
    },
  } as unknown as FriendRepository;
  return {
    graph: new FriendGraph(repo),
    queries: () => queries,
    holdQueries: () => void (hold = true),
    releaseQuery: () => release?.(),
  };
}

describe('FriendGraph', () => {
  afterEach(() => vi.restoreAllMocks());

  it('lists the cached viewers whose friends include a subject, changes not packed yet included', async () => {
    const friends = Object.fromEntries(Array.from({ length: 64 }, (_, i) => [100 + i, 'friend' as const]));
    const { graph } = graphOver({ 1: { ...friends, 9: 'friend' }, 2: { 9: 'close_friend' }, 3: { 4: 'friend' } });
    for (const id of [1, 2, 3]) await graph.load(id, 'user');
    expect(graph.holders(9).sort()).toEqual([1, 2]);
    // One change among 65 waits unpacked: it counts all the same, both ways.
    graph.set(1, 9, null);
    graph.set(3, 9, 'friend');
    expect(graph.holders(9).sort()).toEqual([2, 3]);
    expect(graph.holders(77)).toEqual([]);
  });

  it('knows the tier each friend gave the viewer, one-sided, from one query', async () => {
    const { graph, queries } = graphOver({ 1: { 5: 'close_friend', 3: 'friend', 9: 'acquaintance', 7: 'friend' } });
    await graph.load(1, 'user');
    expect(graph.has(1)).toBe(true);
    expect(graph.friendsOf(1)).toEqual([3, 5, 7, 9]);
    expect(graph.tier(1, 5)).toBe('close_friend');
    expect(graph.tier(1, 3)).toBe('friend');
    expect(graph.tier(1, 7)).toBe('friend');
    expect(graph.tier(1, 9)).toBe('public');
    expect(graph.tier(1, 4)).toBe('public');
    expect(graph.tier(1, 1)).toBe('self');
    expect(graph.isFriend(1, 9)).toBe(true);
    expect(graph.isFriend(1, 4)).toBe(false);
    await graph.load(1, 'user');
    expect(queries()).toBe(1);
  });

  it('answers for a viewer it never loaded: public, self, or admin', () => {
    const { graph } = graphOver({});
    expect(graph.has(2)).toBe(false);
    expect(graph.friendsOf(2)).toEqual([]);
    expect(graph.isFriend(2, 1)).toBe(false);
    expect(graph.tier(2, 1)).toBe('public');
    expect(graph.tier(2, 2)).toBe('self');
  });

  it("an admin sees as admin; once loaded, the role follows setRole (the sockets'), not a reload, and needs no query", async () => {
    const { graph, queries } = graphOver({ 1: { 2: 'friend' } });
    await graph.load(1, 'admin');
    expect(graph.tier(1, 2)).toBe('admin');
    // A request with another token (REST) neither raises nor lowers what the sockets receive.
    await graph.load(1, 'user');
    expect(graph.tier(1, 2)).toBe('admin');
    expect(graph.tierAs({ id: 1, role: 'user' }, 2)).toBe('friend');
    graph.setRole(1, 'user');
    expect(graph.tier(1, 2)).toBe('friend');
    expect(graph.tierAs({ id: 1, role: 'admin' }, 2)).toBe('admin');
    graph.setRole(1, 'admin');
    expect(graph.tier(1, 2)).toBe('admin');
    expect(graph.tier(1, 1)).toBe('self');
    expect(queries()).toBe(1);
  });

  it('while a viewer loads, its tier already uses the role it loads with', async () => {
    const g = graphOver({ 1: { 2: 'friend' } });
    g.holdQueries();
    const loading = g.graph.load(1, 'admin');
    await Promise.resolve();
    expect(g.graph.tier(1, 2)).toBe('admin');
    g.releaseQuery();
    await loading;
    expect(g.graph.tier(1, 2)).toBe('admin');
    expect(g.graph.tier(1, 3)).toBe('admin');
  });

  it('two loads racing keep the first result and its role, until setRole', async () => {
    const { graph } = graphOver({ 1: { 2: 'friend' } });
    await Promise.all([graph.load(1, 'user'), graph.load(1, 'admin')]);
    expect(graph.friendsOf(1)).toEqual([2]);
    expect(graph.tier(1, 2)).toBe('friend');
    graph.setRole(1, 'admin');
    expect(graph.tier(1, 2)).toBe('admin');
  });

  it('set() adds, recategorises and removes friends of cached viewers only, keeping lookups right', async () => {
    const { graph } = graphOver({ 1: { 10: 'friend', 30: 'friend' }, 2: {} });
    await graph.load(1, 'user');
    await graph.load(2, 'user');
    graph.set(1, 20, 'close_friend');
    graph.set(1, 5, 'friend');
    graph.set(1, 40, 'acquaintance');
    expect(graph.friendsOf(1)).toEqual([5, 10, 20, 30, 40]);
    expect([5, 10, 20, 30, 40].map((id) => graph.tier(1, id))).toEqual(['friend', 'friend', 'close_friend', 'friend', 'public']);
    graph.set(1, 30, 'close_friend');
    expect(graph.tier(1, 30)).toBe('close_friend');
    expect(graph.friendsOf(1)).toEqual([5, 10, 20, 30, 40]);
    graph.set(1, 10, null);
    graph.set(1, 99, null);
    expect(graph.friendsOf(1)).toEqual([5, 20, 30, 40]);
    expect(graph.isFriend(1, 10)).toBe(false);
    expect(graph.tier(1, 20)).toBe('close_friend');
    // A viewer with no friends gets a first one; an unknown viewer is ignored.
    graph.set(2, 1, 'friend');
    expect(graph.friendsOf(2)).toEqual([1]);
    expect(graph.tier(2, 1)).toBe('friend');
    graph.set(3, 1, 'friend');
    expect(graph.has(3)).toBe(false);
  });

  it('a viewer whose friends all gave "friend" (kept without a category array) is recategorised right', async () => {
    const { graph } = graphOver({ 1: { 10: 'friend', 20: 'friend', 30: 'friend' } });
    await graph.load(1, 'user');
    expect([10, 20, 30].map((id) => graph.tier(1, id))).toEqual(['friend', 'friend', 'friend']);
    const v0 = graph.version;
    // No change: the fan-out's cached tiers stay valid (a re-read after an outage sets every friend again).
    graph.set(1, 20, 'friend');
    expect(graph.version).toBe(v0);
    expect([10, 20, 30].map((id) => graph.tier(1, id))).toEqual(['friend', 'friend', 'friend']);
    graph.set(1, 20, 'close_friend');
    expect(graph.version).toBeGreaterThan(v0);
    expect([10, 20, 30].map((id) => graph.tier(1, id))).toEqual(['friend', 'close_friend', 'friend']);
    graph.set(1, 30, 'acquaintance');
    graph.set(1, 20, 'friend');
    expect([10, 20, 30].map((id) => graph.tier(1, id))).toEqual(['friend', 'friend', 'public']);
    expect(graph.friendsOf(1)).toEqual([10, 20, 30]);
  });

  it('finds every friend among many (binary search over sorted ids)', async () => {
    const ids = Array.from({ length: 50 }, (_, i) => 1000 - i * 17);
    const given: Record<number, FriendCategory> = {};
    for (const [i, id] of ids.entries()) given[id] = i % 2 === 0 ? 'friend' : 'close_friend';
    const { graph } = graphOver({ 1: given });
    await graph.load(1, 'user');
    for (const [i, id] of ids.entries()) {
      expect(graph.tier(1, id)).toBe(i % 2 === 0 ? 'friend' : 'close_friend');
      expect(graph.isFriend(1, id + 1)).toBe(false);
    }
  });
  it('5,000 friends added one by one, then removed one by one, are sorted a few times over in all, not once per change', async () => {
    const n = 5000;
    const { graph } = graphOver({ 1: {} });
    await graph.load(1, 'user');
    // Counts the entries every friend list sort goes through (pack sorts the whole list).
    let sorted = 0;
    const sort = Int32Array.prototype.sort;
    vi.spyOn(Int32Array.prototype, 'sort').mockImplementation(function (this: Int32Array, compare) {
      sorted += this.length;
      return sort.call(this, compare);
    });
    for (let i = 0; i < n; i++) {
      graph.set(1, n - i, i % 3 === 0 ? 'close_friend' : 'friend');
      // Each change is seen at once, before the list is packed again.
      expect(graph.category(1, n - i)).toBe(i % 3 === 0 ? 'close_friend' : 'friend');
    }
    expect(graph.friendsOf(1)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    const added = sorted;
    for (let i = 1; i <= n; i++) {
      graph.set(1, i, null);
      expect(graph.isFriend(1, i)).toBe(false);
      if (i < n) expect(graph.isFriend(1, i + 1)).toBe(true);
    }
    expect(graph.friendsOf(1)).toEqual([]);
    // Packed after every change, each sort took the whole list: n²/2 entries (12.5 million) each way.
    // (Measured: about 10 n adding, 7 n removing.)
    expect(added).toBeLessThan(20 * n);
    expect(sorted - added).toBeLessThan(20 * n);
  });
  it('changes waiting to be packed answer like packed ones, and a list handed out stays as it was', async () => {
    const { graph } = graphOver({ 1: { 3: 'close_friend', 6: 'friend', 9: 'acquaintance' } });
    await graph.load(1, 'user');
    const model = new Map<number, FriendCategory>([
      [3, 'close_friend'],
      [6, 'friend'],
      [9, 'acquaintance'],
    ]);
    // A fixed pseudo-random sequence of adds, recategorisations and removals over 60 ids (1 is the viewer).
    let seed = 7;
    const next = (m: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % m;
    let handed = graph.friendIds(1);
    let handedCopy = Array.from(handed);
    for (let step = 0; step < 3000; step++) {
      const id = next(60) + 2;
      const pick = next(4);
      const category = pick === 3 ? null : FRIEND_CATEGORIES[pick]!;
      graph.set(1, id, category);
      if (category === null) model.delete(id);
      else model.set(id, category);
      const probe = next(60) + 2;
      expect(graph.category(1, probe)).toBe(model.get(probe) ?? null);
      expect(graph.isFriend(1, probe)).toBe(model.has(probe));
      if (step % 97 === 0) {
        expect(Array.from(handed)).toEqual(handedCopy);
        expect(graph.friendsOf(1)).toEqual([...model.keys()].sort((a, b) => a - b));
        handed = graph.friendIds(1);
        handedCopy = Array.from(handed);
      }
    }
    for (let id = 2; id <= 61; id++) expect(graph.tier(1, id)).toBe(model.has(id) ? (model.get(id) === 'acquaintance' ? 'public' : model.get(id)) : 'public');
  });

  it('moves its version on with every change that can alter a tier, never back, and not for what changes nothing', async () => {
    const { graph } = graphOver({ 1: { 3: 'friend' }, 2: { 3: 'close_friend' } });
    const versions = [graph.version];
    const step = async (change: () => unknown) => {
      await change();
      versions.push(graph.version);
    };
    await step(() => graph.load(1, 'user'));
    await step(() => graph.set(1, 4, 'friend'));
    await step(() => graph.setRole(1, 'admin'));
    await step(() => graph.forget(1));
    await step(() => graph.load(2, 'user'));
    for (let i = 1; i < versions.length; i++) expect(versions[i]).toBeGreaterThan(versions[i - 1]!);
    // No change: a category set again, the role it has, a viewer not cached.
    const still = graph.version;
    graph.set(2, 3, 'close_friend');
    expect(graph.setRole(2, 'user')).toBeNull();
    expect(graph.setRole(1, 'admin')).toBeNull();
    graph.forget(1);
    expect(graph.version).toBe(still);
    // A change answers the role it had.
    expect(graph.setRole(2, 'admin')).toBe('user');
    expect(graph.version).toBeGreaterThan(still);
  });

  it('lists the viewers whose friend lists are cached', async () => {
    const { graph } = graphOver({ 1: { 3: 'friend' } });
    await graph.load(1, 'user');
    await graph.load(2, 'user');
    expect(graph.viewerIds()).toEqual([1, 2]);
    graph.forget(1);
    expect(graph.viewerIds()).toEqual([2]);
  });

  it('a friend whose addition waits to be packed is recategorised in the waiting change, not in a packed friend', async () => {
    // 16 friends, one a close friend (a category array kept): up to 2 changes wait before packing.
    const given: Record<number, FriendCategory> = { 10: 'close_friend' };
    for (let id = 11; id < 26; id++) given[id] = 'friend';
    const { graph } = graphOver({ 1: given });
    await graph.load(1, 'user');
    graph.set(1, 50, 'friend');
    graph.set(1, 50, 'close_friend');
    expect(graph.category(1, 50)).toBe('close_friend');
    for (let id = 10; id < 26; id++) expect(graph.category(1, id)).toBe(given[id]);
    expect(graph.friendsOf(1)).toHaveLength(17);
    expect(graph.category(1, 50)).toBe('close_friend');
  });

  it('eachFriend gives the friends friendIds lists with the tiers tier() and tierAs() give, whatever changes are packed or waiting', async () => {
    const category = fc.constantFrom<FriendCategory | null>(...FRIEND_CATEGORIES, null);
    const change = fc.record({ id: fc.integer({ min: 1, max: 40 }), category });
    const loaded = fc.dictionary(fc.integer({ min: 1, max: 40 }).map(String), fc.constantFrom(...FRIEND_CATEGORIES));
    await fc.assert(
      fc.asyncProperty(loaded, fc.array(change, { maxLength: 30, size: 'max' }), fc.constantFrom('user' as const, 'admin' as const), fc.constantFrom('user' as const, 'admin' as const), async (given, changes, role, asRole) => {
        const { graph } = graphOver({ 1: given });
        await graph.load(1, role);
        for (const c of changes) graph.set(1, c.id, c.category);
        const seen: Array<[number, ViewerTier]> = [];
        const seenAs: Array<[number, ViewerTier]> = [];
        graph.eachFriend(1, (id, tier) => seen.push([id, tier]));
        graph.eachFriend(1, (id, tier) => seenAs.push([id, tier]), { id: 1, role: asRole });
        const ids = graph.friendsOf(1);
        expect(seen).toEqual(ids.map((id) => [id, graph.tier(1, id)]));
        expect(seenAs).toEqual(ids.map((id) => [id, graph.tierAs({ id: 1, role: asRole }, id)]));
      }),
      { numRuns: 300 },
    );
    const { graph } = graphOver({});
    const none: number[] = [];
    graph.eachFriend(2, (id) => none.push(id));
    expect(none).toEqual([]);
  });
});

describe('FriendGraph: lists read again by age', () => {
  const over = (maxAgeMs: number | undefined) => {
    let t = 0;
    let queries = 0;
    const rereads: number[] = [];
    const repo = {
      categoriesGivenTo: async () => (queries++, new Map<number, FriendCategory>([[2, 'friend']])),
      categoryGiven: async () => 'friend' as const,
      ...(maxAgeMs === undefined ? {} : { maxAgeMs }),
    };
    const graph = new FriendGraph(repo, () => t);
    graph.rereadWith(async (id) => void rereads.push(id));
    return { graph, rereads, queries: () => queries, advance: (ms: number) => void (t += ms) };
  };

  it('Beacon’s own graph (no maxAgeMs): a cached list is never read again, however old', async () => {
    const { graph, rereads, queries, advance } = over(undefined);
    await graph.load(1, 'user');
    advance(365 * 86_400_000);
    graph.rereadStale();
    await graph.load(1, 'user');
    expect([queries(), rereads]).toEqual([1, []]);
  });

  it('a host graph: a load past the age re-reads once (a second load meanwhile waits for it), the clock re-reads what aged', async () => {
    const { graph, rereads, advance } = over(1000);
    await graph.load(1, 'user');
    await graph.load(3, 'user');
    advance(999);
    graph.rereadStale();
    await graph.load(1, 'user');
    expect(rereads).toEqual([]);
    advance(1);
    await Promise.all([graph.load(1, 'user'), graph.load(1, 'user')]);
    expect(rereads).toEqual([1]);
    graph.rereadStale();
    expect(rereads).toEqual([1, 3]);
    graph.rereadStale();
    expect(rereads).toEqual([1, 3]);
    // The re-reads ended: each is read again a TTL after it began.
    await new Promise((r) => setImmediate(r));
    advance(1000);
    graph.rereadStale();
    expect(rereads).toEqual([1, 3, 1, 3]);
  });

  it('a list whose re-read is still under way a TTL later is not read again meanwhile', async () => {
    const { graph, advance } = over(1000);
    const rereads: number[] = [];
    graph.rereadWith((id) => (rereads.push(id), new Promise<void>(() => undefined)));
    await graph.load(1, 'user');
    advance(1000);
    graph.rereadStale();
    advance(1000);
    graph.rereadStale();
    expect(rereads).toEqual([1]);
    graph.stop();
  });

  it('a host graph never given a re-read (rereadWith) still answers an aged load', async () => {
    let t = 0;
    const repo = { categoriesGivenTo: async () => new Map<number, FriendCategory>([[2, 'friend']]), categoryGiven: async () => 'friend' as const, maxAgeMs: 1000 };
    const graph = new FriendGraph(repo, () => t);
    await graph.load(1, 'user');
    t += 1000;
    await expect(graph.load(1, 'user')).resolves.toBeUndefined();
    expect(graph.category(1, 2)).toBe('friend');
  });

  // At most 16 under way, and only the tick (every 250 ms) started them: ~64 a second, so an
  // instance holding 100,000 lists read each again ~26 minutes after the last read, not 5.
  it('the next aged list starts as soon as a re-read ends, not at the next tick, 16 at most under way', async () => {
    let t = 0;
    let inFlight = 0;
    let most = 0;
    const rereads: number[] = [];
    const repo = { categoriesGivenTo: async () => new Map<number, FriendCategory>([[2, 'friend']]), categoryGiven: async () => 'friend' as const, maxAgeMs: 1000 };
    const graph = new FriendGraph(repo, () => t);
    graph.rereadWith(async (id) => {
      rereads.push(id);
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setImmediate(r));
      inFlight--;
    });
    for (let id = 1; id <= 100; id++) await graph.load(id, 'user');
    t += 1000;
    graph.rereadStale(); // one tick
    for (let i = 0; i < 200 && rereads.length < 100; i++) await new Promise((r) => setImmediate(r));
    expect(rereads).toHaveLength(100);
    expect(new Set(rereads).size).toBe(100);
    expect(most).toBe(16);
    // Stopped, nothing more is read again by age.
    t += 1000;
    graph.stop();
    graph.rereadStale();
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(rereads).toHaveLength(100);
  });

  // The database (or the host's friends port) down: each re-read fails at once. Chained, they went
  // through every list held within moments, a failed query and a warning line each (100,000 of
  // each at 100,000 lists); failures keep the tick's pace, 16 a tick, as before 16f5c2f.
  /** A graph of 100 stale lists whose re-reads each fail as `fail` says, after a turn. */
  async function failingRereads(fail: () => false): Promise<{ graph: FriendGraph; rereads: number[]; tick: () => Promise<void> }> {
    let t = 0;
    const rereads: number[] = [];
    const repo = { categoriesGivenTo: async () => new Map<number, FriendCategory>([[2, 'friend']]), categoryGiven: async () => 'friend' as const, maxAgeMs: 1000 };
    const graph = new FriendGraph(repo, () => t);
    graph.rereadWith(async (id) => {
      rereads.push(id);
      await new Promise((r) => setImmediate(r));
      return fail();
    });
    for (let id = 1; id <= 100; id++) await graph.load(id, 'user');
    t += 1000;
    const tick = async () => {
      graph.rereadStale();
      for (let i = 0; i < 200; i++) await new Promise((r) => setImmediate(r));
    };
    return { graph, rereads, tick };
  }

  it('a re-read that failed does not start the next one: failures go at the tick pace', async () => {
    const { graph, rereads, tick } = await failingRereads(() => false); // failed (logged by the caller)
    await tick();
    expect(rereads).toHaveLength(16);
    await tick(); // the next tick
    expect(rereads).toHaveLength(32);
    graph.stop();
  });

  it('a re-read that rejects (against its contract) counts as failed: the next one waits for the tick', async () => {
    const { graph, rereads, tick } = await failingRereads(() => {
      throw new Error('port down');
    });
    await tick();
    expect(rereads).toHaveLength(16);
    graph.stop();
  });
});
