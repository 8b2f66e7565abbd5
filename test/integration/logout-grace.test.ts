/**
 * Logout skips the offline grace (protocol.md: "if the logged-out login held the last session,
 * friends see offline immediately"), also when its socket had already closed and the grace
 * was running: a tab that lost its connection, then "Log out" clicked. Before, friends saw the
 * user online for the rest of the grace. A logout of another login leaves the grace alone (the
 * tab may be reloading). Over two instances: the socket on A, the logout answered by B.
 *
 * Also when B has not heard of the socket's close yet (the close is still on its way over the
 * bus): B took the socket for open, so it saw no grace to end and said nothing, and the grace
 * the close then began ran its course on both instances. The logout now ends the login's
 * sessions wherever they are still held, and the grace one of them began.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer } from '../helpers/app.js';
import { HeldBus } from '../helpers/held-bus.js';
import { twoLiveApps, type LiveApp, type SharedPart } from '../helpers/live-app.js';
import { framesUntilOwnChange } from '../helpers/sentinel.js';
import { useTwoInstances } from '../helpers/two-instances.js';
import type { Frame, TestSocket } from '../helpers/ws-client.js';

const PASSWORD = 'pass-phrase-for-tests';

describe('a logout during the offline grace of its last socket', () => {
  const two = useTwoInstances();
  let a: LiveApp;
  let b: LiveApp;
  beforeEach(() => ({ a, b } = two));

  it('friends see offline at once; a logout of her other login did not end the grace', async () => {
    const alice = await a.register('alice');
    const bob = await b.register('bob');
    await a.befriend(alice, bob);
    const { socket: bobSocket } = await b.connect(bob.token);
    const offline = (f: Frame) => f.type === 'friend_status_change' && f.friend_id === alice.id && f.status === 'offline';
    const { socket: tab } = await a.connectSeenBy(alice.token, bobSocket);
    const phone = (await b.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'alice', password: PASSWORD } })).json<{ token: string }>().token;
    // The tab's connection drops: the grace begins (the fake clocks do not move, so it never ends by itself here).
    tab.close();
    await tab.waitClosed();
    await expect.poll(() => b.app.services.presence.engine.sessionIds(alice.id).length).toBe(0);
    const mark = bobSocket.mark();
    expect((await b.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: bearer(phone) })).statusCode).toBe(204);
    // Sentinel: a change of Bob's own, published through B (which answered the logout) after it.
    expect((await framesUntilOwnChange(bobSocket, mark, b, bob.token)).filter(offline)).toEqual([]);
    expect(b.app.services.presence.viewOf(alice.id, 'friend').status).toBe('online');
    // Now the tab's own login logs out, on the other instance than its socket was.
    await bobSocket.after(async () => expect((await b.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: bearer(alice.token) })).statusCode).toBe(204), offline);
    await expect.poll(() => a.app.services.presence.viewOf(alice.id, 'friend').status).toBe('offline');
  });
});

describe.each(['memory', 'redis'] as const)('a logout on B before B heard that the socket on A closed (%s bus)', (kind) => {
  let a: LiveApp;
  let b: LiveApp;
  let held: HeldBus;
  /** A's saves to the shared store wait while set (a close not saved yet is not published yet either). */
  let savesOfA: Array<() => void> | null = null;
  let close: () => Promise<void> = async () => {};
  let alice: { token: string; id: number };
  let bobSocket: TestSocket;
  let bobToken: string;
  /** A friend of Alice's connected to A, as Bob is to B. */
  let carolSocket: TestSocket;
  let tab: TestSocket;
  const offline = (f: Frame) => f.type === 'friend_status_change' && f.friend_id === alice.id && f.status === 'offline';
  const aliceChange = (f: Frame) => f.type === 'friend_status_change' && f.friend_id === alice.id;
  const lastSeen = (x: LiveApp) => x.app.services.presence.engine.get(alice.id).lastSeen;
  const statuses = () => [a, b].map((x) => x.app.services.presence.viewOf(alice.id, 'friend').status);

  beforeEach(async () => {
    savesOfA = null;
    let parts: SharedPart[];
    ({ a, b, parts, close } = await twoLiveApps(kind, {}, (bus, instance) => (instance === 'b' ? (held = new HeldBus(bus)) : bus)));
    const store = parts[0]!.store;
    const save = store.save.bind(store);
    store.save = (userId, instanceId, state, version) => {
      const waiting = savesOfA;
      if (waiting === null || instanceId !== parts[0]!.bus.instanceId) return save(userId, instanceId, state, version);
      return new Promise((resolve, reject) => waiting.push(() => save(userId, instanceId, state, version).then(resolve, reject)));
    };
    // Alice's tab closes a second before a minute begins (tabDropsUnheardByB): the clocks start
    // 3 s before one, before anyone registers, and both instances beat there. Moved there later,
    // with sessions held, they would leap up to a minute, past the dead-instance window (45 s):
    // either instance's own beat timer, firing before the other beat again, would end its sessions.
    a.clock.t = b.clock.t = Math.ceil((a.clock.t + 3000) / 60_000) * 60_000 - 3000;
    for (const x of [a, b]) await x.app.services.presence.beat();
    alice = await a.register('alice');
    const bob = await b.register('bob');
    const carol = await a.register('carol');
    await a.befriend(alice, bob);
    await a.befriend(alice, carol);
    bobToken = bob.token;
    ({ socket: bobSocket } = await b.connect(bob.token));
    ({ socket: carolSocket } = await a.connect(carol.token));
    ({ socket: tab } = await a.connectSeenBy(alice.token, bobSocket, carolSocket));
    await a.app.services.presence.shared();
  });
  afterEach(async () => {
    held.release();
    for (const go of savesOfA?.splice(0) ?? []) go();
    await close();
  });

  /**
   * The tab's connection drops a second before a minute begins (friends see last_seen to the
   * minute: the close's and the logout's differ there), 2 s after the clocks started (beforeEach):
   * A begins the grace, B has not heard of it; 3 s later (the fake clocks never end the grace).
   * Answers when it closed.
   */
  async function tabDropsUnheardByB(): Promise<number> {
    held.hold();
    a.clock.t = b.clock.t = Math.ceil((a.clock.t + 2000) / 60_000) * 60_000 - 1000;
    const closedAt = a.clock.now();
    tab.close();
    await tab.waitClosed();
    await expect.poll(() => a.app.services.presence.engine.inGrace(alice.id)).toBe(true);
    a.clock.t = b.clock.t += 3000;
    // Each instance's own beat timer reaps the other's sessions if it finds it dead, at any moment
    // from here on: neither does (both beat at most 5 s ago by the fake clocks). B still holds the
    // session, closed on A unheard.
    for (const x of [a, b]) await x.app.services.presence.reap();
    expect(b.app.services.presence.engine.sessionIds(alice.id)).toHaveLength(1);
    return closedAt;
  }

  /**
   * Bob's frames about Alice since `mark`, up to a sentinel: a change of Bob's own published
   * through A after everything A published before (its close, its saves' reloads), reaching Bob
   * on B through the same bus and fan-out. B's own inputs reach B at once.
   */
  const aliceChangesUntilSentinel = async (mark: number) => (await framesUntilOwnChange(bobSocket, mark, a, bobToken)).filter(aliceChange);

  /**
   * Every friend, on either instance, is shown her last seen at the close, and both replicas
   * hold it: B, which ended the session at the logout, dates her leave at the close once it
   * hears of it (a close travels with its time). Bob's frames never show her anything but offline.
   */
  async function leaveDatedAtClose(closedAt: number, mark: number, markCarol: number): Promise<void> {
    const toTheMinute = new Date(closedAt - (closedAt % 60_000)).toISOString();
    expect((await carolSocket.next(offline, { from: markCarol, timeoutMs: 3000 })).last_seen).toBe(toTheMinute);
    await bobSocket.next((f) => aliceChange(f) && f.last_seen === toTheMinute, { from: mark, timeoutMs: 3000 });
    await expect.poll(() => [lastSeen(a), lastSeen(b)]).toEqual([closedAt, closedAt]);
    const bobSaw = bobSocket.since(mark).filter(aliceChange);
    expect(bobSaw.map((f) => f.status)).toEqual(bobSaw.map(() => 'offline'));
    expect(bobSaw.at(-1)?.last_seen).toBe(toTheMinute);
  }

  it('the tab’s own login, its close saved but not yet heard: friends see offline at the logout, and last seen at the close, alike', async () => {
    const closedAt = await tabDropsUnheardByB();
    await a.app.services.presence.shared();
    // Published by A; over Redis it reaches B (and is held there) a moment later.
    await expect.poll(() => held.waiting).toBeGreaterThan(0);
    const mark = bobSocket.mark();
    const markCarol = carolSocket.mark();
    expect((await b.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: bearer(alice.token) })).statusCode).toBe(204);
    // Bob (on B) sees it before B hears of the close over the bus, and A, in the grace, ends it too.
    expect(await bobSocket.next(offline, { from: mark, timeoutMs: 3000 })).toBeTruthy();
    await expect.poll(statuses).toEqual(['offline', 'offline']);
    held.release();
    await leaveDatedAtClose(closedAt, mark, markCarol);
    await b.app.services.presence.shared();
    // Nothing flaps afterwards: every frame Bob got of her, up to the sentinel, says offline.
    const untilSentinel = await aliceChangesUntilSentinel(mark);
    expect(untilSentinel.map((f) => f.status)).toEqual(untilSentinel.map(() => 'offline'));
    expect(statuses()).toEqual(['offline', 'offline']);
    expect([lastSeen(a), lastSeen(b)]).toEqual([closedAt, closedAt]);
  });

  it('the tab’s own login, its close not even saved yet: friends see offline at the logout; the late close begins no grace, and dates her leave', async () => {
    savesOfA = [];
    const closedAt = await tabDropsUnheardByB();
    const mark = bobSocket.mark();
    const markCarol = carolSocket.mark();
    expect((await b.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: bearer(alice.token) })).statusCode).toBe(204);
    expect(await bobSocket.next(offline, { from: mark, timeoutMs: 3000 })).toBeTruthy();
    await expect.poll(statuses).toEqual(['offline', 'offline']);
    // The close is saved and published late, and reaches B: no grace begins there, nothing flaps.
    const waiting = savesOfA.splice(0);
    savesOfA = null;
    expect(waiting.length).toBeGreaterThan(0);
    for (const go of waiting) go();
    held.release();
    await leaveDatedAtClose(closedAt, mark, markCarol);
    await a.app.services.presence.shared();
    await b.app.services.presence.shared();
    const untilSentinel = await aliceChangesUntilSentinel(mark);
    expect(untilSentinel.map((f) => f.status)).toEqual(untilSentinel.map(() => 'offline'));
    expect(b.app.services.presence.engine.inGrace(alice.id)).toBe(false);
    expect(statuses()).toEqual(['offline', 'offline']);
    expect([lastSeen(a), lastSeen(b)]).toEqual([closedAt, closedAt]);
  });

  it('another login of hers: the grace runs on, on both instances, once B hears of the close', async () => {
    const phone = (await b.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'alice', password: PASSWORD } })).json<{ token: string }>().token;
    await tabDropsUnheardByB();
    const mark = bobSocket.mark();
    expect((await b.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: bearer(phone) })).statusCode).toBe(204);
    held.release();
    await expect.poll(() => b.app.services.presence.engine.inGrace(alice.id)).toBe(true);
    expect((await aliceChangesUntilSentinel(mark)).filter(offline)).toEqual([]);
    expect(a.app.services.presence.engine.inGrace(alice.id)).toBe(true);
    expect(statuses()).toEqual(['online', 'online']);
  });
});
