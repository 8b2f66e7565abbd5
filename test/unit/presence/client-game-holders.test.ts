/**
 * A client game (a practice match declared by a page) lasts while a session that declared it is
 * live: when the page playing it goes away (reload, tab closed) it must not show "in game" for
 * ever. Game servers' games are not the client's: no session closing ends them.
 */
import { describe, expect, it } from 'vitest';
import { setup, timings, ALICE } from './engine-fixture.js';

const GRACE = timings.offlineGraceMs;

describe('PresenceEngine: a client game held by the sessions that declared it', () => {
  it('ends an offline grace after its only session closed while another session stays', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 'play', 'socket');
    engine.openSession(ALICE, 'friends', 'socket');
    engine.setActivity(ALICE, 'playing_pong', null, ['play']);
    expect(engine.get(ALICE)).toMatchObject({ status: 'in_game', activity: 'playing_pong' });

    expect(engine.closeSession(ALICE, 'play')).toBeNull(); // like a reload: nothing at once
    expect(advance(GRACE - 1).changes).toEqual([]);
    const { changes } = advance(1);
    expect(changes).toHaveLength(1);
    expect(changes[0]?.after).toMatchObject({ status: 'online', activity: 'browsing' });
    expect(advance(timings.maxGameMs).changes).toEqual([]);
    expect(engine.get(ALICE)).toMatchObject({ status: 'online', activity: 'browsing' });
  });

  it('lasts while another session that declared the same game is live', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 'a', 'socket');
    engine.openSession(ALICE, 'b', 'socket');
    engine.setActivity(ALICE, 'playing_pong', null, ['a']);
    engine.setActivity(ALICE, 'playing_pong', null, ['b']);
    engine.closeSession(ALICE, 'a');
    expect(advance(3 * GRACE).changes).toEqual([]);
    expect(engine.get(ALICE).status).toBe('in_game');
    engine.closeSession(ALICE, 'b');
    // b was the last session: the grace runs, then offline (the declaration is forgotten).
    const { changes } = advance(GRACE);
    expect(changes[0]?.after).toMatchObject({ status: 'offline', activity: null });
  });

  it('is taken back by a session that declares it again within the grace (a reconnect of the page still playing)', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 'play', 'socket');
    engine.openSession(ALICE, 'friends', 'socket');
    engine.setActivity(ALICE, 'playing_pong', null, ['play']);
    engine.closeSession(ALICE, 'play');
    advance(GRACE / 2);
    expect(engine.openSession(ALICE, 'play-again', 'socket', { interaction: false })).toBeNull();
    expect(engine.setActivity(ALICE, 'playing_pong', null, ['play-again']).change).toBeNull();
    expect(advance(3 * GRACE).changes).toEqual([]);
    expect(engine.get(ALICE).status).toBe('in_game');
  });

  it('a reconnect that does not declare it again leaves it to end with the grace', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 'play', 'socket');
    engine.setActivity(ALICE, 'playing_pong', null, ['play']);
    engine.closeSession(ALICE, 'play');
    advance(GRACE / 2);
    expect(engine.openSession(ALICE, 'back', 'socket', { interaction: false })).toBeNull();
    expect(advance(GRACE / 2 - 1).changes).toEqual([]);
    expect(advance(1).changes[0]?.after).toMatchObject({ status: 'online', activity: 'browsing' });
  });

  it('ends at once when a page loads after the last session holding it closed (a reload)', () => {
    const { engine } = setup();
    engine.openSession(ALICE, 'play', 'socket');
    engine.setActivity(ALICE, 'playing_pong', null, ['play']);
    engine.closeSession(ALICE, 'play');
    expect(engine.get(ALICE).status).toBe('in_game'); // the offline grace
    const change = engine.openSession(ALICE, 'reloaded', 'socket');
    expect(change?.before).toMatchObject({ status: 'in_game', activity: 'playing_pong' });
    expect(change?.after).toMatchObject({ status: 'online', activity: 'browsing' });
  });

  it('a page loading while the session holding it is live changes nothing (a second tab)', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 'play', 'socket');
    engine.setActivity(ALICE, 'playing_pong', null, ['play']);
    expect(engine.openSession(ALICE, 'friends', 'socket')).toBeNull();
    expect(advance(3 * GRACE).changes).toEqual([]);
    expect(engine.get(ALICE).status).toBe('in_game');
  });

  it('a polling session that expires releases a game it held', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 'poll:x', 'poll', { interaction: false });
    engine.openSession(ALICE, 'socket', 'socket');
    engine.setActivity(ALICE, 'in_tournament', null, ['poll:x']);
    advance(timings.pollSessionTtlMs);
    expect(engine.get(ALICE).status).toBe('in_game');
    const { changes } = advance(GRACE);
    expect(changes[0]?.after).toMatchObject({ status: 'online', activity: 'browsing' });
  });

  it('a game declared by no session in particular lasts as before, and a server game is never ended by a close', () => {
    const { engine, advance } = setup();
    engine.openSession(ALICE, 'a', 'socket');
    engine.openSession(ALICE, 'b', 'socket');
    engine.setActivity(ALICE, 'playing_pong');
    engine.closeSession(ALICE, 'a');
    expect(advance(3 * GRACE).changes).toEqual([]);
    expect(engine.get(ALICE).status).toBe('in_game');

    engine.startGame(ALICE, 'm1', 'match');
    engine.openSession(ALICE, 'c', 'socket');
    engine.closeSession(ALICE, 'b');
    engine.openSession(ALICE, 'd', 'socket');
    expect(advance(3 * GRACE).changes).toEqual([]);
    expect(engine.get(ALICE)).toMatchObject({ status: 'in_game', activity: 'playing_pong' });
  });

  it('a replica imported from another instance keeps who holds the game', () => {
    const origin = setup();
    origin.engine.openSession(ALICE, 'play', 'socket');
    origin.engine.openSession(ALICE, 'friends', 'socket');
    origin.engine.setActivity(ALICE, 'playing_pong', null, ['play']);
    const copy = setup();
    copy.engine.importUser(ALICE, origin.engine.exportUser(ALICE));
    copy.engine.closeSession(ALICE, 'play');
    expect(copy.advance(GRACE).changes[0]?.after).toMatchObject({ status: 'online', activity: 'browsing' });
  });
});
