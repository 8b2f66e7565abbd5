/** Export and import of a user's replicable state (what instances share in cluster mode). */
import { describe, expect, it } from 'vitest';
import { PresenceEngine } from '../../../src/server/presence/presence-engine.js';
import type { PresenceState, ReplicaState } from '../../../src/server/presence/types.js';
import { ALICE, BOB, setup, T0, timings } from './engine-fixture.js';

/** What viewers see of a state (all of it, activity_since included). */
const shown = (s: PresenceState) => s;

describe('PresenceEngine replicas', () => {
  it('an imported state reproduces the exported one exactly', () => {
    const a = setup();
    a.engine.openSession(ALICE, 'A/1', 'socket');
    a.engine.setManualStatus(ALICE, 'busy', { message: 'ranked', expiresAt: null });
    a.engine.startGame(ALICE, 'm1', 'tournament');
    const b = setup();
    const change = b.engine.importUser(ALICE, a.engine.exportUser(ALICE));
    expect(change?.after).toEqual(a.engine.get(ALICE));
    expect(b.engine.get(ALICE)).toMatchObject({ status: 'in_game', activity: 'in_tournament', customMessage: 'ranked' });
    expect(b.engine.exportUser(ALICE)).toEqual(a.engine.exportUser(ALICE));
  });

  it('keeps the sessions the caller owns and takes the others from the import', () => {
    const { engine } = setup();
    engine.openSession(ALICE, 'A/mine', 'socket');
    engine.openSession(ALICE, 'B/stale', 'socket');
    const remote = { ...engine.exportUser(ALICE), sessions: [{ id: 'C/theirs', kind: 'socket' as const, lastTouch: 0 }] };
    engine.importUser(ALICE, remote, (id) => id.startsWith('A/'));
    expect(engine.sessionIds(ALICE).sort()).toEqual(['A/mine', 'C/theirs']);
  });

  it('a user with no session left after an import goes offline once its grace is over', () => {
    const { engine, advance, now } = setup();
    engine.openSession(ALICE, 'B/1', 'socket');
    const state = { ...engine.exportUser(ALICE), sessions: [], graceUntil: now() + 1000 };
    expect(engine.importUser(ALICE, state)).toBeNull();
    expect(engine.get(ALICE).status).toBe('online');
    expect(advance(1000).changes.map((c) => c.after.status)).toEqual(['offline']);
  });

  it('replicas without busy intervals share one frozen empty calendar: imported, emptied by their feed, or past their last event', () => {
    const held = setup();
    held.engine.openSession(ALICE, 'A/1', 'socket');
    held.engine.openSession(BOB, 'A/2', 'socket');
    const { engine, advance, now } = setup();
    // A stored copy is parsed JSON: each brings an empty array of its own.
    engine.importUser(ALICE, JSON.parse(JSON.stringify(held.engine.exportUser(ALICE))) as ReplicaState);
    engine.importUser(BOB, JSON.parse(JSON.stringify(held.engine.exportUser(BOB))) as ReplicaState);
    const shared = engine.exportUser(ALICE).calendar!;
    expect(shared).toEqual([]);
    expect(Object.isFrozen(shared)).toBe(true);
    expect(engine.exportUser(BOB).calendar).toBe(shared);
    engine.setCalendar(ALICE, [{ start: now() - 1000, end: now() + 1000, message: 'meeting' }], 1);
    expect(engine.get(ALICE).status).toBe('busy');
    advance(1000);
    expect(engine.get(ALICE).status).toBe('online');
    expect(engine.exportUser(ALICE).calendar).toBe(shared);
    engine.setCalendar(BOB, [{ start: now() + 5000, end: now() + 9000, message: 'later' }], 1);
    engine.setCalendar(BOB, [], 2);
    expect(engine.exportUser(BOB).calendar).toBe(shared);
  });

  it('reports no change when the import matches what the replica already shows', () => {
    const { engine } = setup();
    engine.openSession(ALICE, 'A/1', 'socket');
    expect(engine.importUser(ALICE, engine.exportUser(ALICE))).toBeNull();
  });

  it('a fresh replica dates an activity as the saver did, and never before she last unhid', () => {
    let t = T0;
    const clock = { now: () => t };
    const held = new PresenceEngine(clock, timings);
    held.openSession(ALICE, 'A/1', 'socket');
    held.setActivity(ALICE, 'watching_match');
    t += 60_000;
    held.unhide(ALICE, null, t);
    t += 60_000;
    const fresh = new PresenceEngine(clock, timings);
    fresh.importUser(ALICE, structuredClone(held.exportUser(ALICE)));
    expect(fresh.get(ALICE)).toEqual(held.get(ALICE));
    expect(fresh.get(ALICE)).toMatchObject({ activity: 'watching_match', activitySince: T0, shownSince: T0 + 60_000 });
  });

  describe('an import catches up to now: a fresh replica shows what one that held the user all along shows', () => {
    const scenarios: Record<string, (e: PresenceEngine, at: (ms: number) => void) => void> = {
      'left (grace end)': (e, at) => {
        e.openSession(ALICE, 'A/1', 'socket');
        e.setManualStatus(ALICE, 'busy', { message: 'deep work', expiresAt: null });
        e.setActivity(ALICE, 'browsing');
        at(5_000);
        e.closeSession(ALICE, 'A/1');
      },
      'a poller stopped polling (poll TTL)': (e, at) => {
        e.openSession(ALICE, 'poll:x', 'poll');
        e.setActivity(ALICE, 'browsing');
        at(20_000);
        e.touchSession(ALICE, 'poll:x');
      },
      'a message expires while connected': (e) => {
        e.openSession(ALICE, 'A/1', 'socket');
        e.setManualStatus(ALICE, 'online', { message: 'back at 3', expiresAt: T0 + 90_000 });
      },
      'idle while connected (probe, auto-away)': (e) => {
        e.openSession(ALICE, 'A/1', 'socket');
      },
      'a server game whose end never came (maximum)': (e) => {
        e.startGame(ALICE, 'm1', 'match');
      },
    };
    const horizon = timings.idleTimeoutMs + timings.idleProbeTimeoutMs + 30_000;
    const checkpoints = [1_000, 9_000, 15_000, 59_000, 61_000, 85_000, 95_000, 299_000, 301_000, 330_000, 359_000, 361_000, horizon];

    for (const [name, inputs] of Object.entries(scenarios)) {
      it(name, () => {
        let t = T0;
        const clock = { now: () => t };
        const held = new PresenceEngine(clock, { ...timings, maxGameMs: 100_000 });
        inputs(held, (ms) => {
          for (; t < T0 + ms; t += 1000) held.tick();
        });
        // The store keeps the state as of the last input: time-driven transitions are never saved.
        const stored: ReplicaState = held.exportUser(ALICE);
        const savedAt = t;
        for (const at of checkpoints) {
          while (t < savedAt + at) {
            t = Math.min(t + 1000, savedAt + at);
            held.tick();
          }
          const fresh = new PresenceEngine(clock, { ...timings, maxGameMs: 100_000 });
          fresh.load(ALICE, { manualStatus: null, serverGames: [], customMessage: null, customMessageExpiresAt: null, lastSeen: null, lastActivity: null });
          fresh.importUser(ALICE, structuredClone(stored));
          expect(shown(fresh.get(ALICE)), `${at} ms after the save`).toEqual(shown(held.get(ALICE)));
          expect(fresh.probing(ALICE), `probing ${at} ms after the save`).toBe(held.probing(ALICE));
          // And they stay together: the next deadlines fall alike.
          t += 1000;
          held.tick();
          fresh.tick();
          expect(shown(fresh.get(ALICE)), `${at + 1000} ms after the save`).toEqual(shown(held.get(ALICE)));
        }
      });
    }
  });
});
