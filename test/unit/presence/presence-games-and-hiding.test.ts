/** Server games that outlive restarts and crashed game servers, the state a user unhides with, and activities declared with no session. */
import { describe, expect, it } from 'vitest';
import type { PersistedPresence } from '../../../src/server/presence/types.js';
import { ALICE, setup, T0, timings } from './engine-fixture.js';

const MAX = timings.maxGameMs;
const remembered = (over: Partial<PersistedPresence> = {}): PersistedPresence => ({
  manualStatus: null,
  serverGames: [],
  customMessage: null,
  customMessageExpiresAt: null,
  lastSeen: T0 - 1000,
  lastActivity: null,
  ...over,
});

describe('server games and their maximum duration', () => {
  it('ends a game whose end event never comes after maxGameMs, returning the player to their previous status', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    engine.setManualStatus(ALICE, 'busy');
    engine.startGame(ALICE, 'm1', 'match');
    expect(advance(MAX - 1).changes).toEqual([]);
    expect(engine.get(ALICE).status).toBe('in_game');
    const { changes } = advance(1);
    expect(changes.map((c) => [c.before.status, c.after.status])).toEqual([['in_game', 'busy']]);
    expect(engine.inServerGame(ALICE)).toBe(false);
  });

  it('a timed-out game of a player with no session leaves them offline, last seen when it timed out', () => {
    const { engine, advance } = setup();
    engine.startGame(ALICE, 'm1', 'match');
    expect(engine.get(ALICE).status).toBe('in_game');
    const { changes } = advance(MAX + 250);
    expect(changes[0]?.after).toMatchObject({ status: 'offline', activity: null, lastSeen: T0 + MAX });
  });

  it('a repeated match_started keeps the original start, so it cannot extend the game', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    engine.startGame(ALICE, 'm1', 'match');
    advance(MAX / 2);
    expect(engine.startGame(ALICE, 'm1', 'match')).toBeNull();
    expect(advance(MAX / 2).changes.map((c) => c.after.status)).toEqual(['online']);
  });

  it('persists games in progress with their start, and restores them on load', () => {
    const first = setup();
    first.engine.startGame(ALICE, 'm1', 'match');
    const saved = first.engine.snapshotForPersistence(ALICE);
    expect(saved.serverGames).toEqual([{ matchId: 'm1', activity: 'playing_pong', startedAt: T0, details: null }]);

    const restarted = setup();
    restarted.engine.load(ALICE, saved);
    expect(restarted.engine.get(ALICE)).toMatchObject({ status: 'in_game', activity: 'playing_pong' });
    expect(restarted.engine.inServerGame(ALICE)).toBe(true);
    // The end event that comes after the restart is honoured.
    expect(restarted.engine.endGame(ALICE, 'm1')?.after).toMatchObject({ status: 'offline' });
  });

  it('drops on load a remembered game that outlived maxGameMs while nobody held the player', () => {
    const { engine } = setup();
    engine.load(ALICE, remembered({ serverGames: [{ matchId: 'old', activity: 'in_tournament', startedAt: T0 - MAX }] }));
    expect(engine.get(ALICE)).toMatchObject({ status: 'offline', lastSeen: T0 });
    expect(engine.inServerGame(ALICE)).toBe(false);
  });

  it('keeps a remembered game that is still within maxGameMs, and times it out from its original start', () => {
    const { engine, advance } = setup();
    engine.load(ALICE, remembered({ serverGames: [{ matchId: 'm', activity: 'playing_pong', startedAt: T0 - MAX + 1000 }] }));
    expect(engine.get(ALICE).status).toBe('in_game');
    expect(advance(999).changes).toEqual([]);
    expect(advance(1).changes.map((c) => c.after.status)).toEqual(['offline']);
  });
});

describe('unhiding: the last_seen shown while hidden stays', () => {
  it('sets last_seen of an offline user', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    advance(5000);
    engine.closeSession(ALICE, 's1', { immediate: true });
    expect(engine.get(ALICE).lastSeen).toBe(T0 + 5000);
    expect(engine.unhide(ALICE, T0 + 1000, T0 + 6000)?.after).toMatchObject({ status: 'offline', lastSeen: T0 + 1000, shownSince: T0 + 6000 });
    expect(engine.snapshotForPersistence(ALICE).lastSeen).toBe(T0 + 1000);
  });

  it('a user with a session or in a server game shows her current state: only when she unhid moves', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    advance(1000);
    expect(engine.unhide(ALICE, T0 - 1, T0 + 1000)?.after).toMatchObject({ status: 'online', lastSeen: null, shownSince: T0 + 1000 });
    engine.startGame(ALICE, 'm1', 'match');
    engine.closeSession(ALICE, 's1', { immediate: true });
    advance(1000);
    expect(engine.unhide(ALICE, T0 - 1, T0 + 2000)?.after).toMatchObject({ status: 'in_game', activitySince: T0 + 1000, lastSeen: T0 + 1000, shownSince: T0 + 2000 });
  });

  it('a server game keeps when she unhid, so a restart or another instance shows it no earlier', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    engine.startGame(ALICE, 'm1', 'match');
    advance(120_000);
    engine.unhide(ALICE, null, T0 + 120_000);
    engine.startGame(ALICE, 'm1', 'match');
    const persisted = engine.snapshotForPersistence(ALICE);
    expect(persisted.serverGames).toEqual([{ matchId: 'm1', activity: 'playing_pong', startedAt: T0, details: null, shownFrom: T0 + 120_000 }]);
    const restarted = setup();
    restarted.engine.load(ALICE, persisted);
    expect(restarted.engine.get(ALICE)).toMatchObject({ status: 'in_game', activitySince: T0, shownSince: T0 + 120_000 });
    const replica = setup();
    replica.engine.importUser(ALICE, engine.exportUser(ALICE));
    expect(replica.engine.get(ALICE)).toMatchObject({ status: 'in_game', activitySince: T0, shownSince: T0 + 120_000 });
  });

  it('in the grace (she left while hidden) ends it now: offline, last seen when she hid, and the grace’s end changes nothing', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    engine.setActivity(ALICE, 'chatting');
    advance(5000);
    engine.closeSession(ALICE, 's1');
    advance(2000);
    expect(engine.get(ALICE).status).toBe('online');
    expect(engine.unhide(ALICE, T0 + 1000, T0 + 7000)?.after).toMatchObject({ status: 'offline', activity: null, lastSeen: T0 + 1000 });
    expect(advance(timings.offlineGraceMs).changes).toEqual([]);
    expect(engine.get(ALICE)).toMatchObject({ status: 'offline', lastSeen: T0 + 1000 });
    expect(engine.snapshotForPersistence(ALICE).lastSeen).toBe(T0 + 1000);
    // Back within what would have been the grace: a real arrival, with no activity kept from before.
    engine.openSession(ALICE, 's2', 'socket');
    expect(engine.get(ALICE)).toMatchObject({ status: 'online', activity: 'browsing' });
  });
});

describe('an activity declared with no session', () => {
  it('is not kept once the grace is over, so the next connect shows browsing', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    engine.closeSession(ALICE, 's1');
    advance(timings.offlineGraceMs);
    expect(engine.setActivity(ALICE, 'playing_pong', { opponent: 'ghost' })).toEqual({ change: null, rejected: false });
    expect(engine.get(ALICE)).toMatchObject({ status: 'offline', activity: null });
    engine.openSession(ALICE, 's2', 'socket');
    expect(engine.get(ALICE)).toMatchObject({ status: 'online', activity: 'browsing', activityDetails: null });
  });

  it('is kept within the grace (a reload), as the user is still present', () => {
    const { engine } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    engine.closeSession(ALICE, 's1');
    engine.setActivity(ALICE, 'playing_pong');
    engine.openSession(ALICE, 's2', 'socket');
    expect(engine.get(ALICE)).toMatchObject({ status: 'in_game', activity: 'playing_pong' });
  });
});

describe('rich presence: activity details and since', () => {
  it('a server game carries its details and its start; updates merge into the details', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    const start = engine.startGame(ALICE, 'm1', 'match', { opponent: 'bob', mode: 'ranked' });
    expect(start?.after).toMatchObject({ activity: 'playing_pong', activityDetails: { opponent: 'bob', mode: 'ranked' }, activitySince: T0 });
    advance(60_000);
    const update = engine.updateGame(ALICE, 'm1', { score: '3-2' });
    expect(update?.after).toMatchObject({ activityDetails: { opponent: 'bob', mode: 'ranked', score: '3-2' }, activitySince: T0 });
    expect(engine.updateGame(ALICE, 'unknown', { score: '1-0' })).toBeNull();
    expect(engine.snapshotForPersistence(ALICE).serverGames[0]?.details).toEqual({ opponent: 'bob', mode: 'ranked', score: '3-2' });
    expect(engine.endGame(ALICE, 'm1')?.after).toMatchObject({ activity: 'browsing', activityDetails: null, activitySince: T0 + 60_000 });
  });

  it('updates with ever new keys never show more than 16: keys keep their place, the earliest the news did not name go', () => {
    const { engine } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    const names = (from: number, n: number) => Array.from({ length: n }, (_, i) => `k${from + i}`);
    const keys = (from: number, n: number) => Object.fromEntries(names(from, n).map((k, i) => [k, from + i]));
    engine.startGame(ALICE, 'm1', 'match', keys(0, 10));
    engine.updateGame(ALICE, 'm1', keys(10, 10));
    expect(Object.keys(engine.get(ALICE).activityDetails!)).toEqual([...names(4, 6), ...names(10, 10)]);
    // A value the news changes stays where it was; a new key goes last.
    engine.updateGame(ALICE, 'm1', { k5: 'new', k99: true });
    const details = engine.get(ALICE).activityDetails!;
    expect(Object.keys(details)).toEqual([...names(5, 5), ...names(10, 10), 'k99']);
    expect(details).toMatchObject({ k5: 'new', k99: true, k19: 19 });
  });

  it('a detail named "__proto__" is an ordinary key through updates', () => {
    const { engine } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    engine.startGame(ALICE, 'm1', 'match', JSON.parse('{"__proto__":"x","map":"classic"}') as Record<string, string>);
    engine.updateGame(ALICE, 'm1', { score: '1-0' });
    const details = engine.get(ALICE).activityDetails!;
    expect(Object.keys(details)).toEqual(['__proto__', 'map', 'score']);
    expect(Object.getPrototypeOf(details)).toBe(Object.prototype);
  });

  it('a declared activity keeps its start while it lasts, and a new one restarts the clock', () => {
    const { engine, advance } = setup();
    expect(engine.openSession(ALICE, 's1', 'socket')?.after).toMatchObject({ activity: 'browsing', activitySince: T0 });
    advance(5000);
    expect(engine.setActivity(ALICE, 'chatting', { channel: 'general' }).change?.after).toMatchObject({
      activity: 'chatting',
      activityDetails: { channel: 'general' },
      activitySince: T0 + 5000,
    });
    advance(5000);
    expect(engine.setManualStatus(ALICE, 'busy')?.after).toMatchObject({ activity: 'chatting', activitySince: T0 + 5000 });
    advance(5000);
    expect(engine.setActivity(ALICE, 'watching_match').change?.after).toMatchObject({ activityDetails: null, activitySince: T0 + 15_000 });
  });

  it('offline users have no activity start', () => {
    const { engine } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    expect(engine.closeSession(ALICE, 's1', { immediate: true })?.after).toMatchObject({ activity: null, activitySince: null, activityDetails: null });
  });
});
