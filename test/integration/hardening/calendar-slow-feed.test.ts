/**
 * Finding (High): a feed trickling one byte a second was read for as long as it trickled (up to
 * 2 MiB: ~24 days), not "10 s at most": the fetch's timeout only measured idleness. The PUT got
 * no answer (the connection was closed at 30 s without one), its owner's next PUTs were 429
 * ("already being read") all that time, and the refresh round waiting on it never ended, so no
 * feed of anyone was refreshed again. Now the whole fetch has a deadline (a timer that closes
 * the connection), and a refresh round reads feeds in slots, none waiting for another's.
 *
 * The deadline is 10 s in production; here FETCH_MS, with the feed trickling ten times faster
 * than its deadline, as in the finding (a byte a second against 10 s).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer } from '../../helpers/app.js';
import { startLiveApp, type LiveApp } from '../../helpers/live-app.js';

type U = { token: string; id: number };
const FETCH_MS = 1000;
/** How long the test waits for what the deadline should bring (the finding: never). */
const GIVE_UP_MS = 5 * FETCH_MS;
const stamp = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
const NO_ANSWER = Symbol('no answer');
const within = <T,>(ms: number, p: Promise<T>): Promise<T | typeof NO_ANSWER> =>
  Promise.race([p, new Promise<typeof NO_ANSWER>((r) => setTimeout(() => r(NO_ANSWER), ms).unref())]);

describe('a trickling calendar feed', () => {
  let t: LiveApp;
  let server: Server;
  let base: string;
  let good = '';
  /** Requests for each path. */
  let hits: Map<string, number>;
  /** Whether a trickle is being served. */
  let dripping: () => boolean;
  /** Resolved when the server sees its trickling response closed (Beacon gave up on it). */
  let dripClosed: Promise<void>;

  beforeEach(async () => {
    // This test's own (a late close of the last test's trickle must not count here).
    const requests = new Map<string, number>();
    let open = 0;
    let closed!: () => void;
    hits = requests;
    dripping = () => open > 0;
    dripClosed = new Promise((r) => (closed = r));
    server = createServer((req, res) => {
      const path = req.url ?? '';
      requests.set(path, (requests.get(path) ?? 0) + 1);
      if (!path.startsWith('/drip')) return res.writeHead(200, { 'content-type': 'text/calendar' }).end(good);
      // Headers at once, then a byte every tenth of the deadline: never idle long enough for an idle timeout.
      res.writeHead(200, { 'content-type': 'text/calendar' });
      open++;
      const timer = setInterval(() => res.write(' '), FETCH_MS / 10);
      res.on('close', () => {
        clearInterval(timer);
        open--;
        closed();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    t = await startLiveApp({ calendarAllowLocal: true }, { calendarFetchTimeoutMs: FETCH_MS });
    const start = Math.ceil(t.clock.now() / 60_000) * 60_000 + 10 * 60_000;
    good = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', 'BEGIN:VEVENT', 'UID:ok@x', `DTSTART:${stamp(start)}`, `DTEND:${stamp(start + 30 * 60_000)}`, 'END:VEVENT', 'END:VCALENDAR'].join('\r\n');
  });
  afterEach(async () => {
    await t.close();
    server.closeAllConnections();
    server.close();
  });

  const put = (who: U, url: string) => t.app.inject({ method: 'PUT', url: '/api/v1/users/me/calendar', headers: bearer(who.token), payload: { url } });
  const info = async (who: U) => (await t.app.inject({ url: '/api/v1/users/me/calendar', headers: bearer(who.token) })).json<{ refreshed_at: string | null; error: string | null }>();

  it('answers the PUT within the fetch deadline with 400 and the reason, and closes the connection', async () => {
    const alice = await t.register('alice');
    const started = performance.now();
    const res = await within(GIVE_UP_MS, put(alice, `${base}/drip.ics`));
    if (res === NO_ANSWER) throw new Error(`no answer to the PUT within ${GIVE_UP_MS} ms`);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ code: 'VALIDATION_ERROR', message: 'The calendar took too long to answer' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(FETCH_MS - 2); // timers count whole ms
    expect(await within(GIVE_UP_MS, dripClosed)).not.toBe(NO_ANSWER);
    expect(await info(alice)).toMatchObject({ configured: false });
  });

  it("does not lock its owner out: once the fetch's deadline passed, their next PUT is read", async () => {
    const alice = await t.register('alice');
    // The client gives up on its PUT (as the finding's did); Beacon goes on fetching until the deadline.
    const asked = new Promise<void>((r) => server.once('request', () => r()));
    const aborted = new AbortController();
    const first = fetch(`${t.url}/api/v1/users/me/calendar`, {
      method: 'PUT',
      signal: aborted.signal,
      headers: { ...bearer(alice.token), 'content-type': 'application/json' },
      body: JSON.stringify({ url: `${base}/drip.ics` }),
    }).catch(() => null);
    await asked;
    aborted.abort();
    await first;
    const closed = await within(GIVE_UP_MS, dripClosed);
    const res = await put(alice, `${base}/good.ics`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ configured: true, error: null });
    expect(closed).not.toBe(NO_ANSWER);
  });

  it("does not hold up the refresh of other users' feeds; the next round runs too", async () => {
    // Mallory's feed turned into a trickle after she gave it (her row is written directly: a PUT reads first).
    const mallory = await t.register('mallory');
    const others: U[] = [];
    for (const name of ['ann', 'ben', 'cat', 'dan']) others.push(await t.register(name));
    for (const [i, u] of others.entries()) expect((await put(u, `${base}/good-${i}.ics`)).statusCode).toBe(200);
    const db = t.app.services.database.db;
    await db.insertInto('user_calendars').values({ user_id: mallory.id, url: `${base}/drip.ics`, share_titles: 0, busy: '[]', refreshed_at: t.clock.now(), error: null }).execute();
    // Dan's feed comes after Mallory's and three others in the round: in groups of 4, it waited for hers.
    const dan = others[3]!;
    const danUrl = `/good-3.ics`;
    expect((await db.selectFrom('user_calendars').select('user_id').execute()).map((r) => r.user_id).indexOf(dan.id)).toBeGreaterThanOrEqual(4);

    const calendars = t.app.services.calendar;
    const at = t.clock.advance(60_000);
    let roundOver = false;
    const round = calendars.refreshAll().then(() => (roundOver = true));
    await expect.poll(() => hits.get(danUrl), { timeout: GIVE_UP_MS }).toBe(2);
    await expect.poll(async () => (await info(dan)).refreshed_at, { timeout: GIVE_UP_MS }).toBe(new Date(at).toISOString());
    // Read while Mallory's trickle still held its slot.
    expect(roundOver).toBe(false);
    expect(dripping()).toBe(true);

    expect(await within(GIVE_UP_MS, round)).toBe(true);
    expect(await within(GIVE_UP_MS, dripClosed)).not.toBe(NO_ANSWER);
    expect(await info(mallory)).toMatchObject({ error: 'The calendar took too long to answer' });
    for (const u of others) expect(await info(u)).toMatchObject({ refreshed_at: new Date(at).toISOString(), error: null });

    // The next round is not skipped (a round in progress makes later ones wait for it): everyone else is read again.
    const next = t.clock.advance(60_000);
    expect(await within(GIVE_UP_MS, calendars.refreshAll().then(() => true))).toBe(true);
    for (const u of others) expect(await info(u)).toMatchObject({ refreshed_at: new Date(next).toISOString(), error: null });
  });
});
