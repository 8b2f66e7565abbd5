/**
 * Review finding: a close of one of several sessions (the user stays online) stamped `left`, the
 * version of when the user left (field-versions.ts), as if it had set last_seen and the grace.
 * During a bus outage the user's tab on B closes while B knows of no other session: B begins
 * the grace. Her phone on A (opened during the outage, unheard of by B) closes a moment later;
 * A still holds the tab's session, so nothing leaves there. A's `left` was nonetheless newest,
 * and a re-read at A kept A's values (no grace, the old last_seen) over the stored copy's grace:
 * she went offline at once. Now only a close or logout that makes the user leave on the replica
 * stamps `left`.
 */
import { describe, expect, it } from 'vitest';
import { PresenceEngine } from '../../../src/server/presence/presence-engine.js';
import type { StoredReplica, Version } from '../../../src/server/ports/presence-store.js';
import { applyInput } from '../../../src/server/status/apply-input.js';
import type { PresenceInput } from '../../../src/server/status/presence-events.js';
import type { Profile } from '../../../src/server/status/presence-repository.js';
import type { PresenceDeps } from '../../../src/server/status/presence-service.js';
import { Replicas } from '../../../src/server/status/replicas.js';
import { T0, timings } from '../presence/engine-fixture.js';

const ALICE = 1;

function instanceA(stored: () => StoredReplica) {
  let t = T0;
  const engine = new PresenceEngine({ now: () => t }, timings);
  const deps = {
    now: () => t,
    bus: { instanceId: 'A', isHealthy: () => true, publishRemote: () => undefined, flushed: async () => undefined },
    store: { shared: true, save: async () => true, load: async () => new Map([[ALICE, stored()]]) },
    log: { warn: () => undefined, error: () => undefined, info: () => undefined },
  } as unknown as PresenceDeps;
  const profiles = new Map<number, Profile>([[ALICE, { id: ALICE } as Profile]]);
  const r = new Replicas(deps, engine, { profiles, changed: () => undefined });
  engine.load(ALICE, { manualStatus: null, serverGames: [], customMessage: null, customMessageExpiresAt: null, lastSeen: null, lastActivity: null });
  /** A local input, as PresenceService#input makes it: `leaves` read before it applies. */
  const local = (input: PresenceInput) => {
    const leaves = r.leaves(ALICE, input);
    applyInput(engine, ALICE, input as Exclude<PresenceInput, { op: 'settings' }>);
    r.share(ALICE, input, leaves);
  };
  return { engine, r, local, at: (ms: number) => (t = T0 + ms) };
}

describe('`left` is stamped only by a close or logout that makes the user leave on the replica', () => {
  it('her phone on A closes while A still holds her tab on B: a re-read takes the grace B began', async () => {
    const closedOnB = T0 + 1_000;
    const vB: Version = { at: closedOnB, by: 'B' };
    // What B saved when her tab closed there (B knew of no other session): the grace, last seen then.
    const stored = (): StoredReplica => ({
      sessions: [],
      serverGames: [],
      manualStatus: null,
      customMessage: null,
      customMessageExpiresAt: null,
      declaredActivity: null,
      lastSeen: closedOnB,
      lastActivity: null,
      graceUntil: closedOnB + timings.offlineGraceMs,
      graceSession: 'B/tab~l1',
      autoAway: false,
      version: vB,
      fieldVersions: { left: vB },
    });
    const a = instanceA(stored);
    a.local({ op: 'open', sessionId: 'B/tab~l1', kind: 'socket' });
    a.local({ op: 'open', sessionId: 'A/phone~l2', kind: 'socket' });
    a.at(2_000);
    // Not her last session here: nothing leaves, so it says nothing of when she left.
    expect(a.r.leaves(ALICE, { op: 'close', sessionId: 'A/phone~l2', immediate: false })).toBe(false);
    a.local({ op: 'close', sessionId: 'A/phone~l2', immediate: false, at: T0 + 2_000 });
    expect(a.engine.inGrace(ALICE)).toBe(false);
    // The outage ends: A re-reads her (the copy is older than A's own change, but its `left` is newer).
    await a.r.reload(ALICE);
    expect(a.engine.exportUser(ALICE).graceUntil).toBe(closedOnB + timings.offlineGraceMs);
    expect(a.engine.get(ALICE).lastSeen).toBe(closedOnB);
  });

  it('the last session closing, or a logout of the login whose close began the grace, does make her leave', () => {
    const a = instanceA(() => {
      throw new Error('not read');
    });
    a.local({ op: 'open', sessionId: 'A/phone~l2', kind: 'socket' });
    expect(a.r.leaves(ALICE, { op: 'close', sessionId: 'A/phone~l2', immediate: false })).toBe(true);
    a.local({ op: 'close', sessionId: 'A/phone~l2', immediate: false });
    expect(a.engine.inGrace(ALICE)).toBe(true);
    expect(a.r.leaves(ALICE, { op: 'logout', sessionSuffix: '~l2' })).toBe(true);
    expect(a.r.leaves(ALICE, { op: 'logout', sessionSuffix: '~l9' })).toBe(false);
    a.local({ op: 'open', sessionId: 'A/tab~l1', kind: 'socket' });
    a.local({ op: 'open', sessionId: 'A/tab2~l1', kind: 'socket' });
    a.local({ op: 'open', sessionId: 'A/pad~l3', kind: 'socket' });
    // A logout leaves when it ends every session held here, not while another login's stays.
    expect(a.r.leaves(ALICE, { op: 'logout', sessionSuffix: '~l1' })).toBe(false);
    expect(a.r.leaves(ALICE, { op: 'close', sessionId: 'A/pad~l3', immediate: false })).toBe(false);
  });
});
