/** The WebSocket protocol's edges: auth handshake, bad frames, limits, heartbeats, close codes. */
import { afterEach, describe, expect, it } from 'vitest';
import { bearer } from '../helpers/app.js';
import { startLiveApp, type LiveApp } from '../helpers/live-app.js';
import { openSocket, type Frame } from '../helpers/ws-client.js';

type U = { token: string; id: number };

describe('WebSocket protocol', () => {
  let t: LiveApp;
  afterEach(() => t.close());

  async function setup(config = {}, gateway = {}): Promise<{ alice: U; bob: U }> {
    t = await startLiveApp(config, { gateway });
    const [alice, bob] = await t.registerFriends('alice', 'bob');
    return { alice, bob };
  }

  it('closes with 4408 when no auth frame arrives in time', async () => {
    await setup({}, { authTimeoutMs: 100 });
    const s = await openSocket(t.url);
    expect((await s.waitClosed()).code).toBe(4408);
  });

  it('closes with 4401 for a bad token or a first frame that is not auth', async () => {
    await setup();
    const s1 = await openSocket(t.url);
    s1.send({ type: 'auth', token: 'not-a-token' });
    expect((await s1.waitClosed()).code).toBe(4401);
    const s2 = await openSocket(t.url);
    s2.send({ type: 'heartbeat' });
    expect((await s2.waitClosed()).code).toBe(4401);
  });

  it('refuses a revoked token with 4401', async () => {
    const { alice } = await setup();
    await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: bearer(alice.token) });
    const s = await openSocket(t.url);
    s.send({ type: 'auth', token: alice.token });
    expect((await s.waitClosed()).code).toBe(4401);
  });

  it('answers bad frames with an error frame and keeps serving everyone', async () => {
    const { alice, bob } = await setup();
    const { socket: b } = await t.connect(bob.token);
    const { socket: a } = await t.connectSeenBy(alice.token, b);
    const bad = [
      'not json',
      '[1,2]',
      '{"type":"dance"}',
      '{"type":"set_status","status":"invisible"}',
      `{"type":"set_status","status":"busy","custom_message":"${'x'.repeat(129)}"}`,
      '{"type":"activity","activity":"sleeping"}',
      '{"type":"heartbeat","extra":1}',
      '{"type":"auth","token":"again"}',
    ];
    const sent = a.mark();
    const errors = () => a.since(sent).filter((f) => f.type === 'error');
    for (const f of bad) a.send(f);
    a.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    await a.next(() => errors().length === bad.length + 1, { from: sent, timeoutMs: 2000 });
    for (const e of errors()) expect(e).toMatchObject({ code: 'VALIDATION_ERROR', message: expect.any(String) });
    expect(errors()[3]!.message).toMatch(/set_status.*status/);
    expect(errors()[3]!.message).not.toMatch(/token/);
    expect(await b.after(() => a.send({ type: 'set_status', status: 'busy' }), (f) => f.type === 'friend_status_change')).toMatchObject({ status: 'busy' });
  });

  it('handles frames sent before ready once it is sent, a binary one refused as after ready', async () => {
    const { alice, bob } = await setup();
    const { socket: b } = await t.connect(bob.token);
    const seen = b.mark();
    const s = await openSocket(t.url);
    s.send({ type: 'auth', token: alice.token });
    s.ws.send(Buffer.from(JSON.stringify({ type: 'set_status', status: 'busy', custom_message: 'sent as binary' })), { binary: true });
    s.send({ type: 'set_status', status: 'busy', custom_message: 'sent as text' });
    // Every frame of this socket came after the auth frame: the waits read them from the first.
    await s.next((f) => f.type === 'ready', { from: 0 });
    expect(await s.next((f) => f.type === 'error', { from: 0 })).toMatchObject({ code: 'VALIDATION_ERROR', message: expect.stringMatching(/binary/i) });
    await b.next((f) => f.type === 'friend_status_change' && f.custom_message === 'sent as text', { from: seen });
    expect(b.since(seen).filter((f) => f.custom_message === 'sent as binary')).toEqual([]);
    const view = await t.app.inject({ url: `/api/v1/users/${alice.id}/status`, headers: bearer(bob.token) });
    expect(view.json()).toMatchObject({ status: 'busy', custom_message: 'sent as text' });
  });

  it('closes a socket that sends a frame over 16 KiB with 1009', async () => {
    const { alice } = await setup();
    const { socket: a } = await t.connect(alice.token);
    a.send({ type: 'heartbeat', pad: 'x'.repeat(17 * 1024) });
    expect((await a.waitClosed()).code).toBe(1009);
  });

  it('answers heartbeat with heartbeat_ack', async () => {
    const { alice } = await setup();
    const { socket: a } = await t.connect(alice.token);
    expect(await a.after(() => a.send({ type: 'heartbeat' }), (f) => f.type === 'heartbeat_ack')).toEqual({ type: 'heartbeat_ack' });
  });

  it('closes a socket silent for two heartbeat intervals; it ended at its last sign of life, so the friend sees offline with that last_seen', async () => {
    const { alice, bob } = await setup({ heartbeatIntervalMs: 25_000, offlineGraceMs: 10_000 });
    const { socket: b } = await t.connect(bob.token);
    const { socket: a } = await t.connectSeenBy(alice.token, b);
    // Alice's last sign of life; then her network goes (nothing more arrives from her).
    t.clock.advance(30_000);
    await a.after(() => a.send({ type: 'heartbeat' }), (f) => f.type === 'heartbeat_ack');
    const lastThere = t.clock.now();
    t.clock.advance(49_000);
    await b.after(() => b.send({ type: 'heartbeat' }), (f) => f.type === 'heartbeat_ack');
    t.clock.advance(2_000);
    const swept = b.mark();
    t.app.gateway.sweep();
    expect((await a.waitClosed()).code).toBe(1006);
    expect(b.closed).toBeNull();
    // Her session ended when she was last there, 51 s ago, longer ago than the grace: offline
    // now, dated then (to the minute for friends), not when the server noticed.
    await t.advance(250);
    const offline = await b.next((f) => f.type === 'friend_status_change', { from: swept });
    expect(offline).toMatchObject({ friend_id: alice.id, status: 'offline', last_seen: new Date(lastThere - (lastThere % 60_000)).toISOString() });
    const own = (await t.app.inject({ method: 'GET', url: `/api/v1/users/${alice.id}/status`, headers: bearer(alice.token) })).json();
    expect(own.last_seen).toBe(new Date(lastThere).toISOString());
  });

  it('after a stall, a socket whose heartbeat is waiting unread is not taken for dead', async () => {
    const { alice, bob } = await setup({ heartbeatIntervalMs: 25_000, offlineGraceMs: 10_000 });
    const { socket: b } = await t.connect(bob.token);
    const { socket: a } = await t.connectSeenBy(alice.token, b);
    // The server's loop was stalled for 51 s: both heartbeats were sent meanwhile and sit in
    // their sockets, unread, when the sweep's timer fires (a loop turn runs timers before I/O).
    t.clock.advance(51_000);
    const from = a.mark();
    const watched = b.mark();
    await new Promise<void>((resolve) =>
      setTimeout(() => {
        a.send({ type: 'heartbeat' });
        b.send({ type: 'heartbeat' });
        t.app.gateway.sweep();
        resolve();
      }, 0),
    );
    expect(await a.next((f) => f.type === 'heartbeat_ack', { from })).toEqual({ type: 'heartbeat_ack' });
    // The sweep judges the silent sockets again at the end of its turn (setImmediate): had it terminated hers, her
    // barrier would fail (settled() throws on a close), and a flap it made for Bob would be in before his barrier's answer.
    await a.settled();
    await b.settled();
    expect(a.closed).toBeNull();
    // Silent for real, it is closed by the next sweep, and the friend never saw a flap before.
    expect(b.since(watched).filter((f) => f.type !== 'heartbeat_ack')).toEqual([]);
    t.clock.advance(51_000);
    b.send({ type: 'heartbeat' });
    t.app.gateway.sweep();
    expect((await a.waitClosed()).code).toBe(1006);
  });

  it('rate limits a flooding socket with 4429', async () => {
    const { alice } = await setup({ rateLimits: true });
    const { socket: a } = await t.connect(alice.token);
    for (let i = 0; i < 200; i++) a.send({ type: 'interaction' });
    expect((await a.waitClosed()).code).toBe(4429);
  });

  it('refuses an upgrade from a foreign Origin with 403, and allows its own origin and none', async () => {
    await setup();
    await expect(openSocket(t.url, { origin: 'https://evil.example' })).rejects.toThrow('upgrade refused: 403');
    const own = await openSocket(t.url, { origin: t.url });
    own.close();
    const none = await openSocket(t.url);
    none.close();
  });

  it('allows the origins listed in BEACON_ALLOWED_ORIGINS only', async () => {
    await setup({ allowedOrigins: ['https://game.example'] });
    const ok = await openSocket(t.url, { origin: 'https://game.example' });
    ok.close();
    await expect(openSocket(t.url, { origin: 'https://other.example' })).rejects.toThrow('403');
  });

  it('sends an idle socket\u2019s events at the end of their turn up to the burst, never after the window, and batches what follows within the window, each with its own seq', async () => {
    // A window of a minute: an event within the burst that waited for it would never arrive here.
    const { alice, bob } = await setup({ batchWindowMs: 60_000, batchBurstFrames: 2 });
    const { socket: b } = await t.connect(bob.token);
    const { socket: a } = await t.connectSeenBy(alice.token, b);
    t.clock.advance(60_000); // bob's socket has been quiet for a whole window
    const before = b.raw.length;
    await b.after(() => a.send({ type: 'set_status', status: 'busy' }), (f) => f.type === 'friend_status_change' && f.status === 'busy');
    // The window's second frame: within the burst, so at once too.
    await b.after(() => a.send({ type: 'set_status', status: 'busy', custom_message: 'gg' }), (f) => f.type === 'friend_status_change' && f.custom_message === 'gg');
    // Bob has had his burst: what follows within the window waits for it (alice's heartbeat
    // answer shows the server has handled her two changes before it).
    a.send({ type: 'activity', activity: 'chatting' });
    a.send({ type: 'set_status', status: 'away' });
    await a.after(() => a.send({ type: 'heartbeat' }), (f) => f.type === 'heartbeat_ack');
    await new Promise((r) => setTimeout(r, 50));
    expect(b.raw.length).toBe(before + 2);
    await b.after(() => t.app.gateway.flush(), (f) => f.type === 'friend_status_change' && f.status === 'away');
    const raw = b.raw.slice(before);
    expect(raw[0]).toMatchObject({ type: 'friend_status_change', status: 'busy', seq: 2 });
    expect(raw[1]).toMatchObject({ type: 'friend_status_change', custom_message: 'gg', seq: 3 });
    expect(raw[2]).toMatchObject({ type: 'batch', messages: [{ seq: 4, activity: 'chatting' }, { seq: 5, status: 'away' }] });
    expect((raw[2] as Frame).seq).toBeUndefined();
    expect(b.frames.map((f) => f.seq).filter((s) => s !== undefined)).toEqual([1, 2, 3, 4, 5]);
  });

  it('closes a socket with 4401 when its token expires, by the shared expiry timer, on the injected clock', async () => {
    // The heartbeat sweep (which also closes expired sockets) is far off: only the timer can close it here.
    await setup({ tokenTtlS: 1, heartbeatIntervalMs: 60_000 });
    const carol = await t.register('carol');
    const dave = await t.register('dave');
    const { socket: d } = await t.connect(dave.token);
    const { socket: c } = await t.connect(carol.token);
    // A socket gone before its expiry leaves its entry in the queue; the timer skips it.
    d.close();
    await d.waitClosed();
    // The timer is armed for the earliest expiry, 1 s of real time away. When it fires the injected
    // clock is not there yet: the socket stays open, and the timer is armed again.
    await new Promise((r) => setTimeout(r, 1_200));
    expect(c.closed).toBeNull();
    t.clock.advance(1_000);
    expect((await c.waitClosed()).code).toBe(4401);
  });

  it('closes a socket whose token expires with 4401', async () => {
    await setup({ tokenTtlS: 60, heartbeatIntervalMs: 60_000 });
    const carol = await t.register('carol');
    const { socket: c } = await t.connect(carol.token);
    t.clock.advance(59_000);
    t.app.gateway.sweep();
    // The sweep closes an expired socket at once (and a silent one at the end of its turn): her barrier would fail on a close.
    await c.settled();
    expect(c.closed).toBeNull();
    t.clock.advance(1_000);
    t.app.gateway.sweep();
    expect((await c.waitClosed()).code).toBe(4401);
  });
});
