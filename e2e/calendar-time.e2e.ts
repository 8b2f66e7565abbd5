/**
 * A friend's calendar message in the viewer's own time zone, in real Chromium. Owen's calendar
 * (his zone: Paris) makes him busy until some minutes from now; Nia reads Beacon in New York
 * (en-US). Before, her card said "In a meeting until 15:00", Paris time with no zone named:
 * six hours off for her. Now the view carries the end as an instant and the card, the drop-in
 * <beacon-friend-list> and <beacon-status show-message> say it in her zone and words ("until
 * 9:00 AM"), the time isolated for bidi; API readers get the text with the zone named.
 * An end on another day than the viewer's today names its weekday ("until Tue 9:00 AM"): at her
 * midnight it is drawn again as today's ("until 9:00 AM"), though nothing else changed.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import { launchChromium } from './helpers/browser.js';
import { freePort, startServer, type ServerHandle } from './helpers/server.js';
import { startHostSite, type HostSite } from './helpers/host-site.js';
import { api, connectedFriend, registerUser, type ApiUser } from './helpers/api-users.js';
import { friendCard } from './helpers/ui.js';
import { expectAccessible } from './helpers/axe.js';

const MIN = 60_000;
const stamp = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
const FIVE_S = { timeout: 5_000, interval: 100 };

let server: ServerHandle;
let feed: Server;
let browser: Browser;
let ctx: BrowserContext;
/** Nia's second browser, its clock under the test's control (the midnight test). */
let clockCtx: BrowserContext | undefined;
let nia: { token: string; id: number };
/** A host site's port (its page's WebSocket must come from a real page, not a routed one: Chromium's local network checks). */
let hostPort: number;
let hostSite: HostSite | undefined;
let owen: ApiUser;
/** The meeting's end: the next full hour at least 20 minutes away. */
let end: number;

/**
 * The end as a New York reader reads it, "9:00 AM", as a pattern (ICU puts a space or a narrow
 * no-break space before AM), written out from the offset, not by the code under test.
 */
function newYorkTime(ms: number): string {
  const local = new Date(ms - newYorkOffsetHours(ms) * 3_600_000);
  const h = local.getUTCHours();
  return `${h % 12 === 0 ? 12 : h % 12}:${String(local.getUTCMinutes()).padStart(2, '0')}[ \u202f]${h < 12 ? 'AM' : 'PM'}`;
}
/** New York is UTC-4 from the second Sunday of March to the first Sunday of November, UTC-5 otherwise. */
function newYorkOffsetHours(ms: number): number {
  const y = new Date(ms).getUTCFullYear();
  const sunday = (month: number, nth: number) => {
    const first = new Date(Date.UTC(y, month, 1));
    return Date.UTC(y, month, 1 + ((7 - first.getUTCDay()) % 7) + 7 * (nth - 1));
  };
  const start = sunday(2, 2) + 7 * 3_600_000;
  const stop = sunday(10, 1) + 6 * 3_600_000;
  return ms >= start && ms < stop ? 4 : 5;
}

beforeAll(async () => {
  end = Math.ceil((Date.now() + 20 * MIN) / (60 * MIN)) * 60 * MIN;
  const ics = [
    'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//e2e//EN',
    'BEGIN:VEVENT', 'UID:standup@e2e', 'SUMMARY:Standup', `DTSTART:${stamp(Date.now() - 10 * MIN)}`, `DTEND:${stamp(end)}`, 'END:VEVENT',
    'END:VCALENDAR',
  ].join('\r\n');
  feed = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/calendar' }).end(ics));
  await new Promise<void>((r) => feed.listen(0, '127.0.0.1', r));
  hostPort = await freePort();
  server = await startServer({ BEACON_CALENDAR_ALLOW_LOCAL: 'on', BEACON_ALLOWED_ORIGINS: `{self},http://127.0.0.1:${hostPort}` });
  browser = await launchChromium();
  nia = await registerUser(server.baseUrl, 'nia_ny', 'Nia');
  owen = await connectedFriend(server.baseUrl, 'owen_paris', 'Owen', nia.token);
  await api(server.baseUrl, owen.token, 'PUT', '/users/me/status/schedule', { time_zone: 'Europe/Paris', rules: [] });
  await api(server.baseUrl, owen.token, 'PUT', '/users/me/calendar', { url: `http://127.0.0.1:${(feed.address() as AddressInfo).port}/cal.ics` });
  ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, timezoneId: 'America/New_York', locale: 'en-US' });
  await ctx.addInitScript((t) => localStorage.setItem('beacon.token', t), nia.token);
});

afterAll(async () => {
  owen?.socket?.close();
  await clockCtx?.close();
  await hostSite?.close();
  await ctx?.close();
  await browser?.close();
  await server?.stop();
  feed?.closeAllConnections();
  feed?.close();
});

describe("a calendar message's end in the viewer's zone", () => {
  it('API readers get the text with the zone named, and the end as an instant beside it', async () => {
    const v = await api<Record<string, unknown>>(server.baseUrl, nia.token, 'GET', `/users/${owen.id}/status`);
    expect(v).toMatchObject({ status: 'busy', busy_until: new Date(end).toISOString(), busy_label: 'In a meeting' });
    expect(v.custom_message).toMatch(/^In a meeting until \d\d:00 UTC\+[12]$/);
  });

  it("the web app's card says the end in New York time, the time isolated for bidi", async () => {
    const page = await ctx.newPage();
    await page.goto(server.baseUrl);
    const card = friendCard(page, 'owen_paris');
    await expect.poll(() => card.getAttribute('data-status'), FIVE_S).toBe('busy');
    const message = card.locator('[data-part=message]');
    await expect.poll(() => message.textContent(), FIVE_S).toMatch(new RegExp(`^“In a meeting until (\\w{3} )?${newYorkTime(end)}”$`));
    expect(await message.locator('bdi').textContent()).toMatch(new RegExp(`${newYorkTime(end)}$`));
    // Its tooltip too, where no <bdi> can be: isolated with FSI … PDI.
    expect(await message.getAttribute('title')).toMatch(new RegExp(`^In a meeting until \u2068(\\w{3} )?${newYorkTime(end)}\u2069$`));
    expect(await message.textContent()).not.toContain('UTC');
    await expectAccessible(page, 'calendar message in the viewer zone');
    await page.close();
  });

  it('the drop-in friend list and status element say it in New York time too', async () => {
    const page = await ctx.newPage();
    const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Host</title></head><body><main><h1>Host</h1>
      <beacon-friend-list></beacon-friend-list>
      <p>Owen: <beacon-status user-id="${owen.id}" show-message></beacon-status></p>
      <script type="module">
        import { connect } from '/sdk/beacon-elements.js';
        connect({ baseUrl: ${JSON.stringify(server.baseUrl)}, token: ${JSON.stringify(nia.token)} });
      </script></main></body></html>`;
    await page.route(`${server.baseUrl}/host.html`, (route) => route.fulfill({ contentType: 'text/html', body: html }));
    await page.goto(`${server.baseUrl}/host.html`);
    const shown = new RegExp(`^“In a meeting until (\\w{3} )?${newYorkTime(end)}”$`);
    const row = page.locator('beacon-friend-list').locator('[part~=message]');
    await expect.poll(() => row.textContent().catch(() => null), FIVE_S).toMatch(shown);
    const status = page.locator('beacon-status').locator('[part~=message]');
    await expect.poll(() => status.textContent().catch(() => null), FIVE_S).toMatch(shown);
    await expectAccessible(page, 'drop-in calendar message');
    await page.close();
  });
});

/** The New York midnight that starts the day of `ms` there (as an instant). */
function newYorkDayStart(ms: number): number {
  const local = new Date(ms - newYorkOffsetHours(ms) * 3_600_000);
  const day = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate());
  return day + newYorkOffsetHours(day + newYorkOffsetHours(ms) * 3_600_000) * 3_600_000;
}

describe("a calendar message's end at the viewer's midnight", () => {
  it('reads "until Tue 9:00 AM" the evening before and "until 9:00 AM" once her day is that day, with nothing else happening: card, status menu, own card, drop-ins', async () => {
    // Nia's own calendar too, for her status menu (her zone: New York).
    await api(server.baseUrl, nia.token, 'PUT', '/users/me/status/schedule', { time_zone: 'America/New_York', rules: [] });
    await api(server.baseUrl, nia.token, 'PUT', '/users/me/calendar', { url: `http://127.0.0.1:${(feed.address() as AddressInfo).port}/cal.ics` });
    // Her device's clock: a minute before the New York midnight that starts the meeting's last day.
    const midnight = newYorkDayStart(end);
    clockCtx = await browser.newContext({ viewport: { width: 1280, height: 800 }, timezoneId: 'America/New_York', locale: 'en-US' });
    await clockCtx.addInitScript((t) => localStorage.setItem('beacon.token', t), nia.token);
    await clockCtx.clock.install({ time: midnight - 60_000 });
    const app = await clockCtx.newPage();
    await app.goto(server.baseUrl);
    // The drop-ins on a host site, signed in on their own (a session has one socket: a newer one would close the app's).
    const login = await api<{ token: string }>(server.baseUrl, null, 'POST', '/auth/login', { username: 'nia_ny', password: 'correct horse battery' });
    hostSite = await startHostSite(hostPort, server.port, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Host</title></head><body><main><h1>Host</h1>
      <beacon-friend-list></beacon-friend-list>
      <p>Owen: <beacon-status user-id="${owen.id}" show-message></beacon-status></p>
      <script type="module">
        import { connect } from '/beacon/sdk/beacon-elements.js';
        connect({ baseUrl: '/beacon', token: ${JSON.stringify(login.token)} });
      </script></main></body></html>`);
    const host = await clockCtx.newPage();
    await host.goto(hostSite.baseUrl);
    const shown = {
      card: () => friendCard(app, 'owen_paris').locator('[data-part=message]').textContent().catch(() => null),
      menu: () => app.locator('beacon-status-menu [data-part=self-message]').textContent().catch(() => null),
      // Her own card (before, it said the owner's text with the zone named: "until 04:00 UTC-5").
      own: () => app.locator('beacon-friend-card[data-self=true] [data-part=message]').textContent().catch(() => null),
      row: () => host.locator('beacon-friend-list').locator('[part~=message]').textContent().catch(() => null),
      status: () => host.locator('beacon-status').locator('[part~=message]').textContent().catch(() => null),
    };
    const time = newYorkTime(end);
    const tomorrow = new RegExp(`^“In a meeting until \\w{3} ${time}”$`);
    const today = new RegExp(`^“In a meeting until ${time}”$`);
    // Live (not polling, where a last known status is drawn again at midnight for its "as of").
    await expect.poll(() => app.locator('beacon-connection-state').getAttribute('data-state'), FIVE_S).toBe('connected');
    await expect.poll(() => host.locator('beacon-friend-list').getAttribute('data-connection'), FIVE_S).toBe('connected');
    for (const read of Object.values(shown)) await expect.poll(read, FIVE_S).toMatch(tomorrow);
    // Just before midnight, then the clock runs on as usual past it.
    await clockCtx.clock.pauseAt(midnight - 2_000);
    for (const read of Object.values(shown)) expect(await read()).toMatch(tomorrow);
    await clockCtx.clock.resume();
    // All four at once: a failure names each that still says the weekday.
    const all = async () => Object.fromEntries(await Promise.all(Object.entries(shown).map(async ([part, read]) => [part, await read()])));
    const todays = Object.fromEntries(Object.keys(shown).map((part) => [part, expect.stringMatching(today)]));
    await expect.poll(all, { timeout: 10_000, interval: 100 }).toEqual(todays);
    expect(await app.locator('beacon-connection-state').getAttribute('data-state')).toBe('connected');
    await expectAccessible(app, 'calendar message after midnight');
  });
});
