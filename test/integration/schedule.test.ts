/** Status schedules over the API and the socket: a friend sees the rule start and end, on the server's clock. */
import { DateTime } from 'luxon';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer } from '../helpers/app.js';
import { liveFriends, type LiveApp } from '../helpers/live-app.js';
import type { Frame } from '../helpers/ws-client.js';

type U = { token: string; id: number };
const HOUR = 3_600_000;
const change = (id: number) => (f: Frame) => f.type === 'friend_status_change' && f.friend_id === id;

describe('status schedules', () => {
  let t: LiveApp;
  let alice: U;
  let bob: U;
  beforeEach(async () => {
    ({ t, alice, bob } = await liveFriends({ idleTimeoutMs: 24 * HOUR, tokenTtlS: 30 * 24 * 3600 }));
    // The next Monday, 08:30 in Paris (whatever the offset is then).
    const today = DateTime.fromMillis(t.clock.now(), { zone: 'Europe/Paris' }).startOf('day');
    t.clock.t = today.plus({ days: 8 - today.weekday }).set({ hour: 8, minute: 30 }).toMillis();
  });
  afterEach(() => t.close());

  const put = (who: U, payload: object) => t.app.inject({ method: 'PUT', url: '/api/v1/users/me/status/schedule', headers: bearer(who.token), payload });
  const rule = { days: [1, 2, 3, 4, 5], from: '09:00', to: '12:00', status: 'busy', message: 'Deep work' };

  it('saves and returns the schedule; no rules removes the rules and keeps the zone', async () => {
    expect((await t.app.inject({ url: '/api/v1/users/me/status/schedule', headers: bearer(alice.token) })).json()).toEqual({ time_zone: 'UTC', rules: [] });
    const saved = await put(alice, { time_zone: 'Europe/Paris', rules: [rule] });
    expect(saved.statusCode).toBe(200);
    expect(saved.json()).toEqual({ time_zone: 'Europe/Paris', rules: [rule] });
    expect((await t.app.inject({ url: '/api/v1/users/me/status/schedule', headers: bearer(alice.token) })).json()).toEqual(saved.json());
    expect((await put(alice, { time_zone: 'Europe/Paris', rules: [] })).json()).toEqual({ time_zone: 'Europe/Paris', rules: [] });
    // The rules are gone, the zone stays: what the PUT answered is what is kept and used.
    const get = (url: string) => t.app.inject({ url: `/api/v1/users/me/status/${url}`, headers: bearer(alice.token) });
    expect((await get('schedule')).json()).toEqual({ time_zone: 'Europe/Paris', rules: [] });
    expect((await put(bob, { time_zone: 'Asia/Tokyo', rules: [] })).json()).toEqual({ time_zone: 'Asia/Tokyo', rules: [] });
    expect((await t.app.inject({ url: '/api/v1/users/me/status/schedule', headers: bearer(bob.token) })).json()).toEqual({ time_zone: 'Asia/Tokyo', rules: [] });
    expect((await get('history')).json()).toMatchObject({ time_zone: 'Europe/Paris' });
  });

  it.each([
    [{ time_zone: 'Mars/Olympus', rules: [] }],
    [{ time_zone: 'UTC', rules: [{ ...rule, from: '25:00' }] }],
    [{ time_zone: 'UTC', rules: [{ ...rule, to: '09:00' }] }],
    [{ time_zone: 'UTC', rules: [{ ...rule, days: [] }] }],
    [{ time_zone: 'UTC', rules: [{ ...rule, days: [8] }] }],
    [{ time_zone: 'UTC', rules: [{ ...rule, status: 'offline' }] }],
    [{ time_zone: 'UTC', rules: Array.from({ length: 21 }, () => rule) }],
    [{ time_zone: 'UTC', rules: [rule], extra: 1 }],
  ])('refuses %j with 400 VALIDATION_ERROR', async (payload) => {
    const res = await put(alice, payload);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'VALIDATION_ERROR', message: expect.any(String) });
  });

  it('a friend sees the rule start at 09:00 Paris time with its message, and end at 12:00', async () => {
    const { socket: b } = await t.connect(bob.token);
    await t.connectSeenBy(alice.token, b);
    await put(alice, { time_zone: 'Europe/Paris', rules: [rule] });
    const from = b.mark();
    await t.advance(HOUR / 2 - 1);
    // The tick queued whatever it made for Bob: it is in before his barrier's answer.
    await b.settled();
    expect(b.since(from).filter(change(alice.id))).toEqual([]);
    expect(await b.after(() => t.advance(1), change(alice.id))).toMatchObject({ status: 'busy', custom_message: 'Deep work' });
    expect((await t.app.inject({ url: `/api/v1/users/${alice.id}/status`, headers: bearer(bob.token) })).json()).toMatchObject({ status: 'busy' });
    expect(await b.after(() => t.advance(3 * HOUR), change(alice.id))).toMatchObject({ status: 'online', custom_message: null });
  });

  it('under a manual status a friend sees no rule message: nothing at the rule start; the rule’s status and message come together back in automatic mode; her own message stays', async () => {
    const status = (payload: object) => t.app.inject({ method: 'PUT', url: '/api/v1/users/me/status', headers: bearer(alice.token), payload });
    const { socket: b } = await t.connect(bob.token);
    await t.connectSeenBy(alice.token, b);
    await put(alice, { time_zone: 'Europe/Paris', rules: [rule] });
    expect(await b.after(() => status({ status: 'away' }), change(alice.id))).toMatchObject({ status: 'away', custom_message: null });
    const from = b.mark();
    // 09:00: the rule holds, but her manual Away wins, and without the rule's status its message does not show.
    await t.advance(HOUR / 2);
    expect((await t.app.inject({ url: `/api/v1/users/${alice.id}/status`, headers: bearer(bob.token) })).json()).toMatchObject({ status: 'away', custom_message: null });
    // Back in automatic mode: the rule's status, with its message (the first frame Bob gets since 08:30).
    expect(await b.after(() => status({ status: 'online' }), change(alice.id))).toMatchObject({ status: 'busy', custom_message: 'Deep work' });
    expect(b.since(from).filter(change(alice.id))).toHaveLength(1);
    // Busy by her own choice: her status, not the rule's; the message of her own shows under it.
    expect(await b.after(() => status({ status: 'busy' }), change(alice.id))).toMatchObject({ status: 'busy', custom_message: null });
    expect(await b.after(() => status({ status: 'away', custom_message: 'Lunch' }), change(alice.id))).toMatchObject({ status: 'away', custom_message: 'Lunch' });
  });

  it('a schedule set during a rule applies at once', async () => {
    const { socket: b } = await t.connect(bob.token);
    await t.connectSeenBy(alice.token, b);
    const now = await b.after(() => put(alice, { time_zone: 'Europe/Paris', rules: [{ ...rule, from: '08:00' }] }), change(alice.id));
    expect(now).toMatchObject({ status: 'busy', custom_message: 'Deep work' });
  });
});
