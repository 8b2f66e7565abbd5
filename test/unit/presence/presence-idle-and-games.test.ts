import { describe, expect, it } from 'vitest';
import { setup, timings, ALICE, BOB } from './engine-fixture.js';

/** Online user who has just gone unanswered long enough to be probed. */
function probedUser() {
  const ctx = setup();
  ctx.engine.openSession(ALICE, 's1', 'socket');
  const probe = ctx.advance(timings.idleTimeoutMs);
  return { ...ctx, probe };
}

describe('PresenceEngine idleness', () => {
  it('probes an idle user once when the idle timeout passes, without changing the status', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    expect(advance(timings.idleTimeoutMs - 1).probes).toEqual([]);
    const result = advance(1);
    expect(result.probes).toEqual([ALICE]);
    expect(result.changes).toEqual([]);
    expect(advance(timings.idleProbeTimeoutMs - 1).probes).toEqual([]);
  });

  it('turns an unanswered probe into away with activity idle after the probe timeout', () => {
    const { engine, advance } = probedUser();
    expect(advance(timings.idleProbeTimeoutMs - 1).changes).toEqual([]);
    const { changes, probes } = advance(1);
    expect(probes).toEqual([]);
    expect(changes).toHaveLength(1);
    expect(changes[0]?.after).toMatchObject({ status: 'away', activity: 'idle', manualStatus: null });
    expect(engine.get(ALICE).status).toBe('away');
    expect(advance(timings.idleTimeoutMs * 2).changes).toEqual([]);
  });

  it('cancels the pending away when an interaction answers the probe', () => {
    const { engine, advance } = probedUser();
    advance(30_000);
    expect(engine.interaction(ALICE)).toBeNull();
    expect(advance(timings.idleProbeTimeoutMs).changes).toEqual([]);
    expect(engine.get(ALICE).status).toBe('online');
  });

  it('probes again after a fresh idle timeout once the first probe was answered', () => {
    const { engine, advance } = probedUser();
    engine.interaction(ALICE);
    expect(advance(timings.idleTimeoutMs - 1).probes).toEqual([]);
    expect(advance(1).probes).toEqual([ALICE]);
  });

  it('returns an auto-away user to online with their declared activity on interaction', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    engine.setActivity(ALICE, 'chatting');
    advance(timings.idleTimeoutMs);
    advance(timings.idleProbeTimeoutMs);
    const change = engine.interaction(ALICE);
    expect(change?.before).toMatchObject({ status: 'away', activity: 'idle' });
    expect(change?.after).toMatchObject({ status: 'online', activity: 'chatting' });
  });

  it('a session opened by a client reconnecting by itself is no interaction: auto-away holds, a probe runs on', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    advance(timings.idleTimeoutMs);
    advance(timings.idleProbeTimeoutMs);
    expect(engine.get(ALICE)).toMatchObject({ status: 'away', activity: 'idle' });
    // The socket drops and the client reconnects (within the grace, and after it).
    engine.closeSession(ALICE, 's1');
    expect(engine.openSession(ALICE, 's2', 'socket', { interaction: false })).toBeNull();
    expect(engine.get(ALICE)).toMatchObject({ status: 'away', activity: 'idle' });
    engine.closeSession(ALICE, 's2');
    advance(timings.offlineGraceMs);
    expect(engine.get(ALICE).status).toBe('offline');
    // Back from offline with nobody there, no input for longer than the idle timeout and the
    // probe's: away at once, as if she had stayed connected (never a moment of online).
    expect(engine.openSession(ALICE, 's3', 'socket', { interaction: false })?.after).toMatchObject({ status: 'away', activity: 'idle' });
    expect(advance(0).probes).toEqual([]);
    // A page opened by the user is one.
    expect(engine.openSession(ALICE, 's4', 'socket')?.after).toMatchObject({ status: 'online' });
  });

  it('a reconnect from offline past the idle timeout but within the probe is probed at once, and the probe runs across a reconnect', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    engine.closeSession(ALICE, 's1');
    advance(timings.offlineGraceMs);
    advance(timings.idleTimeoutMs - timings.offlineGraceMs + 1);
    expect(engine.openSession(ALICE, 's2', 'socket', { interaction: false })?.after).toMatchObject({ status: 'online' });
    // Asked at once (the gateway asks a socket opened while probing), the probe counted from
    // when it would have gone out had she stayed connected: no new one from the tick.
    expect(engine.probing(ALICE)).toBe(true);
    expect(advance(0).probes).toEqual([]);
    engine.closeSession(ALICE, 's2');
    engine.openSession(ALICE, 's3', 'socket', { interaction: false });
    expect(advance(timings.idleProbeTimeoutMs - 2).changes).toEqual([]);
    expect(advance(1).changes[0]?.after).toMatchObject({ status: 'away', activity: 'idle' });
  });

  it('a reconnect of a user with no interaction on record starts the idle clock', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 's1', 'socket', { interaction: false });
    expect(advance(timings.idleTimeoutMs - 1).probes).toEqual([]);
    expect(advance(1).probes).toEqual([ALICE]);
  });

  it('keeps postponing idleness while interactions keep coming', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    for (let i = 0; i < 10; i += 1) {
      const result = advance(timings.idleTimeoutMs - 1_000);
      expect(result.probes).toEqual([]);
      engine.interaction(ALICE);
    }
  });

  it('never probes or turns away a user whose manual busy holds', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    engine.setManualStatus(ALICE, 'busy');
    const result = advance(timings.idleTimeoutMs + timings.idleProbeTimeoutMs);
    expect(result.probes).toEqual([]);
    expect(advance(timings.idleTimeoutMs).changes).toEqual([]);
    expect(engine.get(ALICE).status).toBe('busy');
  });

  it('does not probe a user in a game', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    engine.startGame(ALICE, 'm1', 'match');
    expect(advance(timings.idleTimeoutMs * 2).probes).toEqual([]);
  });

  it('does not probe a user in the offline grace', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    advance(timings.idleTimeoutMs - 1_000);
    engine.closeSession(ALICE, 's1');
    expect(advance(1_000).probes).toEqual([]);
  });

  it('handles many users in one tick, reporting each once', () => {
    const { engine, advance } = setup();
    for (let id = 1; id <= 1_000; id += 1) engine.openSession(id, `s${id}`, 'socket');
    expect(advance(timings.idleTimeoutMs).probes).toHaveLength(1_000);
    const { changes } = advance(timings.idleProbeTimeoutMs);
    expect(changes).toHaveLength(1_000);
    expect(new Set(changes.map((c) => c.userId)).size).toBe(1_000);
  });
});

describe('PresenceEngine games', () => {
  it('shows in_game for a server match and returns to busy when it ends', () => {
    const { engine } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    engine.setManualStatus(ALICE, 'busy');
    expect(engine.startGame(ALICE, 'm1', 'match')?.after).toMatchObject({ status: 'in_game', activity: 'playing_pong' });
    const change = engine.endGame(ALICE, 'm1');
    expect(change?.after).toMatchObject({ status: 'busy', activity: 'browsing', manualStatus: 'busy' });
  });

  it('shows a tournament as in_game with activity in_tournament', () => {
    const { engine } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    expect(engine.startGame(ALICE, 't1', 'tournament')?.after).toMatchObject({
      status: 'in_game',
      activity: 'in_tournament',
    });
  });

  it('returns to the previous activity after the game', () => {
    const { engine } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    engine.setActivity(ALICE, 'chatting');
    engine.startGame(ALICE, 'm1', 'match');
    expect(engine.endGame(ALICE, 'm1')?.after).toMatchObject({ status: 'online', activity: 'chatting' });
  });

  it('shows a server game for a user with no live session, and offline once it ends', () => {
    const { engine, advance, now } = setup();
    expect(engine.startGame(BOB, 'm1', 'match')?.after).toMatchObject({ status: 'in_game', activity: 'playing_pong' });
    advance(120_000);
    expect(engine.get(BOB).status).toBe('in_game');
    const change = engine.endGame(BOB, 'm1');
    expect(change?.after).toMatchObject({ status: 'offline', activity: null, lastSeen: now() });
  });

  it('keeps the server game through the end of the last session', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    engine.startGame(ALICE, 'm1', 'match');
    engine.closeSession(ALICE, 's1');
    expect(advance(timings.offlineGraceMs).changes).toEqual([]);
    expect(engine.get(ALICE).status).toBe('in_game');
    expect(engine.endGame(ALICE, 'm1')?.after.status).toBe('offline');
  });

  it('rejects a client activity while a server game is in progress, changing nothing', () => {
    const { engine } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    expect(engine.inServerGame(ALICE)).toBe(false);
    engine.startGame(ALICE, 'm1', 'match');
    expect(engine.inServerGame(ALICE)).toBe(true);
    expect(engine.setActivity(ALICE, 'chatting')).toEqual({ change: null, rejected: true });
    expect(engine.setActivity(ALICE, 'in_tournament')).toEqual({ change: null, rejected: true });
    expect(engine.get(ALICE)).toMatchObject({ status: 'in_game', activity: 'playing_pong' });
  });

  it('starts a client game by declaring a game activity and ends it with another activity', () => {
    const { engine } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    const start = engine.setActivity(ALICE, 'playing_pong');
    expect(start.rejected).toBe(false);
    expect(start.change?.after).toMatchObject({ status: 'in_game', activity: 'playing_pong' });
    expect(engine.setActivity(ALICE, 'chatting').change?.after).toMatchObject({ status: 'online', activity: 'chatting' });
  });

  it('shows a client game over manual busy, then busy again', () => {
    const { engine } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    engine.setManualStatus(ALICE, 'busy');
    expect(engine.setActivity(ALICE, 'in_tournament').change?.after.status).toBe('in_game');
    expect(engine.setActivity(ALICE, 'browsing').change?.after.status).toBe('busy');
  });

  it('lets a server game supersede a client game, which does not come back after it', () => {
    const { engine } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    engine.setActivity(ALICE, 'playing_pong');
    engine.startGame(ALICE, 'm1', 'tournament');
    expect(engine.get(ALICE).activity).toBe('in_tournament');
    expect(engine.endGame(ALICE, 'm1')?.after).toMatchObject({ status: 'online', activity: 'browsing' });
  });

  it('stays in_game until the last of overlapping server games ends', () => {
    const { engine } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    engine.startGame(ALICE, 't1', 'tournament');
    engine.startGame(ALICE, 'm1', 'match');
    expect(engine.get(ALICE).activity).toBe('playing_pong');
    expect(engine.endGame(ALICE, 'm1')?.after).toMatchObject({ status: 'in_game', activity: 'in_tournament' });
    expect(engine.endGame(ALICE, 't1')?.after.status).toBe('online');
  });

  it('ignores the end of an unknown match', () => {
    const { engine } = setup();
    expect(engine.endGame(ALICE, 'nope')).toBeNull();
    engine.openSession(ALICE, 's1', 'socket');
    engine.startGame(ALICE, 'm1', 'match');
    expect(engine.endGame(ALICE, 'm2')).toBeNull();
    expect(engine.endGame(ALICE, 'm1')).not.toBeNull();
    expect(engine.endGame(ALICE, 'm1')).toBeNull();
  });

  it('reports no change when a server repeats a game start', () => {
    const { engine } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    engine.startGame(ALICE, 'm1', 'match');
    expect(engine.startGame(ALICE, 'm1', 'match')).toBeNull();
  });

  it('restarts the idle timer when the game ends', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    engine.startGame(ALICE, 'm1', 'match');
    advance(timings.idleTimeoutMs * 2);
    engine.endGame(ALICE, 'm1');
    expect(advance(timings.idleTimeoutMs - 1).probes).toEqual([]);
    expect(advance(1).probes).toEqual([ALICE]);
  });

  it('returns an auto-away player to online after the game', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 's1', 'socket');
    advance(timings.idleTimeoutMs);
    advance(timings.idleProbeTimeoutMs);
    engine.startGame(ALICE, 'm1', 'match');
    expect(engine.endGame(ALICE, 'm1')?.after).toMatchObject({ status: 'online', activity: 'browsing' });
  });
});
