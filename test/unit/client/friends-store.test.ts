import { describe, expect, it } from 'vitest';
import { FriendsStore, sortViews } from '../../../src/client/friends-store.js';
import { T0, view } from './fake-server.js';

describe('sortViews', () => {
  it('orders online, in_game, busy, away, then offline by last_seen desc, ties by username', () => {
    const views = [
      view(1, 'zed', 'offline', { last_seen: '2024-01-15T10:00:00.000Z' }),
      view(2, 'amy', 'away'),
      view(3, 'bob', 'offline', { last_seen: '2024-01-15T12:00:00.000Z' }),
      view(4, 'cat', 'busy'),
      view(5, 'dan', 'in_game'),
      view(6, 'eve', 'online'),
      view(7, 'abe', 'online'),
      view(8, 'hid', 'offline'),
      view(9, 'ann', 'offline', { last_seen: '2024-01-15T12:00:00.000Z' }),
    ];
    expect(sortViews(views).map((v) => v.username)).toEqual([
      'abe',
      'eve',
      'dan',
      'cat',
      'amy',
      'ann',
      'bob',
      'zed',
      'hid',
    ]);
  });
});

describe('FriendsStore', () => {
  it('treats views that differ only in when they were made as unchanged (polls re-send every view)', () => {
    const store = new FriendsStore();
    store.replace([view(2, 'amy', 'online')]);
    const diff = store.replace([{ ...view(2, 'amy', 'online'), timestamp: '2030-01-01T00:00:00.000Z' }]);
    expect(diff).toEqual({ changed: [], removed: [] });
  });

  it('keeps the very object of a friend a snapshot finds unchanged, so lists redraw only the changed (a poll, a reconnect)', () => {
    const store = new FriendsStore();
    store.replace([view(2, 'amy', 'online'), view(3, 'bob', 'online')]);
    const [amy, bob] = [store.get(2), store.get(3)];
    store.replace([{ ...view(2, 'amy', 'online'), timestamp: '2030-01-01T00:00:00.000Z' }, view(3, 'bob', 'busy')]);
    expect(store.get(2)).toBe(amy);
    expect(store.list().find((v) => v.user_id === 2)).toBe(amy);
    expect(store.get(3)).not.toBe(bob);
    expect(store.get(3)?.status).toBe('busy');
  });

  it('reports added, changed and removed friends when a snapshot replaces the list', () => {
    const store = new FriendsStore();
    store.replace([view(2, 'amy', 'online'), view(3, 'bob', 'online'), view(4, 'cat', 'away')]);
    const diff = store.replace([view(2, 'amy', 'online'), view(3, 'bob', 'busy'), view(5, 'dan', 'online')]);
    expect(diff.removed).toEqual([4]);
    expect(diff.changed.map((c) => [c.view.user_id, c.previous?.status])).toEqual([
      [3, 'online'],
      [5, undefined],
    ]);
    expect(store.list().map((v) => v.user_id)).toEqual([2, 5, 3]);
  });

  it('merges a status change into the existing view, keeping names', () => {
    const store = new FriendsStore();
    store.replace([view(2, 'amy', 'online')]);
    const change = store.applyChange({
      type: 'friend_status_change',
      friend_id: 2,
      status: 'in_game',
      activity: 'in_tournament',
      custom_message: 'gl hf',
      last_seen: null,
      timestamp: '2024-01-15T15:00:00.000Z',
    });
    expect(change?.previous?.status).toBe('online');
    expect(store.get(2)).toEqual({
      user_id: 2,
      username: 'amy',
      display_name: 'AMY',
      status: 'in_game',
      activity: 'in_tournament',
      custom_message: 'gl hf',
      busy_until: null,
      busy_label: null,
      last_seen: null,
      last_seen_approx: null,
      activity_details: null, // a frame without rich presence leaves none (never a stale one)
      activity_since: null,
      timestamp: '2024-01-15T15:00:00.000Z',
    });
  });

  it("takes a calendar message's end from each change: a frame without it clears the one kept", () => {
    const store = new FriendsStore();
    store.replace([view(2, 'amy', 'online')]);
    const frame = { type: 'friend_status_change' as const, friend_id: 2, status: 'busy' as const, activity: 'browsing' as const, last_seen: null, timestamp: T0 };
    store.applyChange({ ...frame, custom_message: 'In a meeting until 15:00 UTC+1', busy_until: '2026-01-12T14:00:00.000Z', busy_label: 'In a meeting' });
    expect(store.get(2)).toMatchObject({ busy_until: '2026-01-12T14:00:00.000Z', busy_label: 'In a meeting' });
    store.applyChange({ ...frame, custom_message: 'brb' });
    expect(store.get(2)).toMatchObject({ custom_message: 'brb', busy_until: null, busy_label: null });
  });

  it('drops a change for an unknown friend and reports no-op upserts as null', () => {
    const store = new FriendsStore();
    const frame = {
      type: 'friend_status_change' as const,
      friend_id: 9,
      status: 'online' as const,
      activity: null,
      custom_message: null,
      last_seen: null,
      timestamp: T0,
    };
    expect(store.applyChange(frame)).toBeNull();
    expect(store.size).toBe(0);
    store.upsert(view(2, 'amy', 'online'));
    expect(store.upsert(view(2, 'amy', 'online'))).toBeNull();
  });

  it('takes new names from a change that carries them (a rename), and keeps them otherwise', () => {
    const store = new FriendsStore();
    store.replace([view(2, 'amy', 'online')]);
    const base = { type: 'friend_status_change', friend_id: 2, status: 'online', activity: null, custom_message: null, last_seen: null, timestamp: T0 } as const;
    const renamed = store.applyChange({ ...base, username: 'amelia', display_name: 'Amelia' });
    expect(renamed?.view).toMatchObject({ username: 'amelia', display_name: 'Amelia' });
    store.applyChange({ ...base, status: 'busy' });
    expect(store.get(2)).toMatchObject({ username: 'amelia', display_name: 'Amelia', status: 'busy' });
  });

  it('takes the approximate last seen from each change: a frame without it clears the one kept', () => {
    const store = new FriendsStore();
    store.replace([{ ...view(2, 'amy', 'offline'), last_seen: null, last_seen_approx: 'recently' }]);
    const base = { type: 'friend_status_change', friend_id: 2, status: 'offline', activity: null, custom_message: null, last_seen: null, timestamp: T0 } as const;
    store.applyChange({ ...base, last_seen_approx: 'within_week' });
    expect(store.get(2)?.last_seen_approx).toBe('within_week');
    // The friend stopped sharing it: the next view has neither last_seen nor last_seen_approx.
    const hidden = store.applyChange({ ...base, last_seen_approx: null });
    expect(hidden?.view.last_seen_approx).toBeNull();
    store.applyChange({ ...base, last_seen_approx: 'recently' });
    store.applyChange(base);
    expect(store.get(2)?.last_seen_approx).toBeNull();
  });

  it('hands out copies of the sorted list', () => {
    const store = new FriendsStore();
    store.replace([view(2, 'amy', 'online')]);
    store.list().pop();
    expect(store.list()).toHaveLength(1);
  });
});
