import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BASE_URL, harness, ME, T0, TOKEN, useFakeClock, view } from './fake-server.js';

const amy = view(2, 'amy', 'online');
const bob = view(3, 'bob', 'offline', { last_seen: '2024-01-15T12:00:00.000Z' });
const cat = view(4, 'cat', 'busy');
const change = (friend_id: number, status: 'online' | 'away' | 'busy' | 'in_game' | 'offline', extra = {}) => ({
  type: 'friend_status_change' as const,
  friend_id,
  status,
  activity: status === 'offline' ? null : ('browsing' as const),
  custom_message: null,
  last_seen: null,
  timestamp: '2024-01-15T15:00:00.000Z',
  ...extra,
});

beforeEach(useFakeClock);
afterEach(() => {
  vi.useRealTimers();
});

describe('handshake', () => {
  it('connects to /ws/status and sends the auth frame first, the token never in the URL', () => {
    const h = harness();
    h.client.start();
    expect(h.client.state).toBe('connecting');
    expect(h.ws.url).toBe('ws://beacon.test/ws/status');
    h.ws.open();
    expect(h.ws.sent).toEqual([{ type: 'auth', token: TOKEN }]);
    expect(h.urls().some((u) => u.includes(TOKEN))).toBe(false);
  });

  it('derives wss from an https origin', () => {
    const h = harness({ baseUrl: 'https://beacon.example/' });
    h.client.start();
    expect(h.ws.url).toBe('wss://beacon.example/ws/status');
  });

  it('ready populates self and the sorted friends and goes connected', () => {
    const h = harness();
    h.client.start();
    h.connect([bob, cat, amy]);
    expect(h.client.state).toBe('connected');
    expect(h.client.self).toEqual(ME);
    expect(h.client.friends().map((f) => f.username)).toEqual(['amy', 'cat', 'bob']);
    expect(h.client.friend(3)).toEqual(bob);
    expect(h.eventsOf('ready')).toEqual([{ self: ME, friends: [amy, cat, bob] }]);
    expect(h.eventsOf('state')).toEqual(['connecting', 'connected']);
    // the first snapshot is announced as `ready`, not as one `friend` event per friend
    expect(h.eventsOf('friend')).toEqual([]);
  });

  it('without a token it reports unauthorized instead of connecting', () => {
    const h = harness();
    h.setToken(null);
    h.client.start();
    expect(h.sockets).toHaveLength(0);
    expect(h.client.state).toBe('offline');
    expect(h.eventsOf('unauthorized')).toEqual([{ closeCode: 4401 }]);
  });

  it('says it stopped for want of a token (nothing sent, nothing refused), until a start with one', () => {
    const h = harness();
    h.setToken(null);
    h.client.start();
    expect([h.client.stopReason, h.client.noToken]).toEqual(['unauthorized', true]);
    h.setToken('tok.again');
    h.client.start();
    expect([h.client.stopReason, h.client.noToken]).toEqual([null, false]);
    // A token Beacon refuses is no missing token.
    h.connect([amy]);
    h.ws.serverClose(4401);
    expect([h.client.stopReason, h.client.noToken]).toEqual(['unauthorized', false]);
  });
});

describe('events', () => {
  it('merges friend_status_change into the view and re-sorts', () => {
    const h = harness();
    h.client.start();
    const ws = h.connect([amy, bob, cat]);
    ws.receive({ ...change(3, 'in_game', { activity: 'in_tournament' }), seq: 1 });
    expect(h.client.friend(3)).toMatchObject({ username: 'bob', display_name: 'BOB', status: 'in_game', activity: 'in_tournament' });
    expect(h.eventsOf('friend')).toEqual([{ view: h.client.friend(3), previous: bob }]);
    expect(h.eventsOf('friends').at(-1)?.map((f) => f.username)).toEqual(['amy', 'bob', 'cat']);
  });

  it('applies batch messages in order', () => {
    const h = harness();
    h.client.start();
    const ws = h.connect([amy]);
    ws.receive({
      type: 'batch',
      messages: [
        { ...change(2, 'away'), seq: 1 },
        { type: 'friend_added', friend: cat, seq: 2 },
        { ...change(4, 'online'), seq: 3 },
        { ...change(2, 'busy'), seq: 4 },
      ],
    });
    expect(h.eventsOf('friend').map((e) => [e.view.user_id, e.view.status])).toEqual([
      [2, 'away'],
      [4, 'busy'],
      [4, 'online'],
      [2, 'busy'],
    ]);
    expect(h.client.friends().map((f) => [f.username, f.status])).toEqual([
      ['cat', 'online'],
      ['amy', 'busy'],
    ]);
  });

  it('friend_added adds a full view and friend_removed drops it', () => {
    const h = harness();
    h.client.start();
    const ws = h.connect([amy]);
    ws.receive({ type: 'friend_added', friend: bob });
    expect(h.eventsOf('friend')).toEqual([{ view: bob, previous: undefined }]);
    ws.receive({ type: 'friend_removed', friend_id: 2 });
    expect(h.eventsOf('friend_removed')).toEqual([{ friendId: 2 }]);
    expect(h.client.friends()).toEqual([bob]);
    expect(h.client.friend(2)).toBeUndefined();
  });

  it('status_update refreshes self; other users are ignored', () => {
    const h = harness();
    h.client.start();
    const ws = h.connect([]);
    ws.receive({ type: 'status_update', user_id: 1, status: 'busy', activity: 'chatting', custom_message: 'focus', timestamp: T0 });
    ws.receive({ type: 'status_update', user_id: 99, status: 'away', activity: null, custom_message: null, timestamp: T0 });
    expect(h.client.self).toMatchObject({ username: 'me', status: 'busy', activity: 'chatting', custom_message: 'focus' });
    expect(h.eventsOf('self').map((s) => s.status)).toEqual(['online', 'busy']);
  });

  it('ignores unknown frame types, garbage, duplicates by seq, and surfaces error frames', () => {
    const h = harness();
    h.client.start();
    const ws = h.connect([amy]);
    ws.receive({ type: 'from_the_future', x: 1 });
    ws.receive('not json');
    ws.receive({ ...change(2, 'away'), seq: 1 });
    ws.receive({ ...change(2, 'busy'), seq: 1 });
    ws.receive({ type: 'error', code: 'VALIDATION_ERROR', message: 'bad frame', seq: 2 });
    expect(h.client.friend(2)?.status).toBe('away');
    expect(h.eventsOf('error')).toEqual([{ code: 'VALIDATION_ERROR', message: 'bad frame' }]);
    expect(h.client.state).toBe('connected');
  });

  it('a seq gap triggers a REST resync that emits only the differences', async () => {
    const h = harness();
    // Asked by the client itself, not by a person (no interaction: ?reconnect=1).
    h.fetch.route('GET /api/v1/users/me/friends/status?reconnect=1', { status: 200, body: [{ ...amy, status: 'away' }, cat] });
    h.client.start();
    const ws = h.connect([amy, bob]);
    ws.receive({ ...change(3, 'online'), seq: 3 });
    await vi.advanceTimersByTimeAsync(0);
    expect(h.fetch.callsTo('GET /api/v1/users/me/friends/status?reconnect=1')).toHaveLength(1);
    expect(h.eventsOf('friend_removed')).toEqual([{ friendId: 3 }]);
    expect(h.eventsOf('friend').map((e) => [e.view.user_id, e.view.status])).toEqual([
      [3, 'online'],
      [2, 'away'],
      [4, 'busy'],
    ]);
  });

  it('setStatus goes over REST and updates self', async () => {
    const h = harness();
    h.fetch.route('PUT /api/v1/users/me/status', { status: 200, body: { ...ME, status: 'busy', custom_message: 'brb' } });
    h.client.start();
    h.connect([]);
    const v = await h.client.setStatus('busy', 'brb');
    expect(v.status).toBe('busy');
    expect(h.client.self?.custom_message).toBe('brb');
    expect(h.fetch.calls[0]?.body).toEqual({ status: 'busy', custom_message: 'brb' });
    expect(h.fetch.calls[0]?.url).toBe(`${BASE_URL}/api/v1/users/me/status`);
  });

  it('a throwing listener does not break the client', () => {
    const h = harness();
    const spy = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    h.client.on('ready', () => {
      throw new Error('app bug');
    });
    h.client.start();
    h.connect([amy]);
    expect(h.client.state).toBe('connected');
    expect(spy).toHaveBeenCalledOnce();
    spy.mockRestore();
  });
});

describe('heartbeat', () => {
  it('beats every half interval and stays up while acks come back', () => {
    const h = harness();
    h.client.start();
    const ws = h.connect([], { heartbeat_interval_ms: 20_000 });
    for (let i = 0; i < 5; i++) {
      vi.advanceTimersByTime(10_000);
      ws.receive({ type: 'heartbeat_ack' });
    }
    expect(ws.sentOfType('heartbeat')).toHaveLength(5);
    expect(h.client.state).toBe('connected');
    expect(h.sockets).toHaveLength(1);
  });

  it('a beat not answered within 5 s means dead: close and reconnect', () => {
    const h = harness({ random: () => 1 });
    h.client.start();
    const ws = h.connect([amy], { heartbeat_interval_ms: 25_000 });
    vi.advanceTimersByTime(12_500); // beat sent, no ack
    vi.advanceTimersByTime(4_999);
    expect(ws.closedByClient).toBeNull();
    vi.advanceTimersByTime(1);
    expect(ws.closedByClient).toBe(1000);
    expect(h.client.state).toBe('reconnecting');
    vi.advanceTimersByTime(500); // first retry within baseMs
    expect(h.sockets).toHaveLength(2);
  });
});

describe('reconnect', () => {
  it('stays connecting before the first ready, then reconnecting after a drop', () => {
    const h = harness();
    h.client.start();
    h.ws.fail();
    expect(h.client.state).toBe('connecting');
    vi.advanceTimersByTime(500);
    h.connect([amy]);
    h.ws.fail();
    expect(h.client.state).toBe('reconnecting');
    expect(h.eventsOf('state')).toEqual(['connecting', 'connected', 'reconnecting']);
  });

  it('delays grow with failures, stay within bounds, and reset after ready', () => {
    const h = harness({ random: () => 1, fallbackAfterFailures: 100 });
    h.client.start();
    const waits: number[] = [];
    const measure = (): number => {
      const before = h.sockets.length;
      let waited = 0;
      while (h.sockets.length === before) {
        vi.advanceTimersByTime(100);
        waited += 100;
      }
      return waited;
    };
    for (let i = 0; i < 7; i++) {
      h.ws.fail();
      waits.push(measure());
    }
    expect(waits).toEqual([500, 1_000, 2_000, 4_000, 8_000, 15_000, 15_000]);
    h.connect([amy]);
    h.ws.fail();
    expect(measure()).toBe(500);
  });

  it('a reconnect replaces the snapshot and emits only what changed meanwhile', () => {
    const h = harness();
    h.client.start();
    h.connect([amy, bob]);
    h.ws.fail();
    vi.advanceTimersByTime(500);
    h.connect([{ ...amy, status: 'away' }, cat]);
    expect(h.eventsOf('friend_removed')).toEqual([{ friendId: 3 }]);
    expect(h.eventsOf('friend').map((e) => [e.view.user_id, e.previous?.status])).toEqual([
      [2, 'online'],
      [4, undefined],
    ]);
    expect(h.eventsOf('ready')).toHaveLength(2);
  });

  it.each([4401, 4000])('close %i stops for good and reports unauthorized', (code) => {
    const h = harness();
    h.client.start();
    h.connect([amy]);
    h.ws.serverClose(code);
    expect(h.client.state).toBe('offline');
    expect(h.eventsOf('unauthorized')).toEqual([{ closeCode: code }]);
    vi.advanceTimersByTime(60_000);
    expect(h.sockets).toHaveLength(1);
  });

  it('1001 (server going away) reconnects promptly even after many failures', () => {
    const h = harness({ random: () => 0.99, fallbackAfterFailures: 100, connectTimeoutMs: 1_000_000 });
    h.client.start();
    for (let i = 0; i < 5; i++) {
      h.ws.fail();
      vi.advanceTimersByTime(15_000);
    }
    h.ws.open();
    expect(h.sockets).toHaveLength(6);
    h.ws.serverClose(1001);
    vi.advanceTimersByTime(499);
    expect(h.sockets).toHaveLength(7);
  });

  it('1013 (slow consumer: its own backlog, or the instance budget on bytes waiting for sockets that read nothing) reconnects within 0.5 s, inside the offline grace', () => {
    const h = harness({ random: () => 0.99 });
    h.client.start();
    h.connect([amy]);
    h.ws.serverClose(1013);
    expect(h.client.state).toBe('reconnecting');
    expect(h.eventsOf('unauthorized')).toEqual([]);
    vi.advanceTimersByTime(499);
    expect(h.sockets).toHaveLength(2);
    h.connect([amy]);
    expect(h.client.state).toBe('connected');
  });

  it('4429 (rate limited) backs off for at least half the maximum', () => {
    const h = harness({ random: () => 0 });
    h.client.start();
    h.connect([amy]);
    h.ws.serverClose(4429);
    vi.advanceTimersByTime(7_499);
    expect(h.sockets).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(h.sockets).toHaveLength(2);
  });

  it('an attempt that never gets ready times out and counts as a failure', () => {
    const h = harness({ connectTimeoutMs: 5_000 });
    h.client.start();
    h.ws.open(); // upgrade ok, but no ready
    vi.advanceTimersByTime(5_000);
    expect(h.ws.closedByClient).toBe(1000);
    vi.advanceTimersByTime(250);
    expect(h.sockets).toHaveLength(2);
  });

  it('a malformed ready is ignored and the attempt times out', () => {
    const h = harness({ connectTimeoutMs: 5_000 });
    h.client.start();
    h.ws.open();
    h.ws.receive({ type: 'ready', session_id: 's', heartbeat_interval_ms: 1 });
    expect(h.client.state).toBe('connecting');
    vi.advanceTimersByTime(5_000);
    expect(h.ws.closedByClient).toBe(1000);
  });

  it('start() after stop() begins afresh, announcing a new ready', () => {
    const h = harness();
    h.client.start();
    h.connect([amy]);
    h.client.stop();
    h.client.start();
    expect(h.client.friends()).toEqual([]);
    h.connect([bob]);
    expect(h.eventsOf('ready').map((r) => r.friends)).toEqual([[amy], [bob]]);
    expect(h.eventsOf('friend')).toEqual([]);
  });

  it('stop() closes the socket, goes offline and never reconnects', () => {
    const h = harness();
    h.client.start();
    const ws = h.connect([amy]);
    h.client.stop();
    expect(ws.closedByClient).toBe(1000);
    expect(h.client.state).toBe('offline');
    vi.advanceTimersByTime(60_000);
    expect(h.sockets).toHaveLength(1);
    expect(h.eventsOf('unauthorized')).toEqual([]);
  });
});
