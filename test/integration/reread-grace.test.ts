/**
 * Review finding: a re-read of a replica (a reload, the resync after a bus outage, a replica
 * loaded afresh) could lose a running offline grace. Her tab's socket closes on A (A begins the
 * grace and saves it), and before B hears of the close she makes an API call through B: an
 * interaction, saved by B under a newer version, whose copy says nothing of the grace (B never
 * heard of it). The stored copy then held no session, no grace and the old last_seen, so every
 * replica read from it took her for offline at once (a friend's `ready` on a third instance, a
 * reload on B), with the wrong last_seen, though she was in the grace until 10 s later.
 *
 * Now the grace and last_seen (set by a close or a logout) are a field of their own in the
 * per-field last-writer-wins (field-versions.ts `left`): B, hearing the close late, saves the
 * merged state again; an import takes the stored copy's `left` when it is newer than this
 * replica's, even from a copy otherwise older; and a replica keeps its own when newer.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer } from '../helpers/app.js';
import { freshDatabase } from '../helpers/databases.js';
import { HeldBus } from '../helpers/held-bus.js';
import { startLiveApp, type LiveApp } from '../helpers/live-app.js';
import { sharedParts, until } from '../helpers/shared-parts.js';
import type { EventBus } from '../../src/server/ports/event-bus.js';
import type { PresenceStore } from '../../src/server/ports/presence-store.js';
import { userTopic } from '../../src/server/status/presence-events.js';
import type { Frame, TestSocket } from '../helpers/ws-client.js';

const GRACE_MS = 10_000;

describe.each(['memory', 'redis'] as const)('a grace begun on A survives re-reads after B saved a newer change (%s bus)', (kind) => {
  let a: LiveApp;
  let b: LiveApp;
  let c: LiveApp;
  let held: HeldBus;
  let busOfA: EventBus;
  let storeOfB: PresenceStore;
  /** B's saves to the shared store wait while set. */
  let savesOfB: Array<() => void> | null = null;
  let cleanup: Array<() => Promise<unknown>> = [];
  let alice: { token: string; id: number };
  let carol: { token: string; id: number };
  let bobSocket: TestSocket;
  let tab: TestSocket;
  const aliceChange = (f: Frame) => f.type === 'friend_status_change' && f.friend_id === alice.id;
  const status = (x: LiveApp) => x.app.services.presence.viewOf(alice.id, 'friend').status;
  const lastSeen = (x: LiveApp) => x.app.services.presence.engine.get(alice.id).lastSeen;

  beforeEach(async () => {
    cleanup = [];
    const db = await freshDatabase('postgres');
    cleanup.push(db.drop);
    const parts = await sharedParts(kind, 3);
    for (const p of parts) cleanup.push(p.close);
    busOfA = parts[0]!.bus;
    storeOfB = parts[1]!.store;
    savesOfB = null;
    const save = storeOfB.save.bind(storeOfB);
    storeOfB.save = (userId, instanceId, state, version) => {
      const waiting = savesOfB;
      if (waiting === null || instanceId !== parts[1]!.bus.instanceId) return save(userId, instanceId, state, version);
      return new Promise((resolve, reject) => waiting.push(() => save(userId, instanceId, state, version).then(resolve, reject)));
    };
    held = new HeldBus(parts[1]!.bus);
    a = await startLiveApp({ databaseUrl: db.url, offlineGraceMs: GRACE_MS }, { bus: parts[0]!.bus, store: parts[0]!.store });
    cleanup.push(() => a.close());
    b = await startLiveApp({ databaseUrl: db.url, offlineGraceMs: GRACE_MS }, { bus: held, store: parts[1]!.store });
    cleanup.push(() => b.close());
    c = await startLiveApp({ databaseUrl: db.url, offlineGraceMs: GRACE_MS }, { bus: parts[2]!.bus, store: parts[2]!.store });
    cleanup.push(() => c.close());
    b.clock.t = c.clock.t = a.clock.t;
    alice = await a.register('alice');
    const bob = await b.register('bob');
    carol = await c.register('carol');
    await a.befriend(alice, bob);
    await a.befriend(alice, carol);
    ({ socket: bobSocket } = await b.connect(bob.token));
    ({ socket: tab } = await a.connectSeenBy(alice.token, bobSocket));
    await a.app.services.presence.shared();
  });
  afterEach(async () => {
    held.release();
    for (const go of savesOfB?.splice(0) ?? []) go();
    for (const fn of cleanup.reverse()) await fn();
  });

  /** Counts B's reads of the stored copy from now on. */
  function countLoadsOfB(): () => number {
    let loads = 0;
    const load = storeOfB.load.bind(storeOfB);
    storeOfB.load = async (...args) => {
      const out = await load(...args);
      loads++;
      return out;
    };
    return () => loads;
  }

  it('friends see her online through the grace and offline at its end, last seen at the close', async () => {
    held.hold();
    a.clock.t = b.clock.t = c.clock.t += 1000;
    const closedAt = a.clock.now();
    tab.close();
    await tab.waitClosed();
    await expect.poll(() => a.app.services.presence.engine.inGrace(alice.id)).toBe(true);
    await a.app.services.presence.shared();
    // An API call of hers through B, which has not heard of the close yet: an interaction, saved by B.
    a.clock.t = b.clock.t = c.clock.t += 1000;
    expect((await b.app.inject({ method: 'POST', url: '/api/v1/users/me/interaction', headers: bearer(alice.token) })).statusCode).toBe(204);
    await until('B applied the interaction', () => b.app.services.presence.engine.get(alice.id).lastActivity === b.clock.now());
    await b.app.services.presence.shared(alice.id);
    const mark = bobSocket.mark();
    // The close reaches B late.
    held.release();
    await until('B heard of the close', () => b.app.services.presence.engine.inGrace(alice.id));
    await b.app.services.presence.shared(alice.id);
    await a.app.services.presence.shared(alice.id);

    // A re-read on B (what another instance's re-save asks for): B re-reads the stored copy.
    const loads = countLoadsOfB();
    busOfA.publishRemote(userTopic(alice.id), { kind: 'reload', userId: alice.id });
    await until('B re-read her replica', () => loads() > 0);
    await new Promise((r) => setImmediate(r));
    expect([status(a), status(b)]).toEqual(['online', 'online']);
    expect(b.app.services.presence.engine.inGrace(alice.id)).toBe(true);

    // A replica loaded afresh (Carol connects on C): Alice in the grace, not offline.
    expect(c.app.services.presence.replicates(alice.id)).toBe(false);
    const { socket: carolSocket, ready } = await c.connect(carol.token);
    const shown = (ready.friends as Array<{ user_id: number; status: string }>).find((f) => f.user_id === alice.id);
    expect(shown?.status).toBe('online');
    expect(lastSeen(c)).toBe(closedAt);
    expect(c.app.services.presence.engine.inGrace(alice.id)).toBe(true);

    // The grace ends where it began: offline everywhere, last seen at the close.
    const bobMark = bobSocket.mark();
    const carolMark = carolSocket.mark();
    a.clock.t = b.clock.t = c.clock.t = closedAt + GRACE_MS + 1;
    const minute = new Date(closedAt - (closedAt % 60_000)).toISOString();
    const offBob = await bobSocket.next((f) => aliceChange(f) && f.status === 'offline', { from: bobMark, timeoutMs: 3000 });
    const offCarol = await carolSocket.next((f) => aliceChange(f) && f.status === 'offline', { from: carolMark, timeoutMs: 3000 });
    expect(offBob).toMatchObject({ last_seen: minute });
    expect(offCarol).toMatchObject({ last_seen: minute });
    await expect.poll(() => [a, b, c].map(status)).toEqual(['offline', 'offline', 'offline']);
    expect([a, b, c].map(lastSeen)).toEqual([closedAt, closedAt, closedAt]);
    // Bob saw her go offline once, at the end of the grace.
    expect(bobSocket.since(mark).filter(aliceChange).map((f) => f.status)).toEqual(['offline']);
  });

  it('a re-read from a copy older than B’s own change (not saved yet) still takes the grace the close began', async () => {
    // B hears everything but the close, and its saves wait.
    held.hold((m) => (m as { kind?: string; input?: { op?: string } }).input?.op === 'close');
    savesOfB = [];
    a.clock.t = b.clock.t = c.clock.t += 1000;
    const closedAt = a.clock.now();
    tab.close();
    await tab.waitClosed();
    await expect.poll(() => a.app.services.presence.engine.inGrace(alice.id)).toBe(true);
    await a.app.services.presence.shared();
    a.clock.t = b.clock.t = c.clock.t += 1000;
    const mark = bobSocket.mark();
    expect((await b.app.inject({ method: 'POST', url: '/api/v1/users/me/interaction', headers: bearer(alice.token) })).statusCode).toBe(204);
    await until('B applied the interaction and is saving it', () => b.app.services.presence.engine.get(alice.id).lastActivity === b.clock.now() && savesOfB!.length > 0);
    // B re-reads the stored copy: A's close, older than B's interaction.
    const loads = countLoadsOfB();
    busOfA.publishRemote(userTopic(alice.id), { kind: 'reload', userId: alice.id });
    await until('B re-read her replica', () => loads() > 0);
    await new Promise((r) => setImmediate(r));
    expect(b.app.services.presence.engine.sessionIds(alice.id)).toEqual([]);
    expect(b.app.services.presence.engine.inGrace(alice.id)).toBe(true);
    expect(status(b)).toBe('online');
    expect(lastSeen(b)).toBe(closedAt);
    // B's save lands, then the close: still in the grace everywhere, and a fresh replica (C) too.
    const waiting = savesOfB!.splice(0);
    savesOfB = null;
    for (const go of waiting) go();
    held.release();
    await b.app.services.presence.shared(alice.id);
    await a.app.services.presence.shared(alice.id);
    const { socket: carolSocket, ready } = await c.connect(carol.token);
    expect((ready.friends as Array<{ user_id: number; status: string }>).find((f) => f.user_id === alice.id)?.status).toBe('online');
    expect([a, b, c].map(status)).toEqual(['online', 'online', 'online']);
    const carolMark = carolSocket.mark();
    a.clock.t = b.clock.t = c.clock.t = closedAt + GRACE_MS + 1;
    const minute = new Date(closedAt - (closedAt % 60_000)).toISOString();
    expect(await bobSocket.next((f) => aliceChange(f) && f.status === 'offline', { from: mark, timeoutMs: 3000 })).toMatchObject({ last_seen: minute });
    expect(await carolSocket.next((f) => aliceChange(f) && f.status === 'offline', { from: carolMark, timeoutMs: 3000 })).toMatchObject({ last_seen: minute });
    await expect.poll(() => [a, b, c].map(status)).toEqual(['offline', 'offline', 'offline']);
    expect([a, b, c].map(lastSeen)).toEqual([closedAt, closedAt, closedAt]);
    expect(bobSocket.since(mark).filter(aliceChange).map((f) => f.status)).toEqual(['offline']);
  });
});
