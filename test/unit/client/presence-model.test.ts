/** What the client knows and which events it announces, snapshot by snapshot and frame by frame. */
import { describe, expect, it } from 'vitest';
import { Emitter } from '../../../src/client/emitter.js';
import { PresenceModel } from '../../../src/client/presence-model.js';
import type { PresenceEvents } from '../../../src/client/presence-types.js';
import type { EventFrame } from '../../../src/protocol/index.js';
import { ME, view } from './fake-server.js';

const amy = view(2, 'amy', 'online');
const bob = view(3, 'bob', 'offline');

function model() {
  const events = new Emitter<PresenceEvents>();
  const log: string[] = [];
  for (const type of ['ready', 'friend', 'friend_removed', 'friends', 'self'] as const) events.on(type, () => log.push(type));
  const m = new PresenceModel(events);
  return { m, log, take: () => log.splice(0) };
}

describe('PresenceModel snapshots', () => {
  it('announces the first snapshot as ready, friends and self, never as per-friend events', () => {
    const { m, take } = model();
    m.applySnapshot([amy, bob], ME, false);
    expect(take()).toEqual(['ready', 'friends', 'self']);
    expect(m.self).toEqual(ME);
    expect(m.store.list()).toEqual([amy, bob]);
  });

  it('a later poll snapshot that changes nothing announces nothing', () => {
    const { m, take } = model();
    m.applySnapshot([amy, bob], ME, false);
    take();
    m.applySnapshot([{ ...amy, timestamp: '2030-01-01T00:00:00.000Z' }, bob], { ...ME, timestamp: '2030-01-01T00:00:00.000Z' }, false);
    expect(take()).toEqual([]);
  });

  it('a later poll snapshot announces only the differences: removed friends, changed friends, changed self', () => {
    const { m, take } = model();
    m.applySnapshot([amy, bob], ME, false);
    take();
    m.applySnapshot([amy], ME, false);
    expect(take()).toEqual(['friend_removed', 'friends']);
    m.applySnapshot([amy, bob], ME, false);
    expect(take()).toEqual(['friend', 'friends']);
    m.applySnapshot([amy, bob], { ...ME, status: 'busy' }, false);
    expect(take()).toEqual(['self']);
    expect(m.self?.status).toBe('busy');
  });

  it('a socket ready is always announced in full, changed or not', () => {
    const { m, take } = model();
    m.applySnapshot([amy], ME, true);
    take();
    m.applySnapshot([amy], ME, true);
    expect(take()).toEqual(['ready', 'friends', 'self']);
  });

  it('a resync without self keeps self and announces only friend differences', () => {
    const { m, take } = model();
    m.applySnapshot([amy], ME, true);
    take();
    m.applySnapshot([amy, bob], null, false);
    expect(take()).toEqual(['friend', 'friends']);
    expect(m.self).toEqual(ME);
  });

  it('reset() forgets everything: the next snapshot is a first one again', () => {
    const { m, take } = model();
    m.applySnapshot([amy], ME, false);
    m.reset();
    expect(m.self).toBeNull();
    expect(m.store.size).toBe(0);
    take();
    m.applySnapshot([amy], ME, false);
    expect(take()).toEqual(['ready', 'friends', 'self']);
  });
});

describe('PresenceModel events', () => {
  const setup = () => {
    const h = model();
    h.m.applySnapshot([amy, bob], ME, true);
    h.take();
    return h;
  };

  it('a friend_status_change for a known friend updates it; for a stranger or without id, nothing', () => {
    const { m, take } = setup();
    const change = { type: 'friend_status_change', friend_id: 3, status: 'online', activity: 'browsing', custom_message: null, last_seen: null, timestamp: ME.timestamp };
    m.applyEvent(change as EventFrame);
    expect(take()).toEqual(['friend', 'friends']);
    expect(m.store.get(3)?.status).toBe('online');
    m.applyEvent({ ...change, friend_id: 99 } as EventFrame);
    m.applyEvent({ ...change, friend_id: '3', status: 'busy' } as unknown as EventFrame);
    m.applyEvent(change as EventFrame);
    expect(take()).toEqual([]);
    expect(m.store.get(3)?.status).toBe('online');
  });

  it('friend_added needs a full view; friend_removed needs a known friend', () => {
    const { m, take } = setup();
    const cat = view(4, 'cat', 'busy');
    for (const friend of [null, 'cat', { username: 'cat' }, { ...cat, user_id: '4' }]) m.applyEvent({ type: 'friend_added', friend } as unknown as EventFrame);
    expect(take()).toEqual([]);
    m.applyEvent({ type: 'friend_added', friend: cat });
    expect(take()).toEqual(['friend', 'friends']);
    m.applyEvent({ type: 'friend_removed', friend_id: 4 });
    expect(take()).toEqual(['friend_removed', 'friends']);
    m.applyEvent({ type: 'friend_removed', friend_id: 4 });
    expect(take()).toEqual([]);
  });

  it('status_update changes self (keeping names and last_seen) only for our own id', () => {
    const { m, take } = setup();
    const update = { type: 'status_update', user_id: ME.user_id, status: 'busy', activity: 'browsing', custom_message: 'hi', timestamp: '2024-01-15T15:00:00.000Z' } as EventFrame;
    m.applyEvent({ ...update, user_id: 99 } as EventFrame);
    expect(take()).toEqual([]);
    m.applyEvent(update);
    expect(take()).toEqual(['self']);
    expect(m.self).toEqual({ ...ME, status: 'busy', custom_message: 'hi', busy_until: null, busy_label: null, custom_message_expires_at: null, activity_details: null, activity_since: null, timestamp: '2024-01-15T15:00:00.000Z' });
    // The message's expiry (only ever in the own view) is kept from the frame.
    m.applyEvent({ ...update, custom_message_expires_at: '2024-01-15T15:30:00.000Z', timestamp: '2024-01-15T15:00:01.000Z' } as EventFrame);
    expect(take()).toEqual(['self']);
    expect(m.self?.custom_message_expires_at).toBe('2024-01-15T15:30:00.000Z');
    // So is the status the user chose; a frame without it (an older server) keeps what we had.
    m.applyEvent({ ...update, manual_status: 'busy', timestamp: '2024-01-15T15:00:02.000Z' } as EventFrame);
    expect(take()).toEqual(['self']);
    expect(m.self?.manual_status).toBe('busy');
    m.applyEvent({ ...update, custom_message_expires_at: '2024-01-15T15:30:00.000Z', timestamp: '2024-01-15T15:00:03.000Z' } as EventFrame);
    expect(take()).toEqual(['self']);
    expect(m.self?.manual_status).toBe('busy');
    m.applyEvent({ ...update, custom_message_expires_at: '2024-01-15T15:30:00.000Z', manual_status: 'online', timestamp: '2024-01-15T15:00:04.000Z' } as EventFrame);
    expect(take()).toEqual(['self']);
    expect(m.self?.manual_status).toBe('online');
    m.applyEvent(update);
    expect(take()).toEqual(['self']);
    m.applyEvent(update);
    expect(take()).toEqual([]);
  });

  it('status_update carries what others are shown while the user is hidden; a frame without it says they no longer are', () => {
    const { m, take } = setup();
    const update = { type: 'status_update', user_id: ME.user_id, status: 'online', activity: 'browsing', custom_message: null, timestamp: '2024-01-15T15:00:00.000Z' } as EventFrame;
    m.applyEvent({ ...update, hidden_last_seen: '2024-01-15T14:59:12.345Z', visibility_before_hidden: 'friends' } as EventFrame);
    expect(take()).toEqual(['self']);
    expect(m.self).toMatchObject({ hidden_last_seen: '2024-01-15T14:59:12.345Z', visibility_before_hidden: 'friends' });
    m.applyEvent({ ...update, hidden_last_seen: '2024-01-15T14:59:12.345Z', visibility_before_hidden: 'close_friends', timestamp: '2024-01-15T15:00:01.000Z' } as EventFrame);
    expect(take()).toEqual(['self']);
    expect(m.self?.visibility_before_hidden).toBe('close_friends');
    m.applyEvent({ ...update, timestamp: '2024-01-15T15:00:02.000Z' } as EventFrame);
    expect(take()).toEqual(['self']);
    expect(m.self).not.toHaveProperty('hidden_last_seen');
    expect(m.self).not.toHaveProperty('visibility_before_hidden');
  });

  it('status_update with names (a rename) replaces the own names', () => {
    const { m, take } = setup();
    m.applyEvent({ type: 'status_update', user_id: ME.user_id, status: ME.status, activity: ME.activity, custom_message: ME.custom_message, timestamp: ME.timestamp, username: 'renamed', display_name: 'Renamed' });
    expect(take()).toEqual(['self']);
    expect(m.self).toMatchObject({ username: 'renamed', display_name: 'Renamed', status: ME.status });
  });

  it('status_update before any self is ignored', () => {
    const { m, take } = model();
    m.applyEvent({ type: 'status_update', user_id: ME.user_id, status: 'busy', activity: null, custom_message: null, timestamp: ME.timestamp });
    expect(m.self).toBeNull();
    expect(take()).toEqual([]);
  });

  it('updateSelf announces only a real change; other frame types are ignored', () => {
    const { m, take } = setup();
    m.updateSelf({ ...ME });
    expect(take()).toEqual([]);
    m.updateSelf({ ...ME, activity: 'chatting' });
    expect(take()).toEqual(['self']);
    m.applyEvent({ type: 'are_you_there' });
    m.applyEvent({ type: 'heartbeat_ack' });
    expect(take()).toEqual([]);
  });
});
