/**
 * What a friend-graph change means for a viewer connected here, and the re-read after a bus
 * outage: added, removed, or seen differently, and nothing when nothing visible changed.
 */
import { describe, expect, it } from 'vitest';
import type { FriendCategory, View } from '../../../src/protocol/index.js';
import type { FriendRepository } from '../../../src/server/friends/friend-repository.js';
import type { ViewerTier } from '../../../src/server/presence/types.js';
import { FriendGraph } from '../../../src/server/status/friend-graph.js';
import { GraphViews } from '../../../src/server/status/graph-views.js';
import type { PresenceEvent } from '../../../src/server/status/presence-events.js';

const VIEWER = 1;
const TS = '2024-01-15T14:30:00.000Z';

/** The subject's view per tier: close friends see the message, friends the status, the public nothing. */
function viewOf(subjectId: number, tier: ViewerTier): View {
  const base: View = { user_id: subjectId, username: `u${subjectId}`, display_name: `U${subjectId}`, status: 'offline', activity: null, custom_message: null, last_seen: null, timestamp: TS };
  if (tier === 'public') return base;
  return { ...base, status: 'busy', activity: 'chatting', custom_message: tier === 'close_friend' ? 'secret' : null };
}

async function setup(initial: Record<number, FriendCategory>) {
  const db = new Map<number, FriendCategory>(Object.entries(initial).map(([k, v]) => [Number(k), v]));
  const repo = { categoriesGivenTo: async () => new Map(db), categoryGiven: async (subjectId: number) => db.get(subjectId) ?? null } as unknown as FriendRepository;
  const graph = new FriendGraph(repo);
  const events: PresenceEvent[] = [];
  const loaded: number[][] = [];
  // The friends a viewer had are held here; others once loaded.
  const held = new Set(db.keys());
  const gv = new GraphViews({
    graph,
    friendRepo: repo,
    viewOf,
    loaded: (id) => held.has(id),
    ensureLoaded: async (ids) => {
      loaded.push([...ids]);
      for (const id of ids) held.add(id);
    },
    sink: (e) => events.push(e),
  });
  await graph.load(VIEWER, 'user');
  return { gv, graph, db, events, loaded, repo };
}

describe('GraphViews.apply', () => {
  it('a new friend is added with the view their category allows, after loading them', async () => {
    const { gv, graph, events, loaded } = await setup({});
    await gv.apply(VIEWER, 5, 'close_friend');
    expect(loaded).toEqual([[5]]);
    expect(events).toEqual([{ kind: 'friend_added', viewerId: VIEWER, subjectId: 5, view: viewOf(5, 'close_friend') }]);
    expect(graph.tier(VIEWER, 5)).toBe('close_friend');
  });

  it('a category change is sent only when the view it gives differs', async () => {
    const { gv, events } = await setup({ 5: 'friend' });
    await gv.apply(VIEWER, 5, 'friend');
    expect(events).toEqual([]);
    await gv.apply(VIEWER, 5, 'close_friend');
    expect(events).toEqual([{ kind: 'view_changed', viewerId: VIEWER, subjectId: 5, view: viewOf(5, 'close_friend') }]);
    await gv.apply(VIEWER, 5, 'acquaintance');
    expect(events.at(-1)).toEqual({ kind: 'view_changed', viewerId: VIEWER, subjectId: 5, view: viewOf(5, 'public') });
  });

  it('a removal is sent once, and only for a friend', async () => {
    const { gv, graph, events } = await setup({ 5: 'friend' });
    await gv.apply(VIEWER, 5, null);
    await gv.apply(VIEWER, 5, null);
    await gv.apply(VIEWER, 6, null);
    expect(events).toEqual([{ kind: 'friend_removed', viewerId: VIEWER, subjectId: 5 }]);
    expect(graph.isFriend(VIEWER, 5)).toBe(false);
  });

  it('changes for viewers not cached here are ignored', async () => {
    const { gv, events, loaded } = await setup({});
    await gv.apply(2, 5, 'friend');
    await gv.apply(2, 5, null);
    expect(events).toEqual([]);
    expect(loaded).toEqual([]);
  });
});

describe('GraphViews.refresh (after a bus outage)', () => {
  it('catches up on everything missed: removals, additions and category changes', async () => {
    const { gv, db, events } = await setup({ 5: 'friend', 6: 'friend', 7: 'friend' });
    db.delete(5);
    db.set(6, 'close_friend');
    db.set(8, 'friend');
    await gv.refresh(VIEWER);
    expect(events).toEqual([
      { kind: 'friend_removed', viewerId: VIEWER, subjectId: 5 },
      { kind: 'view_changed', viewerId: VIEWER, subjectId: 6, view: viewOf(6, 'close_friend') },
      { kind: 'friend_added', viewerId: VIEWER, subjectId: 8, view: viewOf(8, 'friend') },
    ]);
    await gv.refresh(VIEWER);
    expect(events).toHaveLength(3);
  });
});

describe('GraphViews.recheck', () => {
  it('two category changes arriving in the wrong order end on what the database committed last', async () => {
    const { gv, graph, db, events } = await setup({ 5: 'close_friend' });
    // Committed: close_friend, then acquaintance. Heard here: acquaintance first (its own), then close_friend.
    db.set(5, 'acquaintance');
    await gv.apply(VIEWER, 5, 'acquaintance');
    await gv.apply(VIEWER, 5, 'close_friend');
    expect(graph.category(VIEWER, 5)).toBe('close_friend');
    await Promise.all([gv.recheck(VIEWER, 5), gv.recheck(VIEWER, 5)]);
    expect(graph.category(VIEWER, 5)).toBe('acquaintance');
    expect(events.at(-1)).toEqual({ kind: 'view_changed', viewerId: VIEWER, subjectId: 5, view: viewOf(5, 'public') });
  });

  it('a re-read that finds them no longer friends removes the friend; one that agrees sends nothing', async () => {
    const { gv, graph, db, events } = await setup({ 5: 'friend' });
    await gv.recheck(VIEWER, 5);
    expect(events).toEqual([]);
    db.delete(5);
    await gv.recheck(VIEWER, 5);
    expect(graph.isFriend(VIEWER, 5)).toBe(false);
    expect(events).toEqual([{ kind: 'friend_removed', viewerId: VIEWER, subjectId: 5 }]);
  });
});

/**
 * Outside multi-instance run: bus messages read together are handled in one turn, while an
 * apply awaited the subject's load. A removal then was lost (the befriend re-added the friend
 * for good), and a status change fanned out with the old tier (a demoted friend got a
 * close-friends message).
 */
describe('GraphViews.apply while the subject loads', () => {
  async function gated(initial: Record<number, FriendCategory>) {
    const repo = { categoriesGivenTo: async () => new Map(Object.entries(initial).map(([k, v]) => [Number(k), v])) } as unknown as FriendRepository;
    const graph = new FriendGraph(repo);
    const events: PresenceEvent[] = [];
    const held = new Set(Object.keys(initial).map(Number));
    // The load starts on the event loop's next turn (apply gathers the subjects asked for till then).
    let started: (finish: () => void) => void = () => {};
    const loading = new Promise<() => void>((r) => (started = r));
    const gv = new GraphViews({
      graph,
      friendRepo: repo,
      viewOf,
      loaded: (id) => held.has(id),
      ensureLoaded: (ids) =>
        new Promise<void>((r) =>
          started(() => {
            for (const id of ids) held.add(id);
            r();
          }),
        ),
      sink: (e) => events.push(e),
    });
    await graph.load(VIEWER, 'user');
    return { gv, graph, events, finishLoad: () => void loading.then((finish) => finish()) };
  }

  it('an unfriend handled while the befriend loads the subject wins, for good', async () => {
    const { gv, graph, events, finishLoad } = await gated({});
    const added = gv.apply(VIEWER, 5, 'friend');
    await gv.apply(VIEWER, 5, null);
    finishLoad();
    await added;
    expect(graph.isFriend(VIEWER, 5)).toBe(false);
    expect(events.map((e) => e.kind)).toEqual(['friend_removed']);
  });

  it('the new tier holds from the moment the change is handled, before any load', async () => {
    const { gv, graph } = await gated({ 5: 'close_friend' });
    void gv.apply(VIEWER, 5, 'acquaintance');
    expect(graph.tier(VIEWER, 5)).toBe('public');
  });

  it('a new friend loading while the viewer’s sockets change role is added as the tier is then', async () => {
    const { gv, graph, events, finishLoad } = await gated({});
    const added = gv.apply(VIEWER, 5, 'friend');
    graph.setRole(VIEWER, 'admin');
    finishLoad();
    await added;
    expect(events).toEqual([{ kind: 'friend_added', viewerId: VIEWER, subjectId: 5, view: viewOf(5, 'admin') }]);
  });

  it('a category change and an unfriend read together: removed, never added back', async () => {
    const { gv, graph, events, finishLoad } = await gated({ 5: 'close_friend' });
    const changed = gv.apply(VIEWER, 5, 'acquaintance');
    const removed = gv.apply(VIEWER, 5, null);
    finishLoad();
    await Promise.all([changed, removed]);
    expect(graph.isFriend(VIEWER, 5)).toBe(false);
    expect(events.map((e) => e.kind)).toEqual(['view_changed', 'friend_removed']);
  });
});

describe('many graph changes at once (a friend list replaced in bulk)', () => {
  it('the new friends are loaded together, each added once with its view', async () => {
    const { gv, events, loaded } = await setup({});
    const ids = Array.from({ length: 500 }, (_, i) => 100 + i);
    await Promise.all(ids.map((id) => gv.apply(VIEWER, id, 'friend')));
    expect(loaded).toEqual([ids]);
    expect(events).toEqual(ids.map((id) => ({ kind: 'friend_added', viewerId: VIEWER, subjectId: id, view: viewOf(id, 'friend') })));
  });

  it('the re-reads of many changed pairs of one viewer are one read of the viewer’s list', async () => {
    const { gv, graph, db, events, repo: friendRepo } = await setup({ 5: 'friend', 6: 'friend', 7: 'friend' });
    let listReads = 0;
    let pairReads = 0;
    const repo = friendRepo as unknown as Record<string, unknown>;
    const list = repo.categoriesGivenTo as () => Promise<Map<number, FriendCategory>>;
    const pair = repo.categoryGiven as (s: number) => Promise<FriendCategory | null>;
    repo.categoriesGivenTo = () => (listReads++, list());
    repo.categoryGiven = (s: number) => (pairReads++, pair(s));
    // The database holds changes the cache missed (two instances changing the pairs at once).
    db.set(5, 'close_friend');
    db.delete(6);
    await Promise.all([5, 6, 7].map((id) => gv.recheck(VIEWER, id)));
    expect([listReads, pairReads]).toEqual([1, 0]);
    expect(graph.category(VIEWER, 5)).toBe('close_friend');
    expect(graph.isFriend(VIEWER, 6)).toBe(false);
    expect(events.map((e) => [e.kind, 'subjectId' in e ? e.subjectId : null])).toEqual([
      ['view_changed', 5],
      ['friend_removed', 6],
    ]);
    // One pair alone is read alone.
    await gv.recheck(VIEWER, 7);
    expect([listReads, pairReads]).toEqual([1, 1]);
  });
  it('refreshes of one viewer asked for while one waits are one read; one asked during a read runs after it', async () => {
    const { gv, db, events, repo } = await setup({ 5: 'friend' });
    let reads = 0;
    const read = repo.categoriesGivenTo.bind(repo);
    repo.categoriesGivenTo = async (viewerId: number) => {
      reads++;
      return read(viewerId);
    };
    db.set(6, 'friend');
    // A friend list replaced during an outage: one friends_changed per change, all at once.
    await Promise.all(Array.from({ length: 50 }, () => gv.refresh(VIEWER)));
    expect(reads).toBe(1);
    expect(events.filter((e) => e.kind === 'friend_added').map((e) => e.subjectId)).toEqual([6]);
    // Asked while a read is in flight: it reads again afterwards (it may have missed the change).
    db.set(7, 'friend');
    const first = gv.refresh(VIEWER);
    await Promise.resolve();
    await Promise.resolve();
    const second = gv.refresh(VIEWER);
    await Promise.all([first, second]);
    expect(reads).toBe(3);
    expect(events.filter((e) => e.kind === 'friend_added').map((e) => e.subjectId)).toEqual([6, 7]);
  });
});
