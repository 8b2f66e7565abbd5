/**
 * The engine where one deadline meets another state: a tick that visits a user for one
 * reason must not disturb the rest, replicas must not resurrect what ended here, and a
 * game ending must respect sessions and the grace. Default contract timings throughout.
 */
import { describe, expect, it } from 'vitest';
import { ALICE, BOB, setup, T0, timings } from './engine-fixture.js';
import { PresenceEngine } from '../../../src/server/presence/presence-engine.js';

const MINUTE = 60_000;

describe('PresenceEngine: unknown users', () => {
  it('answers for a user it never saw without creating them', () => {
    const { engine } = setup();
    expect(engine.liveSessionCount(BOB)).toBe(0);
    expect(engine.inServerGame(BOB)).toBe(false);
    expect(engine.sessionIds(BOB)).toEqual([]);
    expect(engine.exportUser(BOB)).toEqual({
      sessions: [],
      serverGames: [],
      manualStatus: null,
      customMessage: null,
      customMessageExpiresAt: null,
      declaredActivity: null,
      declaredDetails: null,
      schedule: null,
      calendar: [],
      scheduleVersion: 0,
      calendarVersion: 0,
      lastSeen: null,
      lastActivity: null,
      graceUntil: null,
      graceSession: null,
      autoAway: false,
      activityShown: null,
      shownSince: null,
    });
    expect(engine.known(BOB)).toBe(false);
  });

  it('a removed user with deadlines still queued is simply skipped by the tick', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    engine.openSession(BOB, 's1', 'socket');
    engine.closeSession(ALICE, 's1');
    engine.closeSession(BOB, 's1');
    engine.remove(ALICE);
    const result = advance(timings.offlineGraceMs);
    expect(result.changes.map((c) => c.userId)).toEqual([BOB]);
    expect(engine.known(ALICE)).toBe(false);
  });
});

describe('PresenceEngine: a tick visiting for one reason leaves the rest alone', () => {
  it('a message expiring clears only the message: activity, status and session stay', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    engine.setActivity(ALICE, 'watching_match');
    engine.setCustomMessage(ALICE, 'gg', T0 + MINUTE);
    const { changes } = advance(MINUTE);
    expect(changes.map((c) => c.after)).toEqual([
      expect.objectContaining({ status: 'online', activity: 'watching_match', customMessage: null, customMessageExpiresAt: null, lastSeen: null }),
    ]);
  });

  it('an idle probe keeps a message that has no expiry, or one that expires later', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    engine.setCustomMessage(ALICE, 'forever', null);
    engine.openSession(BOB, 's1', 'socket');
    engine.setCustomMessage(BOB, 'for an hour', T0 + 60 * MINUTE);
    const { probes, changes } = advance(timings.idleTimeoutMs);
    expect(probes.sort()).toEqual([ALICE, BOB]);
    expect(changes).toEqual([]);
    expect(engine.get(ALICE).customMessage).toBe('forever');
    expect(engine.get(BOB).customMessage).toBe('for an hour');
  });

  it('a visit before the probe timeout does not turn the user away early', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    engine.setCustomMessage(ALICE, 'brb', T0 + timings.idleTimeoutMs + timings.idleProbeTimeoutMs / 2);
    expect(advance(timings.idleTimeoutMs).probes).toEqual([ALICE]);
    const half = advance(timings.idleProbeTimeoutMs / 2);
    expect(half.changes.map((c) => c.after)).toEqual([expect.objectContaining({ status: 'online', customMessage: null })]);
    expect(half.probes).toEqual([]);
    const rest = advance(timings.idleProbeTimeoutMs / 2);
    expect(rest.changes.map((c) => c.after)).toEqual([expect.objectContaining({ status: 'away', activity: 'idle' })]);
  });

  it('a manual status visited for its message expiry is never probed, however long idle', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    engine.setManualStatus(ALICE, 'busy', { message: 'focus', expiresAt: T0 + 2 * timings.idleTimeoutMs });
    const result = advance(2 * timings.idleTimeoutMs);
    expect(result.probes).toEqual([]);
    expect(result.changes.map((c) => c.after)).toEqual([expect.objectContaining({ status: 'busy', customMessage: null })]);
    expect(advance(timings.idleProbeTimeoutMs).changes).toEqual([]);
  });

  it('a message expiring during the offline grace does not end the grace early', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    engine.setActivity(ALICE, 'chatting');
    engine.setCustomMessage(ALICE, 'brb', T0 + timings.offlineGraceMs / 2);
    engine.closeSession(ALICE, 's1');
    const half = advance(timings.offlineGraceMs / 2);
    expect(half.changes.map((c) => c.after)).toEqual([expect.objectContaining({ status: 'online', activity: 'chatting', customMessage: null })]);
    // A reload now is still within the grace: nobody noticed anything.
    expect(engine.openSession(ALICE, 's2', 'socket')).toBeNull();
    expect(engine.get(ALICE)).toMatchObject({ status: 'online', activity: 'chatting' });
  });

  it('a server game without a session, visited for a message expiry, keeps its last_seen', () => {
    const { engine, advance } = setup();
    engine.startGame(ALICE, 'm1', 'match');
    engine.setCustomMessage(ALICE, 'ranked', T0 + MINUTE);
    const { changes } = advance(MINUTE);
    expect(changes.map((c) => c.after)).toEqual([expect.objectContaining({ status: 'in_game', customMessage: null, lastSeen: null })]);
  });
});

describe('PresenceEngine: last seen and lastActivity', () => {
  it('a poll session ends when its TTL runs out: last seen then, or at a socket close after it (before the tick)', () => {
    let t = T0;
    const engine = new PresenceEngine({ now: () => t }, timings);
    // What a tick `ms` later shows as the status changes (a last_seen set in the grace is none).
    const offlineAfter = (ms: number) => {
      t += ms;
      return engine.tick().changes.map((c) => c.after).filter((a) => a.status === 'offline');
    };
    // The socket closed before the poll session ended: the poll session was the last to end.
    engine.openSession(ALICE, 'poll', 'poll');
    engine.openSession(ALICE, 'sock', 'socket');
    t += 10_000;
    engine.closeSession(ALICE, 'sock');
    expect(offlineAfter(timings.pollSessionTtlMs - 10_000)).toEqual([]);
    expect(offlineAfter(timings.offlineGraceMs)).toEqual([expect.objectContaining({ status: 'offline', lastSeen: T0 + timings.pollSessionTtlMs })]);
    // A socket closed after the poll session's TTL ran out, before a tick noticed: it left last.
    const start = t;
    engine.openSession(ALICE, 'poll', 'poll');
    engine.openSession(ALICE, 'sock', 'socket');
    t += timings.pollSessionTtlMs + 5_000;
    engine.closeSession(ALICE, 'sock');
    expect(offlineAfter(timings.offlineGraceMs - 1)).toEqual([]);
    expect(offlineAfter(1)).toEqual([expect.objectContaining({ status: 'offline', lastSeen: start + timings.pollSessionTtlMs + 5_000 })]);
  });

  it('get() shows the latest interaction time even when nothing reportable changed', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    advance(5_000);
    expect(engine.interaction(ALICE)).toBeNull();
    expect(engine.get(ALICE).lastActivity).toBe(T0 + 5_000);
    expect(engine.snapshotForPersistence(ALICE).lastActivity).toBe(T0 + 5_000);
  });

  it('an already expired message is never set, and setting it reports nothing', () => {
    const { engine } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    expect(engine.setCustomMessage(ALICE, 'too late', T0 - 1)).toBeNull();
    expect(engine.setCustomMessage(ALICE, 'just now', T0)).toBeNull();
    expect(engine.get(ALICE)).toMatchObject({ customMessage: null, customMessageExpiresAt: null });
  });

  it('a remembered message without expiry is kept at load', () => {
    const { engine } = setup();
    engine.load(ALICE, { manualStatus: null, serverGames: [], customMessage: 'hello', customMessageExpiresAt: null, lastSeen: null, lastActivity: null });
    expect(engine.get(ALICE)).toMatchObject({ customMessage: 'hello', customMessageExpiresAt: null });
  });

  it('a remembered message expiring exactly at load time starts cleared', () => {
    const { engine } = setup();
    engine.load(ALICE, { manualStatus: null, serverGames: [], customMessage: 'old', customMessageExpiresAt: T0, lastSeen: null, lastActivity: null });
    expect(engine.get(ALICE).customMessage).toBeNull();
  });
});

describe('PresenceEngine: games end into the right state', () => {
  it('a game ending with a live session keeps the declared activity and last seen', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    engine.setActivity(ALICE, 'watching_match');
    engine.startGame(ALICE, 'm1', 'match');
    advance(MINUTE);
    expect(engine.endGame(ALICE, 'm1')?.after).toMatchObject({ status: 'online', activity: 'watching_match', lastSeen: null });
  });

  it('a game ending during the offline grace leaves the user present until the grace ends, last seen at the close', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    engine.setActivity(ALICE, 'chatting');
    engine.startGame(ALICE, 'm1', 'match');
    advance(MINUTE);
    const closedAt = T0 + MINUTE;
    engine.closeSession(ALICE, 's1');
    advance(timings.offlineGraceMs / 2);
    expect(engine.endGame(ALICE, 'm1')?.after).toMatchObject({ status: 'online', activity: 'chatting', lastSeen: closedAt });
    const { changes } = advance(timings.offlineGraceMs / 2);
    expect(changes.map((c) => c.after)).toEqual([expect.objectContaining({ status: 'offline', activity: null, lastSeen: closedAt })]);
  });

  it('the first of two overlapping games ending leaves a session-less player in game, last seen untouched', () => {
    const { engine, advance } = setup();
    engine.startGame(ALICE, 'm1', 'match');
    engine.startGame(ALICE, 't1', 'tournament');
    advance(MINUTE);
    engine.endGame(ALICE, 't1');
    expect(engine.get(ALICE)).toMatchObject({ status: 'in_game', activity: 'playing_pong', lastSeen: null });
    advance(MINUTE);
    expect(engine.endGame(ALICE, 'm1')?.after).toMatchObject({ status: 'offline', lastSeen: T0 + 2 * MINUTE });
  });

  it('an activity refused during a server game is not applied when the game ends', () => {
    const { engine } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    engine.startGame(ALICE, 'm1', 'match');
    expect(engine.setActivity(ALICE, 'chatting').rejected).toBe(true);
    expect(engine.endGame(ALICE, 'm1')?.after).toMatchObject({ status: 'online', activity: 'browsing' });
  });

  it('a game start clears a pending auto-away for replicas too', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    advance(timings.idleTimeoutMs);
    advance(timings.idleProbeTimeoutMs);
    expect(engine.get(ALICE).status).toBe('away');
    engine.startGame(ALICE, 'm1', 'match');
    expect(engine.exportUser(ALICE).autoAway).toBe(false);
  });
});

describe('PresenceEngine: replicas', () => {
  it('does not resurrect a session of its own that ended here but lingers in the store', () => {
    const { engine } = setup();
    engine.openSession(ALICE, 'A/1', 'socket');
    const stored = engine.exportUser(ALICE);
    engine.openSession(ALICE, 'A/2', 'socket');
    engine.closeSession(ALICE, 'A/1');
    const remote = { ...stored, sessions: [...stored.sessions, { id: 'B/9', kind: 'socket' as const, lastTouch: T0 }] };
    engine.importUser(ALICE, remote, (id) => id.startsWith('A/'));
    expect(engine.sessionIds(ALICE).sort()).toEqual(['A/2', 'B/9']);
  });

  it('ignores a stale grace in the store while sessions are live', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 'A/1', 'socket');
    engine.setActivity(ALICE, 'chatting');
    const state = { ...engine.exportUser(ALICE), graceUntil: T0 + 1_000 };
    engine.importUser(ALICE, state, (id) => id.startsWith('A/'));
    expect(engine.exportUser(ALICE).graceUntil).toBeNull();
    advance(2_000);
    expect(engine.get(ALICE)).toMatchObject({ status: 'online', activity: 'chatting' });
  });

  it('an import with nothing live (no session, grace or game) is offline and forgets the transient state', () => {
    const { engine } = setup();
    engine.openSession(ALICE, 'B/1', 'socket');
    const state = { ...engine.exportUser(ALICE), sessions: [], graceUntil: null, declaredActivity: 'chatting' as const, autoAway: true };
    expect(engine.importUser(ALICE, state)?.after).toMatchObject({ status: 'offline', activity: null });
    expect(engine.exportUser(ALICE)).toMatchObject({ declaredActivity: null, autoAway: false, graceUntil: null });
  });

  it('an import holding only a server game stays in game', () => {
    const { engine } = setup();
    const state = { ...engine.exportUser(ALICE), serverGames: [{ matchId: 'm1', activity: 'in_tournament' as const, startedAt: T0 }], declaredActivity: 'chatting' as const };
    expect(engine.importUser(ALICE, state)?.after).toMatchObject({ status: 'in_game', activity: 'in_tournament' });
    expect(engine.exportUser(ALICE).declaredActivity).toBe('chatting');
  });

  it('exports every session with its kind and last touch', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 'A/1', 'socket');
    advance(1_000);
    engine.openSession(ALICE, 'poll:x', 'poll');
    expect(engine.exportUser(ALICE).sessions).toEqual([
      { id: 'A/1', kind: 'socket', lastTouch: T0 },
      { id: 'poll:x', kind: 'poll', lastTouch: T0 + 1_000 },
    ]);
  });
});
