import { describe, expect, it } from 'vitest';
import { setup, T0, timings, ALICE } from './engine-fixture.js';

describe('PresenceEngine sessions', () => {
  it('shows an unknown user as offline and never seen', () => {
    const { engine } = setup();
    expect(engine.known(ALICE)).toBe(false);
    expect(engine.get(ALICE)).toEqual({
      status: 'offline',
      activity: null,
      activityDetails: null,
      activitySince: null,
      manualStatus: null,
      customMessage: null,
      customMessageExpiresAt: null,
      lastSeen: null,
      lastActivity: null,
      shownSince: null,
    });
  });

  it('brings a user online browsing when a session opens, and reports the change', () => {
    const { engine } = setup();
    const change = engine.openSession(ALICE, 's1', 'socket');
    expect(change?.before.status).toBe('offline');
    expect(change?.after).toMatchObject({ status: 'online', activity: 'browsing', lastActivity: T0 });
    expect(engine.known(ALICE)).toBe(true);
    expect(engine.get(ALICE)).toBe(change?.after);
  });

  it('hands out frozen snapshots that later changes do not touch', () => {
    const { engine } = setup();
    const change = engine.openSession(ALICE, 's1', 'socket');
    expect(Object.isFrozen(change?.after)).toBe(true);
    engine.setManualStatus(ALICE, 'busy');
    expect(change?.after.status).toBe('online');
  });

  it('treats two sessions as one user: the second open and the first close change nothing', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 'tab', 'socket');
    expect(engine.openSession(ALICE, 'phone', 'socket')).toBeNull();
    expect(engine.liveSessionCount(ALICE)).toBe(2);
    expect(engine.sessionIds(ALICE).sort()).toEqual(['phone', 'tab']);
    expect(engine.closeSession(ALICE, 'tab')).toBeNull();
    expect(advance(timings.offlineGraceMs * 2).changes).toEqual([]);
    expect(engine.get(ALICE).status).toBe('online');
  });

  it('answers whether a session passes a test, as the list of ids would, for known and unknown users', () => {
    const { engine } = setup();
    const seen: string[] = [];
    expect(engine.hasSession(ALICE, () => true), 'an unknown user').toBe(false);
    engine.openSession(ALICE, 'a/1~tab', 'socket');
    engine.openSession(ALICE, 'b/1~phone', 'socket');
    expect(engine.hasSession(ALICE, (id) => id.startsWith('b/'))).toBe(true);
    expect(engine.hasSession(ALICE, (id) => id.startsWith('c/'))).toBe(false);
    expect(engine.hasSession(ALICE, (id) => (seen.push(id), true)), 'stops at the first that passes').toBe(true);
    expect(seen).toEqual(['a/1~tab']);
    engine.closeSession(ALICE, 'a/1~tab');
    engine.closeSession(ALICE, 'b/1~phone');
    expect(engine.hasSession(ALICE, () => true), 'no session left (in the grace)').toBe(false);
  });

  it('keeps the status through the grace and records last_seen when the last session ends', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    advance(5_000);
    const change = engine.closeSession(ALICE, 's1');
    expect(change?.after).toMatchObject({ status: 'online', lastSeen: T0 + 5_000 });
    expect(advance(timings.offlineGraceMs - 1).changes).toEqual([]);
    expect(engine.get(ALICE).status).toBe('online');
  });

  it('shows nothing at all when the user reloads within the grace', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    engine.closeSession(ALICE, 's1');
    advance(timings.offlineGraceMs - 1_000);
    expect(engine.openSession(ALICE, 's2', 'socket')).toBeNull();
    expect(advance(timings.offlineGraceMs * 3).changes).toEqual([]);
    expect(engine.get(ALICE).status).toBe('online');
  });

  it('keeps the declared activity through a reload within the grace', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    engine.setActivity(ALICE, 'chatting');
    engine.closeSession(ALICE, 's1');
    advance(1_000);
    engine.openSession(ALICE, 's2', 'socket');
    expect(advance(timings.offlineGraceMs).changes).toEqual([]);
    expect(engine.get(ALICE).activity).toBe('chatting');
  });

  it('turns the user offline when the grace passes, last seen when the last session ended', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    advance(2_000);
    engine.closeSession(ALICE, 's1');
    const { changes } = advance(timings.offlineGraceMs);
    expect(changes).toHaveLength(1);
    expect(changes[0]?.after).toMatchObject({ status: 'offline', activity: null, lastSeen: T0 + 2_000 });
    expect(advance(timings.offlineGraceMs).changes).toEqual([]);
  });

  it('takes the user offline at once on logout, skipping the grace', () => {
    const { engine, now } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    const change = engine.closeSession(ALICE, 's1', { immediate: true });
    expect(change?.after).toMatchObject({ status: 'offline', activity: null, lastSeen: now() });
  });

  it('keeps the user online on logout of one session while another is live', () => {
    const { engine } = setup();
    engine.openSession(ALICE, 'laptop', 'socket');
    engine.openSession(ALICE, 'phone', 'socket');
    expect(engine.closeSession(ALICE, 'laptop', { immediate: true })).toBeNull();
    expect(engine.get(ALICE).status).toBe('online');
  });

  it('a logout heard before its socket\'s close (replicas in another order) ends that login\'s sessions; the late close begins no grace', () => {
    const { engine, advance, now } = setup();
    engine.openSession(ALICE, 'a/1~tab', 'socket');
    engine.openSession(ALICE, 'a/2~phone', 'socket');
    advance(1_000);
    // The tab's login logs out: the phone's login keeps her online.
    expect(engine.logout(ALICE, '~tab')).toBeNull();
    expect(engine.sessionIds(ALICE)).toEqual(['a/2~phone']);
    expect(engine.logout(ALICE, '~phone')?.after).toMatchObject({ status: 'offline', lastSeen: now() });
    expect(engine.closeSession(ALICE, 'a/2~phone')).toBeNull();
    expect(engine.inGrace(ALICE)).toBe(false);
    // As the instance that heard the close first: a grace the login's close began ends; another login's does not.
    engine.openSession(ALICE, 'b/3~tab', 'socket');
    engine.closeSession(ALICE, 'b/3~tab');
    expect(engine.logout(ALICE, '~phone')).toBeNull();
    expect(engine.inGrace(ALICE)).toBe(true);
    expect(engine.logout(ALICE, '~tab')?.after.status).toBe('offline');
    expect(engine.inGrace(ALICE)).toBe(false);
  });

  it('a logout dates the leave of the sessions it ends when it was answered; their close heard later, dated earlier, dates it then', () => {
    const { engine, advance, now } = setup();
    engine.openSession(ALICE, 'a/1~tab', 'socket');
    advance(3_000);
    const closedAt = now() - 3_000;
    const loggedOutAt = now() - 1_000;
    // Logged out through another instance a second ago (the input carries when).
    expect(engine.logout(ALICE, '~tab', loggedOutAt)?.after).toMatchObject({ status: 'offline', lastSeen: loggedOutAt });
    // A close of another session, or one dated after the logout, changes nothing.
    expect(engine.datesLeaveEarlier(ALICE, 'a/9~tab', closedAt)).toBe(false);
    expect(engine.closeSession(ALICE, 'a/1~tab', { at: loggedOutAt + 1 })).toBeNull();
    // The socket had closed before, where it was: she left then, as that instance shows.
    expect(engine.datesLeaveEarlier(ALICE, 'a/1~tab', closedAt)).toBe(true);
    expect(engine.closeSession(ALICE, 'a/1~tab', { at: closedAt })?.after).toMatchObject({ status: 'offline', lastSeen: closedAt });
    expect(engine.inGrace(ALICE)).toBe(false);
    expect(engine.closeSession(ALICE, 'a/1~tab', { at: closedAt - 1 })).toBeNull();
    // Back since: a late close of the logged-out session no longer moves anything.
    engine.logout(ALICE, '~tab', now());
    engine.openSession(ALICE, 'a/2~tab', 'socket');
    expect(engine.datesLeaveEarlier(ALICE, 'a/1~tab', closedAt)).toBe(false);
  });

  it('forgets the declared activity when the user goes offline', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    engine.setActivity(ALICE, 'chatting');
    engine.closeSession(ALICE, 's1');
    expect(engine.get(ALICE).activity).toBe('chatting');
    advance(timings.offlineGraceMs);
    engine.openSession(ALICE, 's2', 'socket');
    expect(engine.get(ALICE).activity).toBe('browsing');
  });

  it('ignores closing an unknown session', () => {
    const { engine } = setup();
    expect(engine.closeSession(ALICE, 'nope')).toBeNull();
    engine.openSession(ALICE, 's1', 'socket');
    expect(engine.closeSession(ALICE, 'nope')).toBeNull();
    expect(engine.liveSessionCount(ALICE)).toBe(1);
  });

  it('forgets a removed user entirely', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    engine.closeSession(ALICE, 's1');
    engine.remove(ALICE);
    expect(engine.known(ALICE)).toBe(false);
    expect(engine.get(ALICE).status).toBe('offline');
    expect(advance(timings.offlineGraceMs).changes).toEqual([]);
  });
});

describe('PresenceEngine poll sessions', () => {
  it('keeps a poll session live while it is touched within its TTL', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 'poll', 'poll');
    for (let i = 0; i < 5; i += 1) {
      advance(timings.pollSessionTtlMs - 1_000);
      expect(engine.touchSession(ALICE, 'poll')).toBe(true);
    }
    expect(advance(timings.pollSessionTtlMs - 1).expiredSessions).toEqual([]);
    expect(engine.get(ALICE).status).toBe('online');
  });

  it('ends a poll session when its TTL runs out, then the user goes offline after the grace, last seen when it ended', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 'poll', 'poll');
    advance(20_000);
    engine.touchSession(ALICE, 'poll');
    const endedAt = T0 + 20_000 + timings.pollSessionTtlMs;
    // CONTRACT: the session ends at the TTL, like a socket's last close: friends notice nothing yet.
    const result = advance(timings.pollSessionTtlMs);
    expect(result.expiredSessions).toEqual([{ userId: ALICE, sessionId: 'poll' }]);
    expect(result.changes.map((c) => c.after)).toEqual([expect.objectContaining({ status: 'online', lastSeen: endedAt })]);
    expect(engine.liveSessionCount(ALICE)).toBe(0);
    expect(engine.inGrace(ALICE)).toBe(true);
    expect(engine.touchSession(ALICE, 'poll')).toBe(false);
    expect(advance(timings.offlineGraceMs - 1).changes).toEqual([]);
    const { changes } = advance(1);
    expect(changes.map((c) => c.after)).toEqual([expect.objectContaining({ status: 'offline', lastSeen: endedAt })]);
  });

  it('dates the end of a poll session at its TTL, not at a late tick, so the grace runs from then', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 'poll', 'poll');
    const endedAt = T0 + timings.pollSessionTtlMs;
    const { changes } = advance(timings.pollSessionTtlMs + timings.offlineGraceMs);
    expect(changes.map((c) => c.after)).toEqual([expect.objectContaining({ status: 'offline', lastSeen: endedAt })]);
  });

  it('a poll within the grace after its session expired brings the user back with nothing to report', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 'poll', 'poll');
    engine.setActivity(ALICE, 'chatting');
    advance(timings.pollSessionTtlMs + timings.offlineGraceMs / 2);
    expect(engine.inGrace(ALICE)).toBe(true);
    expect(engine.openSession(ALICE, 'poll', 'poll', { interaction: false })).toBeNull();
    expect(advance(timings.offlineGraceMs).changes).toEqual([]);
    expect(engine.get(ALICE)).toMatchObject({ status: 'online', activity: 'chatting' });
  });

  it('a poll session opened as no interaction (a read) by a user with none on record is away at once, until an input comes', () => {
    const { engine, advance } = setup();
    expect(engine.openSession(ALICE, 'poll', 'poll', { interaction: false })?.after).toMatchObject({ status: 'away', activity: 'idle' });
    expect(engine.get(ALICE).lastActivity).toBeNull();
    expect(advance(timings.pollSessionTtlMs - 1)).toMatchObject({ changes: [], probes: [] });
    expect(engine.interaction(ALICE)?.after).toMatchObject({ status: 'online', activity: 'browsing' });
  });

  it('reports an expired poll session without a change while a socket keeps the user online', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 'socket', 'socket');
    engine.openSession(ALICE, 'poll', 'poll');
    const result = advance(timings.pollSessionTtlMs);
    expect(result.expiredSessions).toEqual([{ userId: ALICE, sessionId: 'poll' }]);
    expect(result.changes).toEqual([]);
  });

  it('does not treat a heartbeat as an interaction', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 'poll', 'poll');
    advance(30_000);
    engine.touchSession(ALICE, 'poll');
    expect(engine.get(ALICE).lastActivity).toBe(T0);
  });

  it('returns false when touching a session of an unknown user', () => {
    const { engine } = setup();
    expect(engine.touchSession(ALICE, 'x')).toBe(false);
    expect(engine.known(ALICE)).toBe(false);
  });
});

describe('PresenceEngine manual status and custom message', () => {
  it('keeps manual busy and away until changed, and online returns to automatic mode', () => {
    const { engine } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    expect(engine.setManualStatus(ALICE, 'busy')?.after).toMatchObject({ status: 'busy', manualStatus: 'busy' });
    expect(engine.interaction(ALICE)).toBeNull();
    expect(engine.setManualStatus(ALICE, 'away')?.after).toMatchObject({ status: 'away', manualStatus: 'away' });
    expect(engine.setManualStatus(ALICE, 'online')?.after).toMatchObject({ status: 'online', manualStatus: null });
  });

  it('keeps the declared activity under a manual status', () => {
    const { engine } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    engine.setActivity(ALICE, 'watching_match');
    expect(engine.setManualStatus(ALICE, 'busy')?.after.activity).toBe('watching_match');
  });

  it('shows a user with a manual status as offline once their sessions are gone, and busy again on return', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    engine.setManualStatus(ALICE, 'busy');
    engine.closeSession(ALICE, 's1');
    expect(advance(timings.offlineGraceMs).changes[0]?.after).toMatchObject({ status: 'offline', manualStatus: 'busy' });
    expect(engine.openSession(ALICE, 's2', 'socket')?.after.status).toBe('busy');
  });

  it('sets, keeps and clears the custom message with the manual status', () => {
    const { engine } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    engine.setManualStatus(ALICE, 'busy', { message: 'brb', expiresAt: null });
    expect(engine.get(ALICE).customMessage).toBe('brb');
    engine.setManualStatus(ALICE, 'online');
    expect(engine.get(ALICE).customMessage).toBe('brb');
    engine.setManualStatus(ALICE, 'online', { message: null, expiresAt: null });
    expect(engine.get(ALICE).customMessage).toBeNull();
  });

  it('clears a custom message when it expires, reporting it once', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    const change = engine.setCustomMessage(ALICE, 'lunch', T0 + 30_000);
    expect(change?.after).toMatchObject({ customMessage: 'lunch', customMessageExpiresAt: T0 + 30_000 });
    expect(advance(29_999).changes).toEqual([]);
    const { changes } = advance(1);
    expect(changes).toHaveLength(1);
    expect(changes[0]?.after).toMatchObject({ customMessage: null, customMessageExpiresAt: null });
    expect(advance(1_000).changes).toEqual([]);
  });

  it('does not set a custom message whose expiry has already passed', () => {
    const { engine } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    expect(engine.setCustomMessage(ALICE, 'old', T0)).toBeNull();
    expect(engine.get(ALICE).customMessage).toBeNull();
  });

  it('reports no change when a manual status is set to what it already is', () => {
    const { engine } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    engine.setManualStatus(ALICE, 'busy', { message: 'focus', expiresAt: null });
    expect(engine.setManualStatus(ALICE, 'busy')).toBeNull();
    expect(engine.setManualStatus(ALICE, 'busy', { message: 'focus', expiresAt: null })).toBeNull();
    expect(engine.setActivity(ALICE, 'browsing').change).toBeNull();
  });
});

describe('PresenceEngine persistence', () => {
  it('seeds a user from the store and offers the same fields back', () => {
    const { engine } = setup();
    const persisted = {
      manualStatus: 'busy' as const,
      schedule: null,
      calendar: [],
      serverGames: [],
      customMessage: 'on call',
      customMessageExpiresAt: T0 + 60_000,
      lastSeen: T0 - 3_600_000,
      lastActivity: T0 - 3_600_000,
    };
    engine.load(ALICE, persisted);
    expect(engine.known(ALICE)).toBe(true);
    expect(engine.get(ALICE)).toMatchObject({ status: 'offline', activity: null, lastSeen: persisted.lastSeen });
    expect(engine.snapshotForPersistence(ALICE)).toEqual(persisted);
    expect(engine.openSession(ALICE, 's1', 'socket')?.after).toMatchObject({ status: 'busy', customMessage: 'on call' });
  });

  it('does not overwrite a user it already knows', () => {
    const { engine } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    engine.load(ALICE, { manualStatus: 'away', serverGames: [], customMessage: null, customMessageExpiresAt: null, lastSeen: 1, lastActivity: 1 });
    expect(engine.get(ALICE)).toMatchObject({ status: 'online', manualStatus: null, lastSeen: null });
  });

  it('starts with a remembered custom message cleared when it expired while the user was not loaded', () => {
    const { engine, advance } = setup();
    engine.load(ALICE, { manualStatus: null, serverGames: [], customMessage: 'old', customMessageExpiresAt: T0 - 1, lastSeen: null, lastActivity: null });
    expect(engine.get(ALICE)).toMatchObject({ customMessage: null, customMessageExpiresAt: null });
    expect(advance(0).changes).toEqual([]);
  });

  it('keeps a remembered custom message that has not expired, and clears it at its deadline with a change', () => {
    const { engine, advance } = setup();
    engine.load(ALICE, { manualStatus: null, serverGames: [], customMessage: 'soon', customMessageExpiresAt: T0 + 1000, lastSeen: null, lastActivity: null });
    expect(engine.get(ALICE).customMessage).toBe('soon');
    expect(advance(999).changes).toEqual([]);
    expect(advance(1).changes.map((c) => [c.before.customMessage, c.after.customMessage])).toEqual([['soon', null]]);
  });

  it('offers an empty snapshot for an unknown user', () => {
    const { engine } = setup();
    expect(engine.snapshotForPersistence(ALICE)).toEqual({
      manualStatus: null,
      schedule: null,
      calendar: [],
      serverGames: [],
      customMessage: null,
      customMessageExpiresAt: null,
      lastSeen: null,
      lastActivity: null,
    });
  });
});
