/** Pure helpers of the web app: grapheme counting, rich presence line, own presence, requests store. */
import { describe, expect, it, vi } from 'vitest';
import { countGraphemes, insertAt, takeGraphemes } from '../../../src/web/lib/graphemes.js';
import { activityLine, formatElapsed } from '../../../src/web/lib/rich-presence.js';
import { ownPresence } from '../../../src/web/lib/own-presence.js';
import { RequestsStore } from '../../../src/web/lib/requests-store.js';
import { Emitter } from '../../../src/client/emitter.js';
import type { PresenceEvents } from '../../../src/client/presence-types.js';
import type { FriendRequest, Settings, View } from '../../../src/protocol/index.js';

const T = new Date('2024-01-15T14:30:00.000Z');
const v = (extra: Partial<View> & Record<string, unknown> = {}): View => ({
  user_id: 2, username: 'amy', display_name: 'Amy', status: 'in_game', activity: 'playing_pong',
  custom_message: null, last_seen: null, timestamp: T.toISOString(), ...extra,
}) as View;
const settings = (status_visibility: Settings['status_visibility']): Settings => ({
  status_visibility, activity_visibility: 'friends', last_seen_visibility: 'friends', custom_message_visibility: 'friends',
});

describe('graphemes', () => {
  it('counts what people see as one character', () => {
    expect(countGraphemes('GG 🔥')).toBe(4);
    expect(countGraphemes('👨‍👩‍👧‍👦')).toBe(1); // 11 UTF-16 units
    expect('👨‍👩‍👧‍👦'.length).toBe(11);
    expect(countGraphemes('🇫🇷e\u0301')).toBe(2); // a flag, and e + combining accent
    expect(takeGraphemes('a👨‍👩‍👧‍👦b', 2)).toBe('a👨‍👩‍👧‍👦');
  });
  it('inserts at the caret or over the selection', () => {
    expect(insertAt('GG wp', 3, 3, '🔥')).toEqual({ value: 'GG 🔥wp', caret: 5 });
    expect(insertAt('GG wp', 3, 5, '🔥')).toEqual({ value: 'GG 🔥', caret: 5 });
    expect(insertAt('GG', null, null, '!')).toEqual({ value: 'GG!', caret: 3 });
  });
});

describe('rich presence line', () => {
  it('formats elapsed time', () => {
    expect(formatElapsed(30_000)).toBe('just started');
    expect(formatElapsed(12 * 60_000 + 59_000)).toBe('12 min');
    expect(formatElapsed(65 * 60_000)).toBe('1 h 05 min');
    expect(formatElapsed(120 * 60_000)).toBe('2 h');
    expect(formatElapsed(-5_000)).toBe('just started');
  });
  it('builds "Playing Pong vs bob · 3–2 · Ranked · 12 min" from valid details only', () => {
    // An exact start (the user's own view): 12 min 7 s ago. A friend's is to the minute (activity-elapsed.test.ts).
    const since = new Date(T.getTime() - 12 * 60_000 - 7_123).toISOString();
    expect(activityLine(v({ activity_details: { opponent: 'bob', score: '3–2', mode: 'Ranked' }, activity_since: since }), T))
      .toEqual({ title: 'Playing Pong vs bob', details: ['3–2', 'Ranked'], elapsed: '12 min', since: new Date(since) });
    expect(activityLine(v({ activity_details: { opponent: true, score: ' ', round: 2 }, activity_since: 'garbage' }), T))
      .toEqual({ title: 'Playing Pong', details: [], elapsed: null, since: null });
    expect(activityLine(v({ activity_details: { score: 7 } }), T)?.details).toEqual(['7']);
    // Browsing for an hour is not news: no elapsed time for it.
    expect(activityLine(v({ status: 'online', activity: 'browsing', activity_since: T.toISOString() }), T)?.elapsed).toBeNull();
    expect(activityLine(v(), T)?.title).toBe('Playing Pong');
    expect(activityLine(v({ status: 'offline', activity: null }), T)).toBeNull();
  });
});

describe('own presence', () => {
  it('says Invisible when hidden and names the audience when restricted', () => {
    const self = v({ status: 'online', activity: 'browsing' });
    expect(ownPresence(self, settings('hidden'))).toMatchObject({ label: 'Invisible', shown: 'invisible' });
    expect(ownPresence(self, settings('close_friends')).audience).toBe('Close friends see Online; other friends see you offline');
    expect(ownPresence(self, settings('friends'))).toEqual({ label: 'Online', audience: null, shown: 'online' });
    expect(ownPresence({ ...self, status: 'busy' }, null).label).toBe('Busy');
  });
});

describe('RequestsStore', () => {
  const req = (id: number) => ({ id, from_user_id: 9, to_user_id: 1, created_at: T.toISOString() });
  function setup() {
    const events = new Emitter<PresenceEvents>();
    const client = { on: events.on.bind(events) };
    let answer = { incoming: [req(1)], outgoing: [] as FriendRequest[] };
    const api = { friendRequests: vi.fn(async () => answer) };
    const store = new RequestsStore(api, client);
    const setAnswer = (a: typeof answer) => void (answer = a);
    return { events, api, store, setAnswer };
  }
  const synced = (events: Emitter<PresenceEvents>) => events.emit('synced', { at: 0 });

  it('reads at every sync (the first ready or poll, a reconnect, each poll, the refetch after a gap), and follows socket events between', async () => {
    const { events, api, store, setAnswer } = setup();
    store.start();
    expect(api.friendRequests).toHaveBeenCalledTimes(0);
    synced(events); // the first connect
    await vi.waitFor(() => expect(store.loaded).toBe(true));
    expect(store.incoming.map((r) => r.id)).toEqual([1]);
    events.emit('friend_request_received', { request: req(2) });
    events.emit('friend_request_received', { request: req(2) }); // duplicates are ignored
    expect(store.incoming.map((r) => r.id)).toEqual([1, 2]);
    events.emit('friend_request_closed', { requestId: 1, reason: 'cancelled' });
    expect(store.incoming.map((r) => r.id)).toEqual([2]);
    // A request whose frame never came (polling, or lost before a gap): the next sync reads it.
    setAnswer({ incoming: [req(2), req(3)], outgoing: [] });
    synced(events);
    await vi.waitFor(() => expect(store.incoming.map((r) => r.id)).toEqual([2, 3]));
    // And one closed without its frame goes at the next.
    setAnswer({ incoming: [req(3)], outgoing: [] });
    synced(events);
    await vi.waitFor(() => expect(store.incoming.map((r) => r.id)).toEqual([3]));
    expect(api.friendRequests).toHaveBeenCalledTimes(3);
    store.stop();
    synced(events);
    expect(api.friendRequests).toHaveBeenCalledTimes(3);
  });

  it('tells nothing when a read finds the lists shown (most polls), and tells a read that changed them', async () => {
    const { events, api, store, setAnswer } = setup();
    store.start();
    const changes = vi.fn();
    store.onChange(changes);
    synced(events);
    await vi.waitFor(() => expect(changes).toHaveBeenCalledTimes(1)); // loaded
    synced(events);
    synced(events);
    await vi.waitFor(() => expect(api.friendRequests).toHaveBeenCalledTimes(3));
    await new Promise((r) => setTimeout(r, 0));
    expect(changes).toHaveBeenCalledTimes(1);
    setAnswer({ incoming: [], outgoing: [] });
    synced(events);
    await vi.waitFor(() => expect(changes).toHaveBeenCalledTimes(2));
    expect(store.incoming).toEqual([]);
    store.stop();
  });

  it('lists a request sent from another device as outgoing at once, once; its close removes it', async () => {
    const { events, store } = setup();
    store.start();
    synced(events);
    await vi.waitFor(() => expect(store.loaded).toBe(true));
    const changes = vi.fn();
    store.onChange(changes);
    const mine = { id: 5, from_user_id: 1, to_user_id: 9, created_at: T.toISOString() };
    events.emit('friend_request_sent', { request: mine });
    events.emit('friend_request_sent', { request: mine }); // this device's own request comes back too: once
    expect(store.outgoing).toEqual([mine]);
    expect(store.incoming.map((r) => r.id)).toEqual([1]);
    expect(changes).toHaveBeenCalledTimes(1);
    events.emit('friend_request_closed', { requestId: 5, reason: 'cancelled' });
    expect(store.outgoing).toEqual([]);
    store.stop();
  });

  /** A read of the pending requests the test answers when it wants: events can arrive while it is in flight. */
  function controlled() {
    const events = new Emitter<PresenceEvents>();
    const client = { on: events.on.bind(events) };
    const answers: Array<(r: { incoming: FriendRequest[]; outgoing: FriendRequest[] }) => void> = [];
    const api = { friendRequests: vi.fn(() => new Promise<{ incoming: FriendRequest[]; outgoing: FriendRequest[] }>((resolve) => answers.push(resolve))) };
    const store = new RequestsStore(api, client);
    store.start();
    return { events, store, answers };
  }
  const ids = (rs: FriendRequest[]) => rs.map((r) => r.id);

  it('keeps the events that arrive while a read is in flight: its older answer neither drops a new request nor brings back a closed one', async () => {
    const { events, store, answers } = controlled();
    const mine = (id: number) => ({ id, from_user_id: 1, to_user_id: 9, created_at: T.toISOString() });
    const refreshed = store.refresh();
    // Meanwhile: a request comes in, one is sent from another device, and one the answer still lists is closed.
    events.emit('friend_request_received', { request: req(7) });
    events.emit('friend_request_sent', { request: mine(8) });
    events.emit('friend_request_closed', { requestId: 1, reason: 'declined' });
    // ...and one both received and closed while it was in flight stays gone.
    events.emit('friend_request_received', { request: req(9) });
    events.emit('friend_request_closed', { requestId: 9, reason: 'cancelled' });
    // The answer was made before all that: it lists request 1, and not 7 or 8.
    answers[0]!({ incoming: [req(1), req(2)], outgoing: [mine(3)] });
    await refreshed;
    expect(ids(store.incoming)).toEqual([2, 7]);
    expect(ids(store.outgoing)).toEqual([3, 8]);
    expect(store.loaded).toBe(true);
    // After the read, events apply as usual and nothing is replayed twice.
    events.emit('friend_request_closed', { requestId: 7, reason: 'accepted' });
    expect(ids(store.incoming)).toEqual([2]);
    store.stop();
  });

  it('applies the newest of two overlapping reads: an earlier one answering last does not put back what the later one no longer lists', async () => {
    const { store, answers } = controlled();
    const first = store.refresh();
    const second = store.refresh();
    answers[1]!({ incoming: [req(2)], outgoing: [] }); // request 1 was closed between the two reads
    await second;
    answers[0]!({ incoming: [req(1), req(2)], outgoing: [] });
    await first;
    expect(ids(store.incoming)).toEqual([2]);
    store.stop();
  });
});
