/**
 * Several standalone instances: an instance that commits a friendship change and dies (kill -9,
 * OOM) before publishing it leaves the others unaware: their cached friend lists kept the removed
 * friend, and her tab on B kept receiving his presence live until B restarted. Now, with a shared
 * bus, a list is read again once older than BEACON_FRIEND_LIST_TTL_MS (the host modes' re-read):
 * on a connect, and while it is held (the clock's tick). A fresh list costs no query, and a single
 * instance (nothing of its own can go unannounced) never reads a list again by age.
 *
 * Two instances on one PostgreSQL database and a real Redis; the dead instance's change is a row
 * written through A's repository (a friendship deleted, a category set), which publishes nothing.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { bearer } from '../helpers/app.js';
import { startLiveApp, twoLiveApps, type LiveApp } from '../helpers/live-app.js';
import { framesUntilOwnChange } from '../helpers/sentinel.js';
import type { Frame } from '../helpers/ws-client.js';

/** The default (BEACON_FRIEND_LIST_TTL_MS): a list is re-read after many heartbeats, as in production. */
const TTL = 5 * 60_000;
/** The clocks move in steps below the instances' 25 s heartbeat, each running their beats and ticks: none is taken for dead (45 s). */
const STEP = 20_000;

type U = { token: string; id: number };

const removed = (id: number) => (f: Frame) => f.type === 'friend_removed' && f.friend_id === id;
const statusOf = (id: number) => (f: Frame) => f.type === 'friend_status_change' && f.friend_id === id;

/** The friend-list reads `t` makes from now on (its own repository's, not the other instance's). */
function listReads(t: LiveApp) {
  const repo = t.app.services.friendRepo;
  return [vi.spyOn(repo, 'categoriesGivenTo'), vi.spyOn(repo, 'categoryGiven')];
}
const count = (spies: ReturnType<typeof listReads>) => spies.reduce((n, s) => n + s.mock.calls.length, 0);

describe('several standalone instances: a friend list is read again once older than BEACON_FRIEND_LIST_TTL_MS', () => {
  let a: LiveApp;
  let b: LiveApp;
  let close: () => Promise<void> = async () => undefined;
  let alice: U;
  let bob: U;

  beforeEach(async () => {
    ({ a, b, close } = await twoLiveApps('redis', { friendListTtlMs: TTL }));
    b.clock.t = a.clock.t;
    [alice, bob] = await a.registerFriends('alice', 'bob');
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await close();
  });

  /**
   * Both fake clocks move together in steps of at most STEP, and after each both instances beat,
   * reap and tick (the re-reads by age), as real time would run them. Their own beat timers (every
   * 5 s of real time) may reap at any moment too: without a beat per step, the first one to fire
   * after a long advance took the other for dead and ended its sessions (Bob's, on A, for B).
   */
  async function advance(ms: number): Promise<void> {
    for (let left = ms; left > 0; left -= STEP) {
      a.clock.t = b.clock.t += Math.min(STEP, left);
      for (const t of [a, b]) await t.app.services.presence.beat();
      for (const t of [a, b]) await t.app.services.presence.reap();
      for (const t of [a, b]) {
        t.app.services.presence.tick();
        t.app.gateway.flush();
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Bob sets a status through A, where his socket is. */
  async function bobSets(status: 'busy' | 'away'): Promise<void> {
    const res = await a.app.inject({ method: 'PUT', url: '/api/v1/users/me/status', headers: bearer(bob.token), payload: { status } });
    expect(res.statusCode).toBe(200);
  }

  /** The instance that unfriended them died after its commit: the row is gone, no frame went out. */
  const unfriendedByADeadInstance = () => a.app.services.friendRepo.unfriend(alice.id, bob.id);

  it.each([
    {
      change: 'a removal',
      make: unfriendedByADeadInstance,
      healed: (f: Frame) => removed(bob.id)(f),
      // No status of his at all.
      after: (frames: Frame[]) => expect(frames.filter(statusOf(bob.id))).toEqual([]),
    },
    {
      change: 'a demotion to acquaintance',
      // Bob gives her acquaintance: she sees him as the public does (his status is for friends).
      make: () => a.app.services.friendRepo.setCategory(bob.id, alice.id, 'acquaintance', a.clock.now()),
      healed: (f: Frame) => statusOf(bob.id)(f) && f.status === 'offline',
      after: (frames: Frame[]) => expect(frames.filter((f) => statusOf(bob.id)(f) && f.status !== 'offline')).toEqual([]),
    },
  ])('$change never announced stops showing his status on her tab on B at the TTL, and not before', async ({ make, healed, after }) => {
    await a.connect(bob.token);
    const { socket: tab, ready } = await b.connect(alice.token);
    expect(ready.friends).toEqual([expect.objectContaining({ user_id: bob.id, status: 'online' })]);
    await make();

    await advance(TTL - 1);
    let from = tab.mark();
    await bobSets('busy');
    // Alice's sentinel goes through A after Bob's change: his frame, if any, came first.
    const before = await framesUntilOwnChange(tab, from, a, alice.token);
    expect(before.filter(statusOf(bob.id)).map((f) => f.status)).toEqual(['busy']);
    expect(before.filter(healed)).toEqual([]);

    from = tab.mark();
    await advance(1);
    await tab.next(healed, { from });
    from = tab.mark();
    await bobSets('away');
    after(await framesUntilOwnChange(tab, from, a, alice.token));
  }, 30_000);

  it('a new tab on B: within the TTL no query and the list held; past it one read before its ready, and the open tab is told', async () => {
    const { socket: tab } = await b.connect(alice.token);
    await unfriendedByADeadInstance();
    const reads = listReads(b);

    await advance(TTL - 1);
    const early = await b.connect(alice.token);
    expect(early.ready.friends).toEqual([expect.objectContaining({ user_id: bob.id })]);
    expect(count(reads)).toBe(0);

    const from = tab.mark();
    // Counted from before the clock moves: the tick may begin the re-read the connect then waits for.
    a.clock.t = b.clock.t += 1;
    const late = await b.connect(alice.token);
    expect(late.ready.friends).toEqual([]);
    await tab.next(removed(bob.id), { from });
    expect(reads[0]!.mock.calls).toEqual([[alice.id]]);
    expect(count(reads)).toBe(1);

    // Read again: dated anew, the next connect within the TTL reads nothing.
    await advance(TTL - 1);
    await b.connect(alice.token);
    expect(count(reads)).toBe(1);
  }, 30_000);
});

describe('a single standalone instance never reads a friend list again by age', () => {
  let t: LiveApp | null = null;
  afterEach(async () => {
    vi.restoreAllMocks();
    await t?.close();
    t = null;
  });

  it('a connect and the ticks long past the TTL cost no friend-list query', async () => {
    t = await startLiveApp({ friendListTtlMs: TTL });
    const [alice, bob] = await t.registerFriends('alice', 'bob');
    await t.connect(alice.token);
    const reads = listReads(t);
    await t.advance(TTL + 1);
    await t.advance(10 * TTL);
    const tab = await t.connect(alice.token);
    expect(tab.ready.friends).toEqual([expect.objectContaining({ user_id: bob.id })]);
    expect(count(reads)).toBe(0);
  });
});
