/**
 * Finding (outside test, two tabs at once): two replacements of a user's status schedule made
 * at the same moment could leave the database holding one schedule and the presence engine
 * (what friends see, what GET answers) the other: the command saved, then applied, with an
 * await in between, so saves and applies could happen in different orders; across instances
 * the input also travels over the bus and the later-applied one carried the newer version.
 * After a restart the user then got the other schedule than the one they saw. The calendar
 * feed (PUT, DELETE, refresh: write, then apply) had the same gap.
 *
 * Now each write answers the version it stored (users.schedule_version, calendar_version), the
 * input carries it, and a replica applies only a newer one. These tests force the bad order
 * every time: the first replacement's write is made, and its apply is held until the second
 * replacement has been written, applied and answered.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PresenceService } from '../../src/server/status/presence-service.js';
import { PresenceRepository } from '../../src/server/status/presence-repository.js';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bearer } from '../helpers/app.js';
import { freshDatabase, testDialects } from '../helpers/databases.js';
import { startLiveApp, twoLiveApps, type LiveApp } from '../helpers/live-app.js';
import { holdFirstCall } from '../helpers/hold-first-call.js';
import type { Frame, TestSocket } from '../helpers/ws-client.js';

type U = { token: string; id: number };
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** 10:00 UTC on the Monday after `now`. */
const nextMonday10 = (now: number) => {
  const day = Math.floor(now / DAY) * DAY;
  const weekday = (new Date(day).getUTCDay() + 6) % 7; // 0 = Monday
  return day + (7 - weekday) * DAY + 10 * HOUR;
};

const rule = (status: 'busy' | 'away', message: string) => ({ days: [1], from: '09:00', to: '17:00', status, message });
/** Two schedules whose rule holds now (Monday 10:00 UTC), each visible as a different status and message. */
const SCHEDULE_A = { time_zone: 'UTC', rules: [rule('busy', 'A: deep work')] };
const SCHEDULE_B = { time_zone: 'UTC', rules: [rule('away', 'B: at the gym')] };

const about = (id: number) => (f: Frame) => f.type === 'friend_status_change' && f.friend_id === id;

const api = (t: LiveApp, who: U, method: 'GET' | 'PUT' | 'DELETE', url: string, payload?: object) =>
  t.app.inject({ method, url: `/api/v1${url}`, headers: bearer(who.token), ...(payload ? { payload } : {}) });

/** The schedule the database holds for the user, as the API shows it. */
async function storedSchedule(t: LiveApp, userId: number) {
  const row = await t.app.services.database.db.selectFrom('users').select('status_schedule').where('id', '=', userId).executeTakeFirstOrThrow();
  const s = row.status_schedule === null ? null : (JSON.parse(row.status_schedule) as { timeZone: string; rules: unknown[] });
  return s === null ? { time_zone: 'UTC', rules: [] } : { time_zone: s.timeZone, rules: s.rules };
}

/**
 * The friend's frames about `who` up to a marker change (a message set after everything else):
 * every frame the replacements caused has arrived before it.
 */
async function framesBeforeMarker(t: LiveApp, who: U, socket: TestSocket, from: number): Promise<Frame[]> {
  expect((await api(t, who, 'PUT', '/users/me/status', { status: 'online', custom_message: 'marker' })).statusCode).toBe(200);
  await socket.next((f) => about(who.id)(f) && f.custom_message === 'marker', { from });
  const frames = socket.since(from).filter(about(who.id));
  return frames.slice(0, frames.findIndex((f) => f.custom_message === 'marker'));
}

describe.each(testDialects())('two replacements at once on one instance (%s)', (dialect) => {
  let t: LiveApp;
  let alice: U;
  let bob: U;
  let bobs: TestSocket;
  let drop: () => Promise<void>;
  let feed: Server;
  let feedUrl: string;
  const restores: Array<() => void> = [];

  beforeEach(async () => {
    const db = await freshDatabase(dialect);
    drop = db.drop;
    feed = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/calendar' }).end(ics(t.clock.now())));
    await new Promise<void>((r) => feed.listen(0, '127.0.0.1', r));
    feedUrl = `http://127.0.0.1:${(feed.address() as AddressInfo).port}/private/basic.ics`;
    t = await startLiveApp({ databaseUrl: db.url, calendarAllowLocal: true, idleTimeoutMs: DAY });
    t.clock.t = nextMonday10(t.clock.now());
    [alice, bob] = await t.registerFriends('alice', 'bob');
    ({ socket: bobs } = await t.connect(bob.token));
    await t.connectSeenBy(alice.token, bobs);
  });
  afterEach(async () => {
    for (const restore of restores.splice(0)) restore();
    await t.close();
    feed.closeAllConnections();
    feed.close();
    await drop();
  });

  it('schedules: the one saved last is what the database holds, GET answers and the friend sees', async () => {
    const hold = holdFirstCall(PresenceRepository.prototype, 'saveSchedule', 'after');
    restores.push(hold.restore);
    const from = bobs.mark();
    // Tab 1 saves A; its apply waits. Tab 2 saves B, applied and answered. Then A's apply comes.
    const first = api(t, alice, 'PUT', '/users/me/status/schedule', SCHEDULE_A);
    await hold.reached;
    const second = await api(t, alice, 'PUT', '/users/me/status/schedule', SCHEDULE_B);
    expect(second.statusCode).toBe(200);
    hold.release();
    expect((await first).statusCode).toBe(200);

    expect(await storedSchedule(t, alice.id)).toEqual(SCHEDULE_B);
    expect((await api(t, alice, 'GET', '/users/me/status/schedule')).json()).toEqual(SCHEDULE_B);
    expect((await api(t, bob, 'GET', `/users/${alice.id}/status`)).json()).toMatchObject({ status: 'away', custom_message: 'B: at the gym' });
    const seen = await framesBeforeMarker(t, alice, bobs, from);
    expect(seen.map((f) => [f.status, f.custom_message])).toEqual([['away', 'B: at the gym']]);
  });

  it('calendar: a feed set while it is being removed stays removed, in the database and in what the friend sees', async () => {
    const hold = holdFirstCall(PresenceService.prototype, 'setCalendar', 'before');
    restores.push(hold.restore);
    const from = bobs.mark();
    // Tab 1 sets a feed with a meeting now: written, its apply waits. Tab 2 removes the feed.
    const set = api(t, alice, 'PUT', '/users/me/calendar', { url: feedUrl });
    await hold.reached;
    expect((await api(t, alice, 'DELETE', '/users/me/calendar')).statusCode).toBe(204);
    hold.release();
    expect((await set).statusCode).toBe(200);

    expect(await t.app.services.database.db.selectFrom('user_calendars').select('user_id').where('user_id', '=', alice.id).execute()).toEqual([]);
    expect((await api(t, alice, 'GET', '/users/me/calendar')).json()).toMatchObject({ configured: false });
    expect((await api(t, bob, 'GET', `/users/${alice.id}/status`)).json()).toMatchObject({ status: 'online', custom_message: null });
    expect(await framesBeforeMarker(t, alice, bobs, from)).toEqual([]);
  });
});

/** A feed with one meeting running from 10 minutes before `now` to 30 minutes after. */
function ics(now: number): string {
  const stamp = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const start = Math.floor(now / MIN) * MIN - 10 * MIN;
  return [
    'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN',
    'BEGIN:VEVENT', 'UID:m1@test', 'SUMMARY:Budget review', `DTSTART:${stamp(start)}`, `DTEND:${stamp(start + 40 * MIN)}`, 'END:VEVENT',
    'END:VCALENDAR',
  ].join('\r\n');
}

for (const kind of ['memory', 'redis'] as const) {
  describe(`two replacements at once on two instances (${kind})`, () => {
    let a: LiveApp;
    let b: LiveApp;
    let alice: U;
    let bob: U;
    let bobs: TestSocket;
    let close: () => Promise<void> = async () => {};

    beforeEach(async () => {
      ({ a, b, close } = await twoLiveApps(kind, { idleTimeoutMs: DAY }));
      a.clock.t = b.clock.t = nextMonday10(a.clock.now());
      [alice, bob] = await a.registerFriends('alice', 'bob');
      // Bob watches from B; Alice is on A and on B (two tabs, one per instance).
      ({ socket: bobs } = await b.connect(bob.token));
      await a.connectSeenBy(alice.token, bobs);
      await b.connect(alice.token);
    });
    afterEach(async () => {
      vi.restoreAllMocks();
      await close();
    });

    it('the schedule saved last wins on both instances, as the database holds it, whatever order the inputs crossed in', async () => {
      const hold = holdFirstCall(PresenceRepository.prototype, 'saveSchedule', 'after');
      const from = bobs.mark();
      // Tab on A saves A; A's apply (and its news to B) waits. Tab on B saves B: applied on
      // both and answered. Then A applies A and tells B, with a newer bus version than B's.
      const first = api(a, alice, 'PUT', '/users/me/status/schedule', SCHEDULE_A);
      await hold.reached;
      a.clock.t = b.clock.t += 5;
      expect((await api(b, alice, 'PUT', '/users/me/status/schedule', SCHEDULE_B)).statusCode).toBe(200);
      a.clock.t += 5;
      hold.release();
      expect((await first).statusCode).toBe(200);
      // A's answer waited for its input to reach B (the read-your-writes barrier): both replicas are settled.
      await a.app.services.presence.shared();
      await b.app.services.presence.shared();

      expect(await storedSchedule(a, alice.id)).toEqual(SCHEDULE_B);
      for (const t of [a, b]) {
        expect((await api(t, alice, 'GET', '/users/me/status/schedule')).json(), `GET on ${t === a ? 'A' : 'B'}`).toEqual(SCHEDULE_B);
        expect((await api(t, bob, 'GET', `/users/${alice.id}/status`)).json()).toMatchObject({ status: 'away', custom_message: 'B: at the gym' });
      }
      const seen = await framesBeforeMarker(a, alice, bobs, from);
      expect(seen.map((f) => [f.status, f.custom_message])).toEqual([['away', 'B: at the gym']]);
    });
  });
}
