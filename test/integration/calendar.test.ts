/** Calendar feeds end to end: a friend sees "In a meeting until …" during an event read from a local feed. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { bearer } from '../helpers/app.js';
import { startLiveApp, type LiveApp } from '../helpers/live-app.js';
import type { Frame } from '../helpers/ws-client.js';

type U = { token: string; id: number };
const MIN = 60_000;
const change = (id: number) => (f: Frame) => f.type === 'friend_status_change' && f.friend_id === id;
const stamp = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

describe('calendar feeds', () => {
  let t: LiveApp;
  let server: Server;
  let feedUrl: string;
  let ics = '';
  let alice: U;
  let bob: U;
  beforeEach(async () => {
    server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/calendar' }).end(ics));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    feedUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/private/basic.ics`;
    t = await startLiveApp({ calendarAllowLocal: true, idleTimeoutMs: 24 * 60 * MIN });
    // Noon UTC (the next one): the meeting must not cross midnight, where the message would
    // name the day ("until Wed 00:05"). Run near midnight, this test failed on the wall clock.
    t.clock.t = Math.ceil((t.clock.now() + 1) / (24 * 60 * MIN)) * 24 * 60 * MIN + 12 * 60 * MIN;
    [alice, bob] = await t.registerFriends('alice', 'bob');
    // A meeting from 10 to 40 minutes from now (UTC, so the message reads in UTC).
    const start = Math.ceil(t.clock.now() / MIN) * MIN + 10 * MIN;
    ics = [
      'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN',
      'BEGIN:VEVENT', 'UID:m1@test', 'SUMMARY:Budget review', `DTSTART:${stamp(start)}`, `DTEND:${stamp(start + 30 * MIN)}`, 'END:VEVENT',
      'END:VCALENDAR',
    ].join('\r\n');
  });
  afterEach(async () => {
    await t.close();
    server.closeAllConnections();
    server.close();
  });

  const put = (payload: object) => t.app.inject({ method: 'PUT', url: '/api/v1/users/me/calendar', headers: bearer(alice.token), payload });

  it('reads the feed at once, then the friend sees the meeting start and end; titles stay private', async () => {
    const { socket: b } = await t.connect(bob.token);
    await t.connectSeenBy(alice.token, b);
    const saved = await put({ url: feedUrl });
    expect(saved.statusCode).toBe(200);
    expect(saved.json()).toMatchObject({ configured: true, host: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), share_titles: false, error: null });
    expect(JSON.stringify(saved.json())).not.toContain('/private/basic.ics');
    const start = Math.ceil(t.clock.now() / MIN) * MIN + 10 * MIN;
    const until = new Date(start + 30 * MIN).toISOString().slice(11, 16);
    const from = b.mark();
    await t.advance(start - t.clock.now() - 1);
    // The tick queued whatever it made for Bob: it is in before his barrier's answer.
    await b.settled();
    expect(b.since(from).filter(change(alice.id))).toEqual([]);
    // The text names its zone (UTC here); beside it the end as an instant, for each viewer's own zone.
    const busyUntil = new Date(start + 30 * MIN).toISOString();
    expect(await b.after(() => t.advance(1), change(alice.id))).toMatchObject({ status: 'busy', custom_message: `In a meeting until ${until} UTC`, busy_until: busyUntil, busy_label: 'In a meeting' });
    expect((await t.app.inject({ url: `/api/v1/users/${alice.id}/status`, headers: bearer(bob.token) })).json()).toMatchObject({ busy_until: busyUntil, busy_label: 'In a meeting' });
    const free = await b.after(() => t.advance(30 * MIN), change(alice.id));
    expect(free).toMatchObject({ status: 'online', custom_message: null });
    expect(free).not.toHaveProperty('busy_until');
  });

  it("tells the meeting's end in the schedule's new time zone as soon as the user changes it", async () => {
    const { socket: b } = await t.connect(bob.token);
    await t.connectSeenBy(alice.token, b);
    expect((await put({ url: feedUrl })).statusCode).toBe(200);
    const start = Math.ceil(t.clock.now() / MIN) * MIN + 10 * MIN;
    const end = start + 30 * MIN;
    const early = b.mark();
    await t.advance(start - t.clock.now() - 1);
    // Not a moment before: what the tick made for Bob is in before his barrier's answer.
    await b.settled();
    expect(b.since(early).filter(change(alice.id))).toEqual([]);
    expect(await b.after(() => t.advance(1), change(alice.id))).toMatchObject({ custom_message: `In a meeting until ${new Date(end).toISOString().slice(11, 16)} UTC` });
    // Tokyo is UTC+9 all year; the clock does not move: no refresh round brings it.
    const tokyo = new Date(end + 9 * 60 * MIN).toISOString().slice(11, 16);
    const moved = await b.after(
      () => t.app.inject({ method: 'PUT', url: '/api/v1/users/me/status/schedule', headers: bearer(alice.token), payload: { time_zone: 'Asia/Tokyo', rules: [] } }),
      change(alice.id),
    );
    // The text's time and zone move; the instant does not.
    expect(moved).toMatchObject({ status: 'busy', custom_message: `In a meeting until ${tokyo} UTC+9`, busy_until: new Date(end).toISOString() });
    expect((await t.app.inject({ url: `/api/v1/users/${alice.id}/status`, headers: bearer(bob.token) })).json()).toMatchObject({ custom_message: `In a meeting until ${tokyo} UTC+9` });
  });

  it('shows the title only when the user opts in', async () => {
    const { socket: b } = await t.connect(bob.token);
    await t.connectSeenBy(alice.token, b);
    await put({ url: feedUrl, share_titles: true });
    const start = Math.ceil(t.clock.now() / MIN) * MIN + 10 * MIN;
    const early = b.mark();
    await t.advance(start - t.clock.now() - 1);
    await b.settled();
    expect(b.since(early).filter(change(alice.id))).toEqual([]);
    expect(await b.after(() => t.advance(1), change(alice.id))).toMatchObject({ custom_message: expect.stringMatching(/^Budget review until \d\d:\d\d UTC$/), busy_label: 'Budget review' });
  });

  it('refuses a feed it cannot read, and private addresses unless allowed', async () => {
    ics = 'not a calendar';
    const bad = await put({ url: feedUrl });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'VALIDATION_ERROR' });
    const strict = await startLiveApp({});
    try {
      const carol = await strict.register('carol');
      const res = await strict.app.inject({ method: 'PUT', url: '/api/v1/users/me/calendar', headers: bearer(carol.token), payload: { url: feedUrl } });
      expect(res.statusCode).toBe(400);
      expect(res.json().message).toMatch(/https/);
      const local = await strict.app.inject({ method: 'PUT', url: '/api/v1/users/me/calendar', headers: bearer(carol.token), payload: { url: 'https://127.0.0.1/x.ics' } });
      expect(local.json().message).toMatch(/private network/);
    } finally {
      await strict.close();
    }
  });

  it('removing the feed ends a meeting in progress', async () => {
    const { socket: b } = await t.connect(bob.token);
    await t.connectSeenBy(alice.token, b);
    await put({ url: feedUrl });
    const start = Math.ceil(t.clock.now() / MIN) * MIN + 10 * MIN;
    await b.after(() => t.advance(start - t.clock.now()), (f) => change(alice.id)(f) && f.status === 'busy');
    const done = await b.after(() => t.app.inject({ method: 'DELETE', url: '/api/v1/users/me/calendar', headers: bearer(alice.token) }), change(alice.id));
    expect(done).toMatchObject({ status: 'online', custom_message: null });
    expect((await t.app.inject({ url: '/api/v1/users/me/calendar', headers: bearer(alice.token) })).json()).toMatchObject({ configured: false });
  });
});

// Found by review of the re-read a time-zone change starts (CalendarService.reword).
describe('calendar re-read after a time-zone change', () => {
  const apps: LiveApp[] = [];
  let feedServer: Server | null = null;
  afterEach(async () => {
    for (const a of apps.splice(0)) await a.close().catch(() => {});
    feedServer?.closeAllConnections();
    feedServer?.close();
    feedServer = null;
  });
  const putAs = (t: LiveApp, who: U, url: string, payload: object) => t.app.inject({ method: 'PUT', url: `/api/v1${url}`, headers: bearer(who.token), payload });

  it("does not hold up the user's own PUT of a feed while it reads the old one from a slow host", async () => {
    let slow = false;
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const empty = 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nEND:VCALENDAR\r\n';
    feedServer = createServer((_req, res) => {
      const answer = () => res.writeHead(200, { 'content-type': 'text/calendar' }).end(empty);
      if (slow) void held.then(answer);
      else answer();
    });
    await new Promise<void>((r) => feedServer!.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(feedServer.address() as AddressInfo).port}`;
    const t = await startLiveApp({ calendarAllowLocal: true });
    apps.push(t);
    const carol = await t.register('carol');
    expect((await putAs(t, carol, '/users/me/calendar', { url: `${base}/a.ics` })).statusCode).toBe(200);
    slow = true;
    expect((await putAs(t, carol, '/users/me/status/schedule', { time_zone: 'Europe/Paris', rules: [] })).statusCode).toBe(200);
    await new Promise((r) => setTimeout(r, 50)); // the re-read has asked the slow host
    slow = false;
    const res = await putAs(t, carol, '/users/me/calendar', { url: `${base}/b.ics` });
    release();
    expect(res.statusCode).toBe(200);
  });

  it('a database read that fails during the re-read is logged, never an unhandled rejection', async () => {
    const t = await startLiveApp({});
    apps.push(t);
    const carol = await t.register('carol');
    const cal = t.app.services.calendar as unknown as { deps: { db: object } };
    const db = cal.deps.db;
    const failing = () => ({ select: () => ({ where: () => ({ executeTakeFirst: () => Promise.reject(Object.assign(new Error('Connection terminated unexpectedly'), { code: 'ECONNRESET' })) }) }) });
    cal.deps.db = new Proxy(db, { get: (target, prop, recv) => (prop === 'selectFrom' ? failing : Reflect.get(target, prop, recv)) });
    const unhandled: unknown[] = [];
    const on = (err: unknown) => unhandled.push(err);
    process.on('unhandledRejection', on);
    try {
      expect((await putAs(t, carol, '/users/me/status/schedule', { time_zone: 'Europe/Paris', rules: [] })).statusCode).toBe(200);
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      process.off('unhandledRejection', on);
      cal.deps.db = db;
    }
    expect(unhandled).toEqual([]);
  });
});

describe('the calendar refresh round (its timer, every BEACON_CALENDAR_REFRESH_MS)', () => {
  let t: LiveApp | null = null;
  afterEach(async () => {
    vi.restoreAllMocks();
    await t?.close();
    t = null;
  });

  // The timer runs `void refreshAll()`: a round that rejected was an unhandled rejection, which
  // ends a Node 20 process (a database blip at the round's moment took the server down).
  it.each([
    { what: 'the list of feeds', feeds: null },
    { what: "the note of a feed's failed read", feeds: [{ user_id: 1, url: 'http://127.0.0.1:9/feed.ics', share_titles: 0 }] },
  ])('a database that refuses $what: the round resolves, and the failure is logged', async ({ feeds }) => {
    t = await startLiveApp({ calendarAllowLocal: true });
    const calendars = t.app.services.calendar;
    const deps = (calendars as unknown as { deps: { db: object; log: { warn: (...args: unknown[]) => void } } }).deps;
    const db = deps.db;
    const down = Object.assign(new Error('Connection terminated unexpectedly'), { code: 'ECONNRESET' });
    const fails = { execute: () => Promise.reject(down) };
    // The list read fails, or it names one feed (unreachable), and the write of its error fails.
    const selectFrom = () => ({ select: () => (feeds === null ? fails : { execute: () => Promise.resolve(feeds) }) });
    const updateTable = () => ({ set: () => ({ where: () => ({ where: () => fails }) }) });
    deps.db = new Proxy(db, {
      get: (target, prop, recv) => (prop === 'selectFrom' ? selectFrom : prop === 'updateTable' && feeds !== null ? updateTable : Reflect.get(target, prop, recv)),
    });
    const warn = vi.spyOn(deps.log, 'warn');
    try {
      await expect(calendars.refreshAll()).resolves.toBeUndefined();
    } finally {
      deps.db = db;
    }
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ err: down }), expect.any(String));
  });
});
