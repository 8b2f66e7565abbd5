/**
 * The server's wall clock steps (an NTP correction, a VM restored from a snapshot) while sockets
 * are open: the heartbeat sweep measures silence on the monotonic clock (services.ts), so a step
 * neither ends live sockets nor keeps dead ones. The fake clock steps its wall clock alone
 * (FakeClock.step); time passing moves both.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { bearer } from '../helpers/app.js';
import { liveUsers, type LiveApp } from '../helpers/live-app.js';

const TEN_MINUTES = 600_000;
/** The contract's heartbeat; a grace longer than the dead-socket check, so that it is seen to run. */
const CONFIG = { heartbeatIntervalMs: 25_000, offlineGraceMs: 60_000 };

describe('a step of the wall clock', () => {
  let t: LiveApp;
  afterEach(() => t.close());

  it('forward by 10 minutes: the sweep closes no socket, and friends see nothing', async () => {
    const users = await liveUsers(CONFIG, ['alice', 'bob'], { friends: [['alice', 'bob']] });
    t = users.t;
    const { socket: b } = await t.connect(users.bob.token);
    const { socket: a } = await t.connectSeenBy(users.alice.token, b);
    t.clock.advance(10_000);
    const watched = b.mark();
    t.clock.step(TEN_MINUTES);
    // Before, every socket looked silent for 10 minutes: both were ended at once (1006).
    t.app.gateway.sweep();
    await a.settled();
    await b.settled();
    expect(a.closed).toBeNull();
    expect(b.closed).toBeNull();
    expect(b.since(watched).filter((f) => f.type === 'friend_status_change')).toEqual([]);
    // Silence is still found, two heartbeat intervals of real time after the last frame.
    t.clock.advance(51_000);
    await b.after(() => b.send({ type: 'heartbeat' }), (f) => f.type === 'heartbeat_ack');
    t.app.gateway.sweep();
    expect((await a.waitClosed()).code).toBe(1006);
    expect(b.closed).toBeNull();
  });

  it('forward by 10 minutes: a user in the offline grace stays online through it, and nobody is probed for idleness', async () => {
    const users = await liveUsers(CONFIG, ['alice', 'bob', 'carol'], { friends: [['alice', 'bob'], ['carol', 'bob']] });
    t = users.t;
    const { carol } = users;
    const { socket: b } = await t.connect(users.bob.token);
    const { socket: a } = await t.connectSeenBy(users.alice.token, b);
    const { socket: c } = await t.connectSeenBy(carol.token, b);
    t.clock.advance(20_000);
    // Carol's page reloads: her socket closes, and the grace covers her coming back.
    c.close();
    await vi.waitFor(() => expect(t.app.services.presence.engine.inGrace(carol.id)).toBe(true));
    const watched = b.mark();
    const asked = a.mark();
    t.clock.step(TEN_MINUTES);
    // Before, this tick ended her grace (Bob saw her offline) and probed Alice and Bob.
    await t.advance(250);
    t.app.gateway.sweep();
    await a.settled();
    await b.settled();
    expect(b.since(watched)).toEqual([]);
    expect(a.since(asked)).toEqual([]);
    // Back 30 s later, within the grace: Bob never saw her leave.
    await t.advance(30_000);
    await t.connect(carol.token);
    await b.settled();
    expect(b.since(watched)).toEqual([]);
  });

  it('back by 10 minutes: a silent socket is closed after two heartbeat intervals, and its user goes offline after the grace', async () => {
    const users = await liveUsers(CONFIG, ['alice', 'bob'], { friends: [['alice', 'bob']] });
    t = users.t;
    const { alice } = users;
    const { socket: b } = await t.connect(users.bob.token);
    const { socket: a } = await t.connectSeenBy(alice.token, b);
    // Alice's last sign of life; then her network goes.
    await a.after(() => a.send({ type: 'heartbeat' }), (f) => f.type === 'heartbeat_ack');
    t.clock.step(-TEN_MINUTES);
    // Where her last frame falls on the wall clock as it now reads.
    const lastThere = t.clock.now();
    t.clock.advance(51_000);
    await b.after(() => b.send({ type: 'heartbeat' }), (f) => f.type === 'heartbeat_ack');
    const swept = b.mark();
    // Before, her last frame was 10 minutes in the future: she stayed online 10 minutes longer.
    t.app.gateway.sweep();
    expect((await a.waitClosed()).code).toBe(1006);
    // The grace runs from her last frame: 9 s of it are left.
    await t.advance(8_000);
    await b.settled();
    expect(b.since(swept).filter((f) => f.type === 'friend_status_change')).toEqual([]);
    await t.advance(1_000);
    const offline = await b.next((f) => f.type === 'friend_status_change', { from: swept });
    expect(offline).toMatchObject({ friend_id: alice.id, status: 'offline', last_seen: new Date(lastThere - (lastThere % 60_000)).toISOString() });
    const own = (await t.app.inject({ method: 'GET', url: `/api/v1/users/${alice.id}/status`, headers: bearer(alice.token) })).json();
    expect(own.last_seen).toBe(new Date(lastThere).toISOString());
  });
});
