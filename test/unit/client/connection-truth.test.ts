/**
 * Connection truth in the SDK: the browser's online/offline and visibility events act at
 * once, a fallback that cannot reach the API says `offline`, the time of the last fresh
 * data is kept, and friend requests and category changes pushed over the socket surface as
 * typed events.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiClient } from '../../../src/client/api.js';
import { BASE_URL, harness, TOKEN, useFakeClock, view } from './fake-server.js';

const amy = view(2, 'amy', 'online');

class FakeWindow extends EventTarget {}
class FakeDocument extends EventTarget {
  visibilityState: DocumentVisibilityState = 'visible';
}

beforeEach(useFakeClock);
afterEach(() => {
  vi.useRealTimers();
});

function routes(h: ReturnType<typeof harness>, down: { value: boolean }): void {
  const ok = <T>(body: T) => () => (down.value ? ('network-error' as const) : { status: 200, body });
  h.fetch.route('GET /api/v1/users/me', ok({ id: 1, username: 'me', display_name: 'ME', role: 'user' }));
  h.fetch.route('GET /api/v1/users/me/friends/status', ok([amy]));
  h.fetch.route('GET /api/v1/users/1/status', ok(view(1, 'me', 'online')));
}

describe('connection truth', () => {
  it('reconnects as soon as the browser is back online, not at the next backoff tick', () => {
    const net = new FakeWindow();
    const h = harness({ network: net, backoff: { baseMs: 10_000, maxMs: 60_000 }, random: () => 0.99 });
    h.client.start();
    h.connect([amy]);
    net.dispatchEvent(new Event('offline'));
    expect(h.client.state).toBe('offline'); // at once, not after the heartbeat timeout
    const before = h.sockets.length;
    vi.advanceTimersByTime(100);
    expect(h.sockets.length).toBe(before); // backoff still waiting
    net.dispatchEvent(new Event('online'));
    expect(h.sockets.length).toBe(before + 1); // a new attempt right away
    expect(h.client.state).toBe('reconnecting');
    h.connect([amy]);
    expect(h.client.state).toBe('connected');
    h.client.stop();
    net.dispatchEvent(new Event('online'));
    expect(h.sockets.length).toBe(before + 1); // stopped clients stay stopped
  });

  it('reconnects when the page is shown again, but a visible page is not an interaction', () => {
    const doc = new FakeDocument();
    const h = harness({ visibility: doc, backoff: { baseMs: 10_000, maxMs: 60_000 }, random: () => 0.99 });
    h.client.start();
    const first = h.connect([amy]);
    first.serverClose(1006);
    expect(h.client.state).toBe('reconnecting');
    const before = h.sockets.length;
    doc.visibilityState = 'hidden';
    doc.dispatchEvent(new Event('visibilitychange'));
    expect(h.sockets.length).toBe(before);
    doc.visibilityState = 'visible';
    doc.dispatchEvent(new Event('visibilitychange'));
    expect(h.sockets.length).toBe(before + 1);
    const ws = h.connect([amy]);
    expect(ws.sentOfType('interaction')).toHaveLength(0);
    h.client.stop();
  });

  it('checks a socket that looks live when the page is shown again or the browser is back online, and reconnects when it does not answer', () => {
    const net = new FakeWindow();
    const doc = new FakeDocument();
    const h = harness({ network: net, visibility: doc });
    h.client.start();
    const first = h.connect([amy]); // heartbeat interval 25 s: the next beat is 12.5 s away
    // Shown again, and it answers: nothing changes.
    doc.dispatchEvent(new Event('visibilitychange'));
    expect(first.sentOfType('heartbeat')).toHaveLength(1);
    first.receive({ type: 'heartbeat_ack' });
    vi.advanceTimersByTime(6_000);
    expect(h.sockets).toHaveLength(1);
    expect(h.client.state).toBe('connected');
    // Back online after a network change that killed the connection silently: no answer.
    net.dispatchEvent(new Event('online'));
    expect(first.sentOfType('heartbeat')).toHaveLength(2);
    vi.advanceTimersByTime(4_999);
    expect(h.client.state).toBe('connected');
    vi.advanceTimersByTime(1);
    expect(first.closedByClient).not.toBeNull(); // given up within 5 s, not a heartbeat interval later
    expect(h.client.state).toBe('reconnecting');
    vi.advanceTimersByTime(500);
    expect(h.sockets).toHaveLength(2);
    h.client.stop();
  });

  it('gives a dead socket up 5 s after the first check however often the page is shown again meanwhile, not once the checks stop', () => {
    const net = new FakeWindow();
    const doc = new FakeDocument();
    const h = harness({ network: net, visibility: doc });
    h.client.start();
    const first = h.connect([amy], { heartbeat_interval_ms: 25_000 });
    // The path died silently just now. The person goes back and forth between this tab and
    // another every 2 s (and the network comes back once meanwhile): each return checks the socket.
    const states: string[] = [];
    for (let t = 0; t <= 30_000; t += 1_000) {
      if (t % 2_000 === 0) doc.dispatchEvent(new Event('visibilitychange'));
      if (t === 3_000) net.dispatchEvent(new Event('online'));
      states.push(h.client.state);
      vi.advanceTimersByTime(1_000);
    }
    // Given up 5 s after the first check, not 5 s after the last one (nor never, while the checks go on).
    expect(states.slice(0, 5)).toEqual(Array(5).fill('connected'));
    expect(states[5]).toBe('reconnecting');
    expect(first.closedByClient).not.toBeNull();
    expect(h.client.state).toBe('reconnecting');
    h.client.stop();
  });

  it('checks the socket at once when its heartbeat timer runs long after it was due (the machine slept)', () => {
    const h = harness();
    h.client.start();
    const first = h.connect([amy]);
    // Asleep for five minutes: no timer ran, the clock moved on.
    vi.setSystemTime(Date.now() + 5 * 60_000);
    vi.advanceTimersByTime(12_500); // the beat that was due, running late
    expect(first.sentOfType('heartbeat')).toHaveLength(1);
    vi.advanceTimersByTime(5_000);
    expect(first.closedByClient).not.toBeNull(); // not 25 s more showing "Live" with old statuses
    expect(h.client.state).toBe('reconnecting');
    h.client.stop();
  });

  it('keeps a socket whose every heartbeat is answered within 5 s, with no more heartbeats than one per half interval', () => {
    const h = harness();
    h.client.start();
    const first = h.connect([amy], { heartbeat_interval_ms: 25_000 });
    vi.advanceTimersByTime(12_500); // the first beat
    for (let beat = 1; beat <= 8; beat++) {
      expect(first.sentOfType('heartbeat')).toHaveLength(beat);
      vi.advanceTimersByTime(4_999); // its answer comes as late as allowed
      expect(first.closedByClient).toBeNull();
      first.receive({ type: 'heartbeat_ack' });
      vi.advanceTimersByTime(12_500 - 4_999); // the next beat
    }
    expect(h.client.state).toBe('connected');
    expect(h.sockets).toHaveLength(1);
    h.client.stop();
  });

  it('stops saying live within a beat period and 5 s (17.5 s) of a connection dying silently, not 37.5 s', () => {
    // The app's timings: a 25 s interval (a beat every 12.5 s), the 500 ms first backoff step.
    const h = harness({ random: () => 1 });
    h.client.start();
    const first = h.connect([amy], { heartbeat_interval_ms: 25_000 });
    vi.advanceTimersByTime(12_500);
    first.receive({ type: 'heartbeat_ack' });
    // Right after that answer the path dies: packets dropped, no close, nothing arrives any more.
    vi.advanceTimersByTime(12_500); // the next beat goes out, unanswered
    expect(first.sentOfType('heartbeat')).toHaveLength(2);
    vi.advanceTimersByTime(4_999);
    expect(h.client.state).toBe('connected');
    vi.advanceTimersByTime(1); // 17.5 s after the death
    expect(first.closedByClient).not.toBeNull();
    expect(h.client.state).toBe('reconnecting');
    expect(first.sentOfType('heartbeat')).toHaveLength(2); // nothing more was sent to find out
    vi.advanceTimersByTime(500);
    expect(h.sockets).toHaveLength(2);
    h.client.stop();
  });

  it('says offline when the fallback cannot reach the API either, and polling once it answers while the socket still fails', async () => {
    const h = harness({ fallbackAfterFailures: 1, connectTimeoutMs: 1_000_000, pollIntervalMs: 3_000, random: () => 1 });
    const down = { value: false };
    routes(h, down);
    h.client.start();
    h.ws.fail();
    await vi.advanceTimersByTimeAsync(0);
    h.ws.fail(); // the attempt made when the API answered fails too
    expect(h.client.state).toBe('polling');
    const syncedAt = h.client.lastSyncAt;
    expect(syncedAt).toBe(Date.now());
    down.value = true;
    await vi.advanceTimersByTimeAsync(3_000);
    expect(h.client.state).toBe('offline');
    expect(h.client.lastSyncAt).toBe(syncedAt); // the time of the last good data is kept
    down.value = false;
    await vi.advanceTimersByTimeAsync(3_000);
    expect(h.client.lastSyncAt).toBeGreaterThan(syncedAt ?? 0);
    // The API is back: whether the socket is too is not known yet (it is being tried).
    expect(h.client.state).toBe('connecting');
    h.ws.fail();
    expect(h.client.state).toBe('polling');
    h.client.stop();
  });

  it('surfaces friend requests pushed over the socket as typed events, ignoring malformed ones', () => {
    const h = harness();
    h.client.start();
    const ws = h.connect([amy]);
    const request = { id: 7, from_user_id: 3, to_user_id: 1, created_at: '2024-01-15T14:31:00.000Z' };
    ws.receive({ type: 'friend_request_received', request, seq: 1 });
    ws.receive({ type: 'friend_request_received', request: null, seq: 2 } as Record<string, unknown>);
    ws.receive({ type: 'friend_request_closed', request_id: 7, reason: 'accepted', seq: 3 });
    ws.receive({ type: 'friend_request_closed', request_id: 8, reason: 'exploded', seq: 4 } as Record<string, unknown>);
    ws.receive({ type: 'batch', messages: [{ type: 'friend_request_closed', request_id: 9, reason: 'cancelled', seq: 5 }] });
    // One the user sent from another device: its own event, not a received one.
    const mine = { id: 10, from_user_id: 1, to_user_id: 4, created_at: '2024-01-15T14:32:00.000Z' };
    ws.receive({ type: 'friend_request_sent', request: mine, seq: 6 });
    ws.receive({ type: 'friend_request_sent', request: { id: 'x' }, seq: 7 } as Record<string, unknown>);
    expect(h.eventsOf('friend_request_received')).toEqual([{ request }]);
    expect(h.eventsOf('friend_request_sent')).toEqual([{ request: mine }]);
    expect(h.eventsOf('friend_request_closed')).toEqual([
      { requestId: 7, reason: 'accepted' },
      { requestId: 9, reason: 'cancelled' },
    ]);
    h.client.stop();
  });
});

describe('game invitations pushed over the socket', () => {
  it('surfaces game_invite_closed (one made to us, accepted on any device) as a typed event, ignoring malformed ones and the views', () => {
    const h = harness();
    h.client.start();
    const ws = h.connect([amy]);
    const before = h.client.friends();
    ws.receive({ type: 'game_invite', invite_id: 'inv-1', from_user_id: 2, seq: 1 });
    ws.receive({ type: 'game_invite_closed', invite_id: 'inv-1', reason: 'accepted', seq: 2 });
    ws.receive({ type: 'game_invite_closed', invite_id: 7, reason: 'accepted', seq: 3 } as Record<string, unknown>);
    ws.receive({ type: 'game_invite_closed', invite_id: 'inv-2', reason: 'exploded', seq: 4 } as Record<string, unknown>);
    ws.receive({ type: 'batch', messages: [{ type: 'game_invite_closed', invite_id: 'inv-3', reason: 'accepted', seq: 5 }] });
    expect(h.eventsOf('game_invite')).toEqual([{ inviteId: 'inv-1', fromUserId: 2 }]);
    expect(h.eventsOf('game_invite_closed')).toEqual([
      { inviteId: 'inv-1', reason: 'accepted' },
      { inviteId: 'inv-3', reason: 'accepted' },
    ]);
    // Not an acceptance of one we sent, and no presence: nothing else moves.
    expect(h.eventsOf('game_invite_accepted')).toEqual([]);
    expect(h.client.friends()).toEqual(before);
    expect(h.eventsOf('friend')).toEqual([]);
    h.client.stop();
  });
});

describe('categories pushed over the socket', () => {
  it('surfaces friend_updated as a `friend_updated` event with the friend, leaving the views alone; malformed ones are dropped', () => {
    const h = harness();
    h.client.start();
    const ws = h.connect([amy]);
    const friend = { user_id: 2, username: 'amy', display_name: 'amy', category: 'close_friend', since: '2024-01-10T09:00:00.000Z' } as const;
    const before = h.client.friends();
    ws.receive({ type: 'friend_updated', friend, seq: 1 });
    ws.receive({ type: 'friend_updated', friend: null, seq: 2 } as Record<string, unknown>);
    ws.receive({ type: 'friend_updated', friend: { ...friend, category: 'nemesis' }, seq: 3 } as Record<string, unknown>);
    ws.receive({ type: 'friend_updated', friend: { ...friend, user_id: '2' }, seq: 4 } as Record<string, unknown>);
    ws.receive({ type: 'batch', messages: [{ type: 'friend_updated', friend: { ...friend, category: 'acquaintance' }, seq: 5 }] });
    expect(h.eventsOf('friend_updated')).toEqual([{ friend }, { friend: { ...friend, category: 'acquaintance' } }]);
    // A category is not part of a view: the friend list stays as it was.
    expect(h.client.friends()).toEqual(before);
    expect(h.eventsOf('friend')).toEqual([]);
    h.client.stop();
  });
});

describe('settings pushed over the socket', () => {
  it('surfaces settings_update as a `settings` event, ignoring a malformed one', () => {
    const h = harness();
    h.client.start();
    const ws = h.connect([amy]);
    const settings = { status_visibility: 'hidden', activity_visibility: 'friends', last_seen_visibility: 'friends', custom_message_visibility: 'friends' } as const;
    ws.receive({ type: 'settings_update', settings, seq: 1 });
    ws.receive({ type: 'settings_update', settings: null, seq: 2 } as Record<string, unknown>);
    ws.receive({ type: 'batch', messages: [{ type: 'settings_update', settings: { ...settings, status_visibility: 'public' }, seq: 3 }] });
    expect(h.eventsOf('settings')).toEqual([{ settings }, { settings: { ...settings, status_visibility: 'public' } }]);
    h.client.stop();
  });
});

describe('blocks pushed over the socket', () => {
  it('surfaces block_changed as a `block_changed` event (the user with a block), leaving the views alone; malformed ones are dropped', () => {
    const h = harness();
    h.client.start();
    const ws = h.connect([amy]);
    const seen: unknown[] = [];
    h.client.on('block_changed', (e) => seen.push(e));
    const user = { user_id: 3, username: 'bob', display_name: 'Bob', since: '2024-01-10T09:00:00.000Z' };
    const before = h.client.friends();
    ws.receive({ type: 'block_changed', user_id: 3, blocked: true, user, seq: 1 });
    ws.receive({ type: 'block_changed', user_id: 3, blocked: true, seq: 2 } as Record<string, unknown>);
    ws.receive({ type: 'block_changed', user_id: 3, blocked: true, user: { ...user, username: 7 }, seq: 3 } as Record<string, unknown>);
    ws.receive({ type: 'block_changed', user_id: 4, blocked: true, user, seq: 4 } as Record<string, unknown>);
    ws.receive({ type: 'block_changed', user_id: '3', blocked: false, seq: 5 } as Record<string, unknown>);
    ws.receive({ type: 'block_changed', user_id: 3, blocked: 'no', seq: 6 } as Record<string, unknown>);
    ws.receive({ type: 'batch', messages: [{ type: 'block_changed', user_id: 3, blocked: false, seq: 7 }] });
    expect(seen).toEqual([{ userId: 3, blocked: true, user }, { userId: 3, blocked: false }]);
    expect(h.client.friends()).toEqual(before);
    expect(h.eventsOf('friend')).toEqual([]);
    h.client.stop();
  });
});

describe('rich presence over the socket', () => {
  it('keeps activity_details and activity_since from friend_status_change and status_update, and drops stale ones', () => {
    const h = harness();
    h.client.start();
    const ws = h.connect([amy]);
    const since = '2024-01-15T14:20:00.000Z';
    ws.receive({ type: 'friend_status_change', friend_id: 2, status: 'in_game', activity: 'playing_pong', custom_message: null, last_seen: null,
      activity_details: { opponent: 'bob', score: '3–2' }, activity_since: since, timestamp: '2024-01-15T14:30:01.000Z', seq: 1 });
    expect(h.client.friend(2)).toMatchObject({ activity_details: { opponent: 'bob', score: '3–2' }, activity_since: since });
    ws.receive({ type: 'friend_status_change', friend_id: 2, status: 'online', activity: 'browsing', custom_message: null, last_seen: null,
      timestamp: '2024-01-15T14:30:02.000Z', seq: 2 });
    expect(h.client.friend(2)).toMatchObject({ activity_details: null, activity_since: null });
    ws.receive({ type: 'status_update', user_id: 1, status: 'in_game', activity: 'playing_pong', custom_message: null,
      activity_details: { mode: 'Ranked' }, activity_since: since, timestamp: '2024-01-15T14:30:03.000Z', seq: 3 });
    expect(h.client.self).toMatchObject({ activity_details: { mode: 'Ranked' }, activity_since: since });
    h.client.stop();
  });

  it('a first load against a server that accepts connections but never answers reads offline after one timeout (the API\'s), and keeps trying', async () => {
    // Every REST call hangs until the test times it out, as ApiClient's 10 s timeout would.
    const out: Array<{ sentAt: number; fail: (err: unknown) => void }> = [];
    const hung: typeof fetch = () => new Promise((_resolve, reject) => out.push({ sentAt: Date.now(), fail: reject }));
    const timeOut = (): void => {
      for (const call of out.splice(0)) {
        if (Date.now() - call.sentAt >= 10_000) call.fail(new DOMException('timed out', 'TimeoutError'));
        else out.push(call);
      }
    };
    const api = new ApiClient({ baseUrl: BASE_URL, getToken: () => TOKEN, fetchImpl: hung });
    const h = harness({ api }); // its sockets are never opened: they hang too (10 s connect timeout)
    const start = Date.now();
    h.client.start();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(h.client.state).toBe('connecting');
    // The socket has not answered within 2 s: the API is asked too, not only after three socket timeouts.
    expect(out.map((c) => c.sentAt - start)).toEqual([2_000]);
    await vi.advanceTimersByTimeAsync(10_000);
    timeOut();
    await vi.advanceTimersByTimeAsync(0);
    expect(h.client.state).toBe('offline'); // after 12 s, not ~40 s
    expect(h.client.stopReason).toBeNull(); // still trying, in the background
    const sockets = h.sockets.length;
    await vi.advanceTimersByTimeAsync(30_000);
    expect(h.sockets.length).toBeGreaterThan(sockets);
    h.client.stop();
  });
});
