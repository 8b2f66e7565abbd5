/**
 * The Schedule page in Chromium: a schedule rule saved through the form makes a friend see
 * the user busy with the rule's message; a calendar feed is connected (errors beside the
 * field); the weekly pattern renders with its summary. axe audits each state, desktop and phone.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './helpers/browser.js';
import { startServer, type ServerHandle } from './helpers/server.js';
import { api, connectedFriend, type ApiUser } from './helpers/api-users.js';
import { openStatusMenu, shot } from './helpers/ui.js';
import { expectAccessible } from './helpers/axe.js';
import { holdAnswer } from './helpers/held-answer.js';

let server: ServerHandle;
let feed: Server;
let feedUrl: string;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;
let sam: { token: string; id: number };
let tia: ApiUser;

beforeAll(async () => {
  feed = createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'text/calendar' }).end('BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//e2e//EN\r\nEND:VCALENDAR\r\n'),
  );
  await new Promise<void>((r) => feed.listen(0, '127.0.0.1', r));
  feedUrl = `http://127.0.0.1:${(feed.address() as AddressInfo).port}/cal.ics`;
  server = await startServer({ BEACON_CALENDAR_ALLOW_LOCAL: 'on' });
  browser = await launchChromium();
  const r = await api<{ token: string; user: { id: number } }>(server.baseUrl, null, 'POST', '/auth/register', {
    username: 'sam', password: 'correct horse battery', display_name: 'Sam Roe',
  });
  sam = { token: r.token, id: r.user.id };
  tia = await connectedFriend(server.baseUrl, 'tia', 'Tia Wu', sam.token);
  ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await ctx.addInitScript((t) => localStorage.setItem('beacon.token', t), sam.token);
  page = await ctx.newPage();
});

afterAll(async () => {
  await ctx?.close();
  await browser?.close();
  await server?.stop();
  feed?.closeAllConnections();
  feed?.close();
});

describe('Schedule page', () => {
  it('saves a rule that holds now; the friend sees busy with its message', async () => {
    await page.goto(`${server.baseUrl}/#/schedule`);
    await page.getByRole('heading', { level: 1, name: 'Schedule' }).waitFor();
    await page.getByText('No rules: your status changes only').waitFor();
    await expectAccessible(page, 'schedule page, empty');
    await page.getByRole('button', { name: 'Add a rule' }).click();
    // Every day, all day but a minute: it holds whenever the test runs.
    for (const day of ['Saturday', 'Sunday']) await page.getByRole('button', { name: day }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Sunday' }).getAttribute('aria-pressed')).toBe('true');
    await page.getByLabel('From', { exact: true }).fill('00:00');
    await page.getByLabel('To', { exact: true }).fill('23:59');
    await page.getByLabel('Message', { exact: true }).fill('Heads down');
    await page.getByRole('button', { name: 'Save schedule' }).click();
    await page.getByText('Saved. It applies right away.').waitFor();
    await expectAccessible(page, 'schedule page, one rule saved');
    const seen = await api<{ status: string; custom_message: string | null }>(server.baseUrl, tia.token, 'GET', `/users/${sam.id}/status`);
    // Sam's tab is open (a live session), so the rule shows to friends at once.
    expect(seen).toMatchObject({ status: 'busy', custom_message: 'Heads down' });
  });

  it('the status menu tells the schedule\u2019s busy from a chosen one: Online stays checked, with why', async () => {
    const own = () => api<{ status: string; manual_status?: string }>(server.baseUrl, sam.token, 'GET', `/users/${sam.id}/status`);
    expect(await own()).toMatchObject({ status: 'busy', manual_status: 'online' });
    let menu = await openStatusMenu(page);
    const radio = (name: string) => menu.getByRole('radio', { name: new RegExp(`^${name}`) });
    expect(await radio('Online').getAttribute('aria-checked')).toBe('true');
    expect(await radio('Busy').getAttribute('aria-checked')).toBe('false');
    const why = menu.locator('[data-part=status-why]');
    expect(await why.textContent()).toContain('because of your status schedule or calendar');
    await expectAccessible(page, 'status menu, busy by schedule');
    // Choosing Away takes over from the schedule; the note goes.
    await radio('Away').click();
    await expect.poll(async () => (await own()).status).toBe('away');
    await expect.poll(() => why.isHidden()).toBe(true);
    expect(await radio('Away').getAttribute('aria-checked')).toBe('true');
    // Back to automatic: the schedule's busy again, and the menu says so (live, without reopening).
    await radio('Online').click();
    await expect.poll(async () => (await own()).status).toBe('busy');
    await expect.poll(() => why.isVisible()).toBe(true);
    expect(await radio('Online').getAttribute('aria-checked')).toBe('true');
    await page.keyboard.press('Escape');
    // A reload (no local memory of a choice) shows the same truth.
    await page.reload();
    // The menu may open before the new socket's hello arrives; it fills in live when it does.
    menu = await openStatusMenu(page);
    await expect.poll(() => menu.locator('[data-part=status-why]').isVisible()).toBe(true);
    expect(await menu.getByRole('radio', { name: /^Online/ }).getAttribute('aria-checked')).toBe('true');
    await page.keyboard.press('Escape');
  });

  it('refuses a calendar address it cannot use, next to the field and out loud, then connects a local feed', async () => {
    const url = page.getByLabel('Private calendar address (iCal)');
    await url.fill('ftp://example.com/cal.ics');
    await page.getByRole('button', { name: 'Connect calendar' }).click();
    await expect.poll(() => url.getAttribute('aria-invalid')).toBe('true');
    await expect.poll(() => page.locator('#calendar-url-error').textContent()).toMatch(/https/);
    await expectAccessible(page, 'calendar error');
    // Enter in the field: focus is already there, so only a live line is heard. It is emptied
    // before each error, so the same error said again (Enter twice) is a change a reader hears.
    const live = await page.locator('#calendar-url-error').evaluate((line) => {
      const texts: string[] = [];
      new MutationObserver(() => texts.push(line.textContent ?? '')).observe(line, { childList: true, characterData: true, subtree: true });
      (window as unknown as { calendarSaid: string[] }).calendarSaid = texts;
      return line.closest('[role=alert]') !== null;
    });
    expect(live).toBe(true);
    const said = () => page.evaluate(() => (window as unknown as { calendarSaid: string[] }).calendarSaid.filter((t, i, all) => t !== all[i - 1]));
    const refused = (await page.locator('#calendar-url-error').textContent()) ?? '';
    await url.press('Enter');
    await expect.poll(said).toEqual(['', refused]);
    await url.fill('');
    await url.press('Enter');
    const empty = ['', refused, '', 'Enter the address of your calendar feed.'];
    await expect.poll(said).toEqual(empty);
    await url.press('Enter');
    await expect.poll(said).toEqual([...empty, '', 'Enter the address of your calendar feed.']);
    expect(await url.evaluate((e) => e === document.activeElement)).toBe(true);
    await url.fill(feedUrl);
    await page.getByRole('button', { name: 'Connect calendar' }).click();
    await page.getByText(/^Connected to http:\/\/127\.0\.0\.1:\d+\./).waitFor();
    await expectAccessible(page, 'calendar connected');
  });

  it('shows the weekly pattern with its summary, at phone width too', async () => {
    await page.getByRole('region', { name: 'Your week, hour by hour' }).waitFor();
    expect(await page.locator('[data-part=summary]').textContent()).toMatch(/history|online/i);
    await shot(page, 'schedule-desktop');
    await page.setViewportSize({ width: 360, height: 740 });
    await expectAccessible(page, 'schedule page');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await shot(page, 'schedule-phone');
  });
});

describe('Schedule page: a rule’s mistakes, named', () => {
  it('takes a message of 100 emoji (128 characters as people see them), and names the rule and field of a cleared time', async () => {
    const una = await api<{ token: string }>(server.baseUrl, null, 'POST', '/auth/register', { username: 'una', password: 'correct horse battery', display_name: 'Una Bell' });
    const unaCtx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      await unaCtx.addInitScript((t) => localStorage.setItem('beacon.token', t), una.token);
      const p = await unaCtx.newPage();
      await p.goto(`${server.baseUrl}/#/schedule`);
      await p.getByRole('button', { name: 'Add a rule' }).click();
      const message = p.locator('#rule-1-message');
      await message.fill('🎮'.repeat(100));
      // All 100 kept (a maxlength of 128 would keep 64: it counts UTF-16 units), and counted as 100.
      expect(await message.inputValue()).toBe('🎮'.repeat(100));
      expect(await p.locator('#rule-1-message-count').textContent()).toBe('100/128 characters');

      const from = p.locator('#rule-1-from');
      await from.fill('');
      await p.getByRole('button', { name: 'Save schedule' }).click();
      const status = p.locator('#schedule-status');
      await expect.poll(() => status.textContent()).toBe('Not saved: Rule 1, From: Enter the time it starts.');
      // Beside the field, and read with it; focus on it.
      expect(await from.getAttribute('aria-invalid')).toBe('true');
      expect(await p.locator('#rule-1-from-error').textContent()).toBe('Enter the time it starts.');
      expect(await from.getAttribute('aria-describedby')).toContain('rule-1-from-error');
      expect(await from.evaluate((e) => e === document.activeElement)).toBe(true);
      await expectAccessible(p, 'schedule rule with a cleared time');
      expect((await api<{ rules: unknown[] }>(server.baseUrl, una.token, 'GET', '/users/me/status/schedule')).rules).toEqual([]);

      // Put right: the error goes, and the rule is saved with its whole message.
      await from.fill('08:00');
      await expect.poll(() => from.getAttribute('aria-invalid')).toBeNull();
      expect(await p.locator('#rule-1-from-error').textContent()).toBe('');
      await p.getByRole('button', { name: 'Save schedule' }).click();
      await expect.poll(() => status.textContent()).toBe('Saved. It applies right away.');
      const saved = await api<{ rules: Array<{ from: string; message: string | null }> }>(server.baseUrl, una.token, 'GET', '/users/me/status/schedule');
      expect(saved.rules).toMatchObject([{ from: '08:00', message: '🎮'.repeat(100) }]);

      // Past 128 characters it says so beside the field as it is typed, and at a save names the rule.
      await message.fill('🎮'.repeat(130));
      await expect.poll(() => message.getAttribute('aria-invalid')).toBe('true');
      expect(await p.locator('#rule-1-message-error').textContent()).toBe('2 characters too many.');
      await p.getByRole('button', { name: 'Save schedule' }).click();
      await expect.poll(() => status.textContent()).toBe('Not saved: Rule 1, Message: 2 characters too many.');
      expect(await message.evaluate((e) => e === document.activeElement)).toBe(true);
    } finally {
      await unaCtx.close();
    }
  });
});

/**
 * The zone Beacon uses for a user (their schedule's `time_zone`: rules, calendar messages, all-day
 * and floating events, the week's hours) is the one saved, UTC for one who never set any. A page in
 * another zone shows that one, and offers the browser's as a suggestion saved only when asked.
 */
describe('Schedule page: the time zone Beacon uses', () => {
  async function newYorkPage(username: string): Promise<{ p: Page; token: string; close: () => Promise<void> }> {
    const { token } = await api<{ token: string }>(server.baseUrl, null, 'POST', '/auth/register', { username, password: 'correct horse battery', display_name: username });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, timezoneId: 'America/New_York', locale: 'en-US' });
    await context.addInitScript((t) => localStorage.setItem('beacon.token', t), token);
    const p = await context.newPage();
    return { p, token, close: () => context.close() };
  }
  const savedSchedule = (token: string) => api<{ time_zone: string; rules: Array<{ from: string }> }>(server.baseUrl, token, 'GET', '/users/me/status/schedule');

  it('shows UTC for a user who never set one, offers the browser’s zone, and saves it only when asked (from the calendar too)', async () => {
    const { p, token, close } = await newYorkPage('nyx');
    try {
      await p.goto(`${server.baseUrl}/#/schedule`);
      const zone = p.locator('#schedule-zone');
      await zone.waitFor();
      expect(await zone.inputValue()).toBe('UTC');
      const scheduleOffer = p.locator('[aria-labelledby=schedule-title] [data-part=zone-offer]');
      await scheduleOffer.getByText('Your browser is in America/New_York; Beacon uses UTC.').waitFor();
      // The calendar says which zone its messages and its all-day and floating events use, before any is connected.
      const calendarZone = p.locator('[data-part=calendar-zone]');
      await expect.poll(() => calendarZone.textContent()).toContain('UTC');
      const calendarOffer = p.locator('[aria-labelledby=calendar-title] [data-part=zone-offer]');
      await calendarOffer.getByRole('button', { name: 'Use America/New_York' }).waitFor();
      await expect.poll(() => p.getByText(/Times in /).textContent()).toContain('Times in UTC.');
      await expectAccessible(p, 'schedule page, browser in another zone');
      // The calendar leads to the field that sets it.
      await p.getByRole('button', { name: 'Change time zone' }).click();
      expect(await zone.evaluate((e) => e === document.activeElement)).toBe(true);
      // Looking saved nothing.
      expect(await savedSchedule(token)).toEqual({ time_zone: 'UTC', rules: [] });

      await calendarOffer.getByRole('button', { name: 'Use America/New_York' }).click();
      await calendarOffer.getByText('Saved: Beacon uses America/New_York now.').waitFor();
      expect(await savedSchedule(token)).toEqual({ time_zone: 'America/New_York', rules: [] });
      // The whole page follows: the zone field, the calendar's line, the week's hours; no offer left.
      expect(await zone.inputValue()).toBe('America/New_York');
      await expect.poll(() => calendarZone.textContent()).toContain('America/New_York');
      await expect.poll(() => p.getByText(/Times in /).textContent()).toContain('Times in America/New_York.');
      expect(await scheduleOffer.getByRole('button').count()).toBe(0);
      expect(await calendarOffer.getByRole('button').count()).toBe(0);
    } finally {
      await close();
    }
  });

  it('keeps the zone saved with no rules (Europe/Paris) when a rule is added from a browser in New York', async () => {
    const { p, token, close } = await newYorkPage('pia_trip');
    try {
      await api(server.baseUrl, token, 'PUT', '/users/me/status/schedule', { time_zone: 'Europe/Paris', rules: [] });
      await p.goto(`${server.baseUrl}/#/schedule`);
      const zone = p.locator('#schedule-zone');
      await zone.waitFor();
      expect(await zone.inputValue()).toBe('Europe/Paris');
      await p.locator('[aria-labelledby=schedule-title] [data-part=zone-offer]').getByText('Your browser is in America/New_York; Beacon uses Europe/Paris.').waitFor();
      await p.getByRole('button', { name: 'Add a rule' }).click();
      await p.getByRole('button', { name: 'Save schedule' }).click();
      await p.getByText('Saved. It applies right away.').waitFor();
      expect(await savedSchedule(token)).toMatchObject({ time_zone: 'Europe/Paris', rules: [{ from: '09:00' }] });

      // Using the browser's zone keeps the saved rules.
      await p.locator('[aria-labelledby=schedule-title] [data-part=zone-offer]').getByRole('button', { name: 'Use America/New_York' }).click();
      await p.getByText('Saved: Beacon uses America/New_York now.').first().waitFor();
      expect(await savedSchedule(token)).toMatchObject({ time_zone: 'America/New_York', rules: [{ from: '09:00' }] });
    } finally {
      await close();
    }
  });
});

describe('Schedule page: rules changed in another tab while this one is open', () => {
  /** One user with a 09:00 rule, and two pages of the Schedule page, both loaded. */
  async function twoPages(username: string): Promise<{ token: string; one: Page; two: Page; close: () => Promise<void> }> {
    const { token } = await api<{ token: string }>(server.baseUrl, null, 'POST', '/auth/register', { username, password: 'correct horse battery', display_name: username });
    const rule = { days: [1, 2, 3, 4, 5], from: '09:00', to: '17:00', status: 'busy', message: null };
    await api(server.baseUrl, token, 'PUT', '/users/me/status/schedule', { time_zone: 'UTC', rules: [rule] });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, timezoneId: 'America/New_York', locale: 'en-US' });
    await context.addInitScript((t) => localStorage.setItem('beacon.token', t), token);
    const pages = [await context.newPage(), await context.newPage()];
    for (const p of pages) {
      await p.goto(`${server.baseUrl}/#/schedule`);
      await p.locator('#rule-1-from').waitFor();
    }
    return { token, one: pages[0]!, two: pages[1]!, close: () => context.close() };
  }
  const savedSchedule = (token: string) => api<{ time_zone: string; rules: Array<{ from: string; message: string | null }> }>(server.baseUrl, token, 'GET', '/users/me/status/schedule');
  /** Page two moves the rule to 10:00 and saves it. */
  async function changeRuleIn(two: Page): Promise<void> {
    await two.locator('#rule-1-from').fill('10:00');
    await two.getByRole('button', { name: 'Save schedule' }).click();
    await two.getByText('Saved. It applies right away.').waitFor();
  }
  const status = (p: Page) => p.locator('#schedule-status');

  it('a save of the zone alone keeps the rule the other tab saved, and shows it', async () => {
    const { token, one, two, close } = await twoPages('zed_tabs');
    try {
      await changeRuleIn(two);
      // Page one still shows 09:00; only its zone is changed.
      await one.locator('#schedule-zone').selectOption('Europe/Paris');
      await one.getByRole('button', { name: 'Save schedule' }).click();
      await expect.poll(() => status(one).textContent()).toMatch(/^Saved\./);
      expect(await savedSchedule(token)).toMatchObject({ time_zone: 'Europe/Paris', rules: [{ from: '10:00' }] });
      expect(await one.locator('#rule-1-from').inputValue()).toBe('10:00');
      expect(await status(one).textContent()).toContain('changed on another tab or device');
    } finally {
      await close();
    }
  });

  it('“Use the browser’s zone” shows the rule the other tab saved, so a later save keeps it', async () => {
    const { token, one, two, close } = await twoPages('yul_tabs');
    try {
      await changeRuleIn(two);
      await one.locator('[aria-labelledby=schedule-title] [data-part=zone-offer]').getByRole('button', { name: 'Use America/New_York' }).click();
      await one.getByText('Saved: Beacon uses America/New_York now.').first().waitFor();
      expect(await savedSchedule(token)).toMatchObject({ time_zone: 'America/New_York', rules: [{ from: '10:00' }] });
      await expect.poll(() => one.locator('#rule-1-from').inputValue()).toBe('10:00');
      expect(await status(one).textContent()).toContain('changed on another tab or device');
      await one.getByRole('button', { name: 'Save schedule' }).click();
      await expect.poll(() => status(one).textContent()).toBe('Saved. It applies right away.');
      expect(await savedSchedule(token)).toMatchObject({ time_zone: 'America/New_York', rules: [{ from: '10:00' }] });
    } finally {
      await close();
    }
  });

  it('Save pressed from the keyboard keeps focus while it saves and after, so the user reads the answer and goes on', async () => {
    const { one, close } = await twoPages('wyn_keys');
    try {
      const save = one.getByRole('button', { name: 'Save schedule' });
      await save.focus();
      await one.keyboard.press('Enter');
      await expect.poll(() => status(one).textContent()).toBe('Saved. It applies right away.');
      expect(await save.evaluate((e) => e === document.activeElement)).toBe(true);
    } finally {
      await close();
    }
  });

  /**
   * Holds page `p`'s first PUT of the schedule (made after its fresh GET) until `meanwhile` has
   * run: another tab's save lands between this page's read and its save.
   */
  async function withSaveHeld(p: Page, meanwhile: () => Promise<void>, press: () => Promise<void>): Promise<void> {
    const save = await holdAnswer(p, '**/api/v1/users/me/status/schedule', { at: 'request' });
    await press();
    await save.reached;
    await meanwhile();
    save.release();
  }

  it('a rule the other tab saves between this page’s read and its save survives, and the user is told (rules changed here too)', async () => {
    const { token, one, two, close } = await twoPages('vic_window');
    try {
      await one.locator('#rule-1-message').fill('Deep work');
      await withSaveHeld(one, () => changeRuleIn(two), () => one.getByRole('button', { name: 'Save schedule' }).click());
      await expect.poll(() => status(one).textContent()).toMatch(/^Not saved: your rules were changed on another tab or device/);
      expect(await savedSchedule(token)).toMatchObject({ rules: [{ from: '10:00', message: null }] });
      expect(await one.locator('#rule-1-message').inputValue()).toBe('Deep work');
    } finally {
      await close();
    }
  });

  it('a rule the other tab saves between this page’s read and its save of the zone alone is kept, shown, and the user told', async () => {
    const { token, one, two, close } = await twoPages('uma_window');
    try {
      await one.locator('#schedule-zone').selectOption('Europe/Paris');
      await withSaveHeld(one, () => changeRuleIn(two), () => one.getByRole('button', { name: 'Save schedule' }).click());
      await expect.poll(() => status(one).textContent()).toMatch(/^Saved\./);
      expect(await savedSchedule(token)).toMatchObject({ time_zone: 'Europe/Paris', rules: [{ from: '10:00' }] });
      expect(await one.locator('#rule-1-from').inputValue()).toBe('10:00');
      expect(await status(one).textContent()).toContain('changed on another tab or device');
    } finally {
      await close();
    }
  });

  it('rules changed in both tabs: the second save says so and saves nothing; saving again replaces them', async () => {
    const { token, one, two, close } = await twoPages('xan_tabs');
    try {
      await changeRuleIn(two);
      await one.locator('#rule-1-message').fill('Deep work');
      await one.getByRole('button', { name: 'Save schedule' }).click();
      await expect.poll(() => status(one).textContent()).toMatch(/^Not saved: your rules were changed on another tab or device/);
      expect(await savedSchedule(token)).toMatchObject({ rules: [{ from: '10:00', message: null }] });
      // What was typed here is still here; a second Save is a choice made knowingly.
      expect(await one.locator('#rule-1-message').inputValue()).toBe('Deep work');
      await one.getByRole('button', { name: 'Save schedule' }).click();
      await expect.poll(() => status(one).textContent()).toBe('Saved. It applies right away.');
      expect(await savedSchedule(token)).toMatchObject({ rules: [{ from: '09:00', message: 'Deep work' }] });
    } finally {
      await close();
    }
  });
});

describe('Schedule page left open', () => {
  it('says when the calendar was last read as of now, and a refresh that failed since, without a reload', async () => {
    await api(server.baseUrl, sam.token, 'PUT', '/users/me/calendar', { url: feedUrl, share_titles: false });
    const p = await ctx.newPage();
    // A page clock the test can move on (the page left open); it runs as usual until then.
    await p.clock.install();
    // Beacon reads the feed every 15 minutes: the answers after the first say it read it again, later, and failed.
    const later = new Date(Date.now() + 15 * 60_000);
    let reads = 0;
    await p.route(/\/api\/v1\/users\/me\/calendar$/, async (route) => {
      const res = await route.fetch();
      const body = (await res.json()) as Record<string, unknown>;
      if (reads++ > 0) Object.assign(body, { refreshed_at: later.toISOString(), error: 'the feed answered 404' });
      await route.fulfill({ response: res, json: body });
    });
    await p.goto(`${server.baseUrl}/#/schedule`);
    const read = p.locator('[data-part=calendar-connected] p').first();
    await expect.poll(() => read.textContent().catch(() => null), { timeout: 10_000 }).toMatch(/Last read /);
    const before = await read.textContent();
    const shown = await p.evaluate((iso) => new Date(iso).toLocaleString(), later.toISOString());
    expect(before).not.toContain(shown);
    await p.clock.fastForward('01:01');
    await expect.poll(() => read.textContent(), { timeout: 5_000 }).toContain(`Last read ${shown}.`);
    const failed = p.locator('[data-part=calendar-connected] [role=alert]');
    expect(await failed.textContent()).toBe('The last refresh failed: the feed answered 404');
    expect(await failed.isVisible()).toBe(true);
    await expectAccessible(p, 'calendar read again');
    await p.close();
  });
});
