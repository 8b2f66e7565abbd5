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
  return { gv, graph, db, events, loaded };
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
    let finishLoad: () => void = () => {};
    const gv = new GraphViews({
      graph,
      friendRepo: repo,
      viewOf,
      loaded: (id) => held.has(id),
      ensureLoaded: (ids) =>
        new Promise<void>((r) => {
          finishLoad = () => {
            for (const id of ids) held.add(id);
            r();
          };
        }),
      sink: (e) => events.push(e),
    });
    await graph.load(VIEWER, 'user');
    return { gv, graph, events, finishLoad: () => finishLoad() };
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
