/**
 * Issue 11, "the web app as people expect it", proved in Chromium against the real server
 * (and the scripted API where the server has no such data yet): connection truth,
 * invisible shown to self, keyboard status change sending one change, emoji status,
 * live request badge, long names at 320 px, rich presence. axe audits every state.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import type WebSocket from 'ws';
import { launchChromium } from './helpers/browser.js';
import { startServer, type ServerHandle } from './helpers/server.js';
import { api, connectedFriend, registerUser, type ApiUser } from './helpers/api-users.js';
import { fixtureFriends, SELF, useFixtureApi } from './helpers/fixtures.js';
import { connectionState, friendCard, friendsTab, newPage, openStatusMenu, recordLiveLine, refuseStatusChanges, SCREENSHOTS, since } from './helpers/ui.js';
import { audited, expectAccessible } from './helpers/axe.js';
import { keepInterception, unroute } from './helpers/unroute.js';
import type { View } from '../src/protocol/index.js';

/** Short heartbeat so "offline within the heartbeat timeout" is quick; same ratios as default. */
const HEARTBEAT_MS = 4_000;
const FIVE_S = { timeout: 5_000, interval: 50 };
const timings: Record<string, number> = {};

let server: ServerHandle;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;
let ann: { token: string; id: number };
let ben: ApiUser;

async function register(username: string, display_name: string): Promise<{ token: string; id: number }> {
  const r = await api<{ token: string; user: { id: number } }>(server.baseUrl, null, 'POST', '/auth/register', {
    username, password: 'correct horse battery', display_name,
  });
  return { token: r.token, id: r.user.id };
}

/** Frames `socket` receives from now on (a wait only counts what arrives after the action). */
function record(socket: WebSocket): { frames: Array<Record<string, unknown>>; stop(): void } {
  const frames: Array<Record<string, unknown>> = [];
  const fn = (data: WebSocket.RawData): void => {
    const f = JSON.parse(data.toString()) as Record<string, unknown>;
    const list = f.type === 'batch' ? (f.messages as Array<Record<string, unknown>>) : [f];
    frames.push(...list);
  };
  socket.on('message', fn);
  return { frames, stop: () => socket.off('message', fn) };
}

const trigger = (p: Page) => p.locator('beacon-status-menu [data-part=trigger]');

/**
 * Tabs through the main nav's links, forward then back, and lists each one whose focus ring
 * (2 px outline at 2 px offset) the nav clips or one of its scroll cues (fade and chevron) covers,
 * with how many px: [] when all are in full view.
 */
async function navRingsClipped(p: Page): Promise<string[]> {
  const links = p.locator('nav[aria-label=Main] a');
  const count = await links.count();
  await links.first().focus();
  const clipped: string[] = [];
  for (const key of [...Array<string>(count - 1).fill('Tab'), ...Array<string>(count - 1).fill('Shift+Tab')]) {
    await p.keyboard.press(key);
    // The cues follow the scroll a frame later.
    await p.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const seen = await p.evaluate(() => {
      const a = document.activeElement as HTMLElement;
      const nav = a.closest('nav')?.getBoundingClientRect();
      const cue = (side: string) => {
        const c = document.querySelector<HTMLElement>(`[data-part=nav-more-${side}]`);
        return c && c.checkVisibility() ? c.getBoundingClientRect() : null;
      };
      const [start, end] = [cue('start'), cue('end')];
      const n = nav && { left: Math.max(nav.left, start?.right ?? -Infinity), right: Math.min(nav.right, end?.left ?? Infinity), top: nav.top, bottom: nav.bottom };
      const r = a.getBoundingClientRect();
      const RING = 4;
      const px = n ? Math.max(0, n.left - r.left + RING) + Math.max(0, r.right + RING - n.right) + Math.max(0, n.top - r.top + RING) + Math.max(0, r.bottom + RING - n.bottom) : Infinity;
      return { link: a.firstChild?.textContent?.trim() ?? '', px: Math.round(px) };
    });
    if (seen.px > 0) clipped.push(`${seen.link} (${key}): ${seen.px} px`);
  }
  return clipped;
}

beforeAll(async () => {
  server = await startServer({ BEACON_HEARTBEAT_INTERVAL_MS: String(HEARTBEAT_MS) });
  browser = await launchChromium();
  ann = await register('ann', 'Ann Lee');
  ben = await connectedFriend(server.baseUrl, 'ben', 'Ben Ode', ann.token);
  ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await ctx.addInitScript((t) => localStorage.setItem('beacon.token', t), ann.token);
  page = await ctx.newPage();
  await page.goto(`${server.baseUrl}/#/friends`);
  await page.locator('beacon-connection-state[data-state=connected]').waitFor({ timeout: 15_000 });
});

afterAll(async () => {
  ben?.socket?.close();
  await browser?.close();
  await server?.stop();
  mkdirSync(SCREENSHOTS, { recursive: true });
  writeFileSync(join(SCREENSHOTS, 'web-app-timings.json'), `${JSON.stringify({ timings, audited }, null, 2)}\n`);
  console.log('web-app timings (ms):', timings, 'axe-audited states:', audited.length);
});

describe('connection truth', () => {
  it('shows offline within the heartbeat timeout with a stale mark, and is live again ≤ 2 s after the network returns', async () => {
    await expect.poll(() => friendCard(page, 'ben').getAttribute('data-status'), FIVE_S).toBe('online');
    let t = Date.now();
    await ctx.setOffline(true);
    await expect.poll(() => connectionState(page), { timeout: 1.5 * HEARTBEAT_MS, interval: 50 }).toBe('offline');
    timings.offlineShown = since(t);
    const stale = page.locator('beacon-friend-list [data-part=stale]');
    await expect.poll(() => stale.isVisible()).toBe(true);
    expect(await stale.textContent()).toMatch(/Not live: Beacon is unreachable\. Statuses as of \d{1,2}:\d{2}:\d{2}/);
    await expectAccessible(page, 'friends, offline with stale mark');

    await api(server.baseUrl, ben.token, 'PUT', '/users/me/status', { status: 'away' }); // happens while we are cut off
    await page.waitForTimeout(500);
    expect(await friendCard(page, 'ben').getAttribute('data-status')).toBe('online'); // stale, and marked so
    t = Date.now();
    await ctx.setOffline(false);
    await expect.poll(() => connectionState(page), { timeout: 2_000, interval: 25 }).toBe('connected');
    timings.reconnectAfterNetworkBack = since(t);
    await expect.poll(() => friendCard(page, 'ben').getAttribute('data-status'), FIVE_S).toBe('away');
    expect(await stale.isVisible()).toBe(false);
    await api(server.baseUrl, ben.token, 'PUT', '/users/me/status', { status: 'online' });
  });

  it('a cold start that cannot reach Beacon shows one message in the normal frame, with a retry', async () => {
    const p = await ctx.newPage();
    let attempts = 0;
    await p.route(/\/api\/v1\//, (r) => {
      attempts++;
      return r.abort('connectionrefused');
    });
    await p.goto(`${server.baseUrl}/#/friends`);
    const alert = p.getByRole('alert');
    await alert.waitFor({ timeout: 10_000 });
    expect(await alert.textContent()).toContain('Beacon is unreachable');
    expect(await p.getByRole('banner').count()).toBe(1);
    expect(await p.getByRole('main').count()).toBe(1);
    expect(await p.getByRole('heading', { level: 1 }).count()).toBe(1);
    const body = await p.locator('body').innerText();
    for (const noise of ['Polling', 'Connecting', 'Loading']) expect(body).not.toContain(noise);
    const retry = p.getByRole('button', { name: 'Try again' });
    expect(await retry.evaluate((b) => b === document.activeElement)).toBe(true);
    await expectAccessible(p, 'cold start failure');
    // The button tries at once. Still refused here: the app also retries by itself (2 s, 4 s,
    // 8 s… apart), and with Beacon back one of those could win the race with the click and
    // take the button away before it is clicked. Clicked right after one of the app's own
    // tries, so the next is at least 4 s away and the try within 3 s is the button's.
    const seen = attempts;
    await expect.poll(() => attempts, { timeout: 10_000, interval: 20 }).toBeGreaterThan(seen);
    const before = attempts;
    await retry.click();
    await expect.poll(() => attempts, { timeout: 3_000, interval: 20 }).toBeGreaterThan(before);
    await unroute(p, /\/api\/v1\//);
    // Back: the next try (the button while it is there, or the app's own) connects.
    await expect
      .poll(
        async () => {
          if ((await retry.count()) > 0) await retry.click({ timeout: 1_000 }).catch(() => undefined);
          return connectionState(p);
        },
        { timeout: 10_000 },
      )
      .toBe('connected');
    await p.close();
  });
});

describe('your own truth and the status menu', () => {
  it('changes status with the keyboard alone: arrows move, Enter commits, friends get exactly one change', async () => {
    const puts: string[] = [];
    page.on('request', (r) => { if (r.method() === 'PUT' && r.url().endsWith('/users/me/status')) puts.push(r.url()); });
    const seen = record(ben.socket as WebSocket);
    await trigger(page).focus();
    await page.keyboard.press('Enter');
    const radio = (s: string) => page.locator(`beacon-status-menu [role=radio][value=${s}]`);
    await expect.poll(() => radio('online').evaluate((e) => e === document.activeElement)).toBe(true);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    expect(await radio('busy').evaluate((e) => e === document.activeElement)).toBe(true);
    expect(await radio('online').getAttribute('aria-checked')).toBe('true');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowDown');
    await page.waitForTimeout(600);
    expect(puts).toHaveLength(0); // passing over Away and Busy sent nothing
    await expectAccessible(page, 'status menu, keyboard focus on Busy');
    await page.keyboard.press('Enter');
    await expect.poll(() => radio('busy').getAttribute('aria-checked'), FIVE_S).toBe('true');
    await page.waitForTimeout(1_000); // anything extra would have arrived by now
    const changes = seen.frames.filter((f) => f.type === 'friend_status_change' && f.friend_id === ann.id);
    seen.stop();
    expect(puts).toHaveLength(1);
    expect(changes.map((f) => f.status)).toEqual(['busy']);
    await page.keyboard.press('Escape');
    expect(await trigger(page).evaluate((e) => e === document.activeElement)).toBe(true);
    expect(await page.locator('[data-part=self-status]').textContent()).toBe('Busy');
    await openStatusMenu(page);
    await radio('online').click();
    await expect.poll(() => radio('online').getAttribute('aria-checked'), FIVE_S).toBe('true');
    await page.keyboard.press('Escape');
  });

  it('shows "Invisible" in the header, and "Offline" (what friends see) on your card, while you appear offline', async () => {
    const menu = await openStatusMenu(page);
    await menu.getByRole('switch', { name: /Appear offline/ }).check();
    await expect.poll(() => page.locator('[data-part=self-status]').textContent(), FIVE_S).toBe('Invisible');
    await page.keyboard.press('Escape');
    const me = page.locator('beacon-friend-card[data-self=true]');
    await expect.poll(() => me.locator('[data-part=status-label]').textContent(), FIVE_S).toBe('Offline');
    expect(await me.locator('[data-part=audience]').textContent()).toBe('Everyone sees you as offline');
    const benSees = await api<View>(server.baseUrl, ben.token, 'GET', `/users/${ann.id}/status`);
    expect(benSees.status).toBe('offline'); // and that is the truth friends get
    await expectAccessible(page, 'friends page while invisible');
    await (await openStatusMenu(page)).getByRole('switch', { name: /Appear offline/ }).uncheck();
    await expect.poll(() => page.locator('[data-part=self-status]').textContent(), FIVE_S).toBe('Online');
    await page.keyboard.press('Escape');
  });

  it('sets a status with an emoji from the picker, counting characters as people see them', async () => {
    const menu = await openStatusMenu(page);
    const field = menu.getByLabel('Custom message');
    const count = menu.locator('[data-part=message-count]');
    await field.fill('Family night 👨‍👩‍👧‍👦');
    await expect.poll(() => count.textContent()).toBe('14/128 characters');
    // The count is read with the field (aria-describedby), not announced at each key: screen
    // readers hear about the limit only when it is near or passed.
    const said = await liveRecord(menu);
    await field.press('End');
    await page.keyboard.type(' ok', { delay: 20 });
    await expect.poll(() => count.textContent()).toBe('17/128 characters');
    expect(await said()).toEqual([]);
    const limit = menu.locator('[data-part=message-limit]');
    await field.fill('a'.repeat(120));
    await expect.poll(() => limit.textContent()).toBe('8 characters left.');
    await field.fill('👍'.repeat(129));
    await expect.poll(() => field.getAttribute('aria-invalid')).toBe('true');
    expect(await menu.locator('[data-part=message-error]').textContent()).toBe('1 character too many.');
    expect(await said()).toEqual(['8 characters left.', '1 character too many.']);
    // A pasted right-to-left override would reverse what friends see after it: refused before it is sent.
    await field.fill('see you \u202e8pm');
    await expect.poll(() => menu.locator('[data-part=message-error]').textContent()).toContain('text-direction controls');
    const puts: string[] = [];
    const onRequest = (r: { method(): string; url(): string }) => { if (r.method() === 'PUT') puts.push(r.url()); };
    page.on('request', onRequest);
    await menu.getByRole('button', { name: 'Save message' }).click();
    await page.evaluate(() => new Promise((r) => setTimeout(r, 300)));
    page.off('request', onRequest);
    expect(puts).toEqual([]);
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    await field.fill('GG ');
    await menu.getByRole('button', { name: 'Emoji' }).click();
    await menu.getByLabel('Search emoji').fill('fire');
    const fire = menu.getByRole('button', { name: 'fire', exact: true });
    await fire.waitFor({ timeout: 10_000 });
    await expectAccessible(page, 'emoji picker open');
    await fire.click();
    expect(await field.inputValue()).toBe('GG 🔥');
    expect(await field.evaluate((e) => e === document.activeElement)).toBe(true);
    await menu.getByRole('button', { name: 'Save message' }).click();
    await expect.poll(async () => (await api<View>(server.baseUrl, ben.token, 'GET', `/users/${ann.id}/status`)).custom_message, FIVE_S).toBe('GG 🔥');
    await page.keyboard.press('Escape');
  });

  it('says a refused message out loud when Enter is pressed in the field, where focus already is; again at each Enter', async () => {
    const menu = await openStatusMenu(page);
    const field = menu.getByLabel('Custom message');
    await field.fill('see you \u202e8pm');
    // Every live line of the message form, each text it takes in order (an error written twice in
    // one task, which no screen reader hears again, shows as one).
    const live = await menu.locator('beacon-status-message-form form').evaluate((form) => {
      const texts: string[] = [];
      for (const line of form.querySelectorAll('[role=alert]')) {
        new MutationObserver(() => texts.push(line.textContent ?? '')).observe(line, { childList: true, characterData: true, subtree: true });
      }
      (window as unknown as { messageSaid: string[] }).messageSaid = texts;
      return form.querySelectorAll('[role=alert]').length;
    });
    expect(live).toBe(1);
    const said = () => page.evaluate(() => (window as unknown as { messageSaid: string[] }).messageSaid.filter((t, i, all) => t !== all[i - 1]));
    const unsafe = 'Custom message: Messages can\u2019t hold tabs, line breaks or hidden text-direction controls (often pasted along with text). Remove them and save again.';
    await field.press('Enter');
    await expect.poll(said, FIVE_S).toEqual([unsafe]);
    // The same error again is emptied first, so it is a change a reader hears again.
    await field.press('Enter');
    await expect.poll(said, FIVE_S).toEqual([unsafe, '', unsafe]);
    await field.fill('👍'.repeat(129));
    await field.press('Enter');
    const long = 'Custom message: Messages are at most 128 characters; this one has 129.';
    await expect.poll(said, FIVE_S).toEqual([unsafe, '', unsafe, '', long]);
    // Tied to the field, and focus never left it.
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    expect(await field.getAttribute('aria-describedby')).toContain('beacon-message-error');
    expect(await menu.locator('#beacon-message-error').textContent()).toBe('Messages are at most 128 characters; this one has 129.');
    expect(await field.evaluate((e) => e === document.activeElement)).toBe(true);
    await expectAccessible(page, 'status message refused by Enter');
    // A message that is fine empties the line as it is saved.
    await field.fill('Back at 8');
    await field.press('Enter');
    await expect.poll(async () => (await api<View>(server.baseUrl, ben.token, 'GET', `/users/${ann.id}/status`)).custom_message, FIVE_S).toBe('Back at 8');
    expect((await said()).at(-1)).toBe('');
    expect(await field.getAttribute('aria-invalid')).toBeNull();
    await page.keyboard.press('Escape');
  });

  it('saves a message of only characters that draw nothing (zero-width, Braille blank) as no message, like a blank one', async () => {
    await api(server.baseUrl, ann.token, 'PUT', '/users/me/status', { status: 'online', custom_message: 'Before' });
    const seen = () => api<View>(server.baseUrl, ben.token, 'GET', `/users/${ann.id}/status`);
    const menu = await openStatusMenu(page);
    const field = menu.getByLabel('Custom message');
    await expect.poll(() => field.inputValue(), FIVE_S).toBe('Before');
    await field.fill('\u200b\u2800\u200b');
    await menu.getByRole('button', { name: 'Save message' }).click();
    // Friends would otherwise see an empty pair of quotes on the card.
    await expect.poll(async () => (await seen()).custom_message, FIVE_S).toBeNull();
    await page.keyboard.press('Escape');
  });

  it('says a refused quick activity out loud once per press, not again when the chips re-render or the menu opens again', async () => {
    const menu = await openStatusMenu(page);
    const chip = (name: string) => menu.locator('beacon-status-message-form').getByRole('button', { name, exact: true });
    // Ann's activity is Browsing, set here, before the error line is watched.
    await chip('Browsing').click();
    await expect.poll(() => chip('Browsing').getAttribute('aria-pressed'), FIVE_S).toBe('true');
    // The activity error line: live, and each text it takes in order (one written twice in one
    // task, which no screen reader hears again, shows as one).
    const line = menu.locator('[data-part=activity-error]');
    expect(await line.getAttribute('role')).toBe('alert');
    await line.evaluate((el) => {
      const texts: string[] = [];
      new MutationObserver(() => texts.push(el.textContent ?? '')).observe(el, { childList: true, characterData: true, subtree: true });
      (window as unknown as { activitySaid: string[] }).activitySaid = texts;
    });
    const said = () => page.evaluate(() => (window as unknown as { activitySaid: string[] }).activitySaid.filter((t, i, all) => t !== all[i - 1]));
    // The server refuses the next two presses (Ann in a match: her activity follows the game).
    const refused = { status: 409, contentType: 'application/json', body: JSON.stringify({ code: 'CONFLICT', message: 'In a match' }) };
    await keepInterception(page); // the route below removes itself (helpers/unroute.ts)
    await page.route('**/api/v1/users/me/activity', (r) => r.fulfill(refused), { times: 2 });
    const inMatch = 'You are in a match; your activity follows the game.';
    await chip('Chatting').click();
    await expect.poll(said, FIVE_S).toEqual([inMatch]);
    // Pressed again: the same error is emptied first, so it is a change a reader hears again.
    await chip('Chatting').click();
    await expect.poll(said, FIVE_S).toEqual([inMatch, '', inMatch]);
    expect(await chip('Chatting').getAttribute('aria-pressed')).toBe('false');
    await expectAccessible(page, 'quick activity refused');
    // The chips re-render at each view of Ann's own (another device sets her activity): the line is not written again.
    await api(server.baseUrl, ann.token, 'POST', '/users/me/activity', { activity: 'managing_profile' });
    await expect.poll(() => chip('Managing profile').getAttribute('aria-pressed'), FIVE_S).toBe('true');
    await page.waitForTimeout(300); // a write would have happened by now (announce: 100 ms)
    expect(await said()).toEqual([inMatch, '', inMatch]);
    // Closed and opened again: the old error goes, rather than show (and be read) as new.
    await page.keyboard.press('Escape');
    await openStatusMenu(page);
    await page.waitForTimeout(300);
    expect(await said()).toEqual([inMatch, '', inMatch, '']);
    // A press that goes through says nothing and marks its chip.
    await chip('Chatting').click();
    await expect.poll(() => chip('Chatting').getAttribute('aria-pressed'), FIVE_S).toBe('true');
    expect(await said()).toEqual([inMatch, '', inMatch, '']);
    await chip('Browsing').click();
    await expect.poll(() => chip('Browsing').getAttribute('aria-pressed'), FIVE_S).toBe('true');
    await page.keyboard.press('Escape');
  });

  it('says a refused status change out loud at each press, and not again when the menu opens again', async () => {
    const menu = await openStatusMenu(page);
    const radio = (s: string) => menu.locator(`[role=radio][value=${s}]`);
    await expect.poll(() => radio('online').getAttribute('aria-checked'), FIVE_S).toBe('true');
    // The menu's error line (status and "Appear offline"): live, and each text it takes in
    // order with when (one written twice in one task, which no screen reader hears again, shows as one).
    const line = menu.locator('[role=alert][id^=beacon-status-panel-][id$=-error]');
    // Tied to what it is about: the status choices and the "Appear offline" switch.
    const lineId = (await line.getAttribute('id'))!;
    expect((await menu.locator('[role=radiogroup]').getAttribute('aria-describedby'))?.split(' ')).toContain(lineId);
    expect(await menu.locator('[role=switch]').getAttribute('aria-describedby')).toBe(lineId);
    const { log, said } = await recordLiveLine(line);
    // The server refuses the next two status changes.
    await refuseStatusChanges(page, 2);
    const tooMany = 'Too many attempts. Wait a moment and try again.';
    await radio('away').click();
    await expect.poll(said, FIVE_S).toEqual([tooMany]);
    expect(await radio('away').getAttribute('aria-checked')).toBe('false');
    // Pressed again: the same error is emptied first, long enough for the empty line to reach
    // assistive technology (lib/form-errors.ts, 100 ms), so it is a change a reader hears again.
    await radio('away').click();
    await expect.poll(said, FIVE_S).toEqual([tooMany, '', tooMany]);
    const [, emptied, again] = await log();
    expect(again!.at - emptied!.at).toBeGreaterThanOrEqual(90);
    await expectAccessible(page, 'status change refused');
    // Closed and opened again: the old error goes, rather than show (and be read) as new.
    await page.keyboard.press('Escape');
    await openStatusMenu(page);
    await expect.poll(said, FIVE_S).toEqual([tooMany, '', tooMany, '']);
    // A press that goes through says nothing and marks its status.
    await radio('away').click();
    await expect.poll(() => radio('away').getAttribute('aria-checked'), FIVE_S).toBe('true');
    await page.waitForTimeout(300); // a write would have happened by now (announce: 100 ms)
    expect(await said()).toEqual([tooMany, '', tooMany, '']);
    await unroute(page, '**/api/v1/users/me/status');
    await radio('online').click();
    await expect.poll(() => radio('online').getAttribute('aria-checked'), FIVE_S).toBe('true');
    await page.keyboard.press('Escape');
  });

  it('empties the message form’s alert when the menu opens again, so an old refusal is not read as new', async () => {
    let menu = await openStatusMenu(page);
    const field = menu.getByLabel('Custom message');
    const alert = menu.locator('[data-part=message-form-alert]');
    await alert.evaluate((el) => {
      const texts: string[] = [];
      new MutationObserver(() => texts.push(el.textContent ?? '')).observe(el, { childList: true, characterData: true, subtree: true });
      (window as unknown as { alertSaid: string[] }).alertSaid = texts;
    });
    const said = () => page.evaluate(() => (window as unknown as { alertSaid: string[] }).alertSaid.filter((t, i, all) => t !== all[i - 1]));
    await field.fill('👍'.repeat(129));
    await field.press('Enter');
    const long = 'Custom message: Messages are at most 128 characters; this one has 129.';
    await expect.poll(said, FIVE_S).toEqual([long]);
    // Closed unsaved and opened again: the field shows the saved message again, and the alert
    // about the text that was never saved goes with its error.
    await page.keyboard.press('Escape');
    menu = await openStatusMenu(page);
    await expect.poll(said, FIVE_S).toEqual([long, '']);
    expect(await alert.textContent()).toBe('');
    expect(await field.getAttribute('aria-invalid')).toBeNull();
    await expectAccessible(page, 'status menu opened again after a refused message');
    await page.keyboard.press('Escape');
  });

  it('drops a refused "Clear after" error when the menu opens again, with the choice it was about', async () => {
    let menu = await openStatusMenu(page);
    // The server refuses the time as past (the menu stayed open past it, say).
    await page.route('**/api/v1/users/me/status', (r) =>
      r.request().method() === 'PUT'
        ? r.fulfill({ status: 400, contentType: 'application/json', body: JSON.stringify({ code: 'VALIDATION_ERROR', message: 'expires_at must be in the future' }) })
        : r.fallback(),
    );
    await menu.getByLabel('Custom message').fill('Back soon');
    await menu.getByLabel('Clear after').selectOption('30m');
    await menu.getByRole('button', { name: 'Save message' }).click();
    const error = menu.locator('[data-part=clear-after-error]');
    await expect.poll(() => error.textContent(), FIVE_S).toMatch(/already passed/);
    expect(await menu.getByLabel('Clear after').getAttribute('aria-invalid')).toBe('true');
    await unroute(page, '**/api/v1/users/me/status');
    // Closed unsaved and opened again: the choice is reset to what is in force, and its error goes.
    await page.keyboard.press('Escape');
    await expect.poll(() => trigger(page).getAttribute('aria-expanded')).toBe('false');
    menu = await openStatusMenu(page);
    expect(await error.textContent()).toBe('');
    expect(await menu.getByLabel('Clear after').getAttribute('aria-invalid')).toBeNull();
    await page.keyboard.press('Escape');
  });

  it("shows when a message clears when the menu opens again, and saving it again keeps that time", async () => {
    const own = () => api<View>(server.baseUrl, ann.token, 'GET', `/users/${ann.id}/status`);
    let menu = await openStatusMenu(page);
    await menu.getByLabel('Custom message').fill('Quick match, then dinner');
    await menu.getByLabel('Clear after').selectOption('30m');
    await menu.getByRole('button', { name: 'Save message' }).click();
    await expect.poll(async () => (await own()).custom_message_expires_at ?? null, FIVE_S).not.toBeNull();
    const expires = (await own()).custom_message_expires_at!;

    // Closed and reopened, the menu says when the message clears, not "Don't clear".
    await page.keyboard.press('Escape');
    await expect.poll(() => trigger(page).getAttribute('aria-expanded')).toBe('false');
    menu = await openStatusMenu(page);
    const clearAfter = menu.getByLabel('Clear after');
    // "at 00:06" today, "Sun 00:06" when the 30 minutes end after midnight (a run at 23:36 did);
    // the time isolated for bidi (FSI … PDI: an option's text holds no <bdi>).
    const when = await page.evaluate((at) => {
      const date = new Date(at);
      const time = date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
      return date.toDateString() === new Date().toDateString() ? `at \u2068${time}\u2069` : `\u2068${date.toLocaleDateString([], { weekday: 'short' })} ${time}\u2069`;
    }, expires);
    await expect.poll(() => clearAfter.evaluate((s: HTMLSelectElement) => s.selectedOptions[0]?.textContent ?? '')).toBe(`Keep current (clears ${when})`);
    // A new text saved with it keeps the time.
    await menu.getByLabel('Custom message').fill('Quick match, then pizza');
    await menu.getByRole('button', { name: 'Save message' }).click();
    await expect.poll(async () => (await own()).custom_message, FIVE_S).toBe('Quick match, then pizza');
    expect((await own()).custom_message_expires_at).toBe(expires);
    // Friends never see when it clears.
    expect(await api<View>(server.baseUrl, ben.token, 'GET', `/users/${ann.id}/status`)).not.toHaveProperty('custom_message_expires_at');
    // Saving kept the keyboard focus on Save, so Escape still closes the menu and returns focus to its button.
    expect(await page.evaluate(() => (document.activeElement as HTMLElement | null)?.textContent)).toBe('Save message');
    await page.keyboard.press('Escape');
    await expect.poll(() => trigger(page).getAttribute('aria-expanded')).toBe('false');
    expect(await trigger(page).evaluate((t) => t === document.activeElement)).toBe(true);
  });

  it('follows a message changed on another device while the menu is open, but never over what the user typed', async () => {
    const own = () => api<View>(server.baseUrl, ann.token, 'GET', `/users/${ann.id}/status`);
    const elsewhere = (custom_message: string, expires_at: string | null) =>
      api(server.baseUrl, ann.token, 'PUT', '/users/me/status', { status: 'online', custom_message, expires_at });
    const menu = await openStatusMenu(page);
    const field = menu.getByLabel('Custom message');
    const clearAfter = menu.getByLabel('Clear after');
    // The phone sets a message that clears in an hour: the open menu shows it, and when it clears.
    const at = new Date(Date.now() + 3_600_000).toISOString();
    await elsewhere('From my phone', at);
    await expect.poll(() => field.inputValue(), FIVE_S).toBe('From my phone');
    await expect.poll(() => clearAfter.inputValue(), FIVE_S).toBe('keep');
    // The phone's message without an end: "Don't clear". Save sends that text, not the one shown at opening.
    await elsewhere('Still from my phone', null);
    await expect.poll(() => field.inputValue(), FIVE_S).toBe('Still from my phone');
    await expect.poll(() => clearAfter.inputValue(), FIVE_S).toBe('never');
    await clearAfter.selectOption('1h');
    await menu.getByRole('button', { name: 'Save message' }).click();
    await expect.poll(async () => (await own()).custom_message_expires_at ?? null, FIVE_S).not.toBeNull();
    expect((await own()).custom_message).toBe('Still from my phone');
    // Typed here: another device's change leaves the user's words and their choice alone.
    await field.fill('My own words');
    await clearAfter.selectOption('30m');
    await elsewhere('From my tablet', null);
    await page.locator('[data-part=self-message]').filter({ hasText: 'From my tablet' }).waitFor(FIVE_S);
    expect(await field.inputValue()).toBe('My own words');
    expect(await clearAfter.inputValue()).toBe('30m');
    await page.keyboard.press('Escape');
  });
});

describe('forms', () => {
  it('logs in with the username as the app writes it, @ and all, up to a 20-character one', async () => {
    const long = await register('twenty_chars_name_xx', 'Twenty Chars');
    for (const [typed, shown] of [['@ann', '@ann'], ['@twenty_chars_name_xx', '@twenty_chars_name_xx']] as const) {
      const p = await newPage(browser, { viewport: { width: 1280, height: 800 } });
      await p.goto(`${server.baseUrl}/#/login`);
      await p.getByLabel('Username').pressSequentially(typed);
      await p.getByLabel('Password').fill('correct horse battery');
      await p.getByRole('button', { name: 'Log in' }).click();
      await p.locator('beacon-connection-state[data-state=connected]').waitFor({ timeout: 5_000 });
      expect(await p.locator('header').innerText()).toContain(shown);
      await p.close();
    }
    expect(long.id).toBeGreaterThan(0);
  });

  it('puts sign-up errors next to their fields, marks them invalid and focuses the first', async () => {
    const p = await newPage(browser, { viewport: { width: 360, height: 740 }, isMobile: true, hasTouch: true });
    await p.goto(`${server.baseUrl}/#/signup`);
    await p.getByLabel('Username').fill('ab');
    await p.getByLabel('Password').fill('short');
    await p.getByRole('button', { name: 'Create account' }).click();
    const username = p.getByLabel('Username');
    const password = p.getByLabel('Password');
    await expect.poll(() => username.getAttribute('aria-invalid')).toBe('true');
    expect(await password.getAttribute('aria-invalid')).toBe('true');
    expect(await username.evaluate((e) => e === document.activeElement)).toBe(true);
    const described = async (field: typeof username) => {
      const ids = (await field.getAttribute('aria-describedby'))?.split(' ') ?? [];
      return p.evaluate((list) => list.map((id) => document.getElementById(id)?.textContent ?? '').join(' '), ids);
    };
    expect(await described(username)).toContain('Usernames are 3 to 20 letters');
    expect(await described(password)).toContain('Passwords are 8 to 128 characters');
    await expectAccessible(p, 'sign-up errors');
    await username.fill('ben'); // taken: the server's answer lands on the username field too
    await password.fill('correct horse battery');
    await p.getByRole('button', { name: 'Create account' }).click();
    await expect.poll(() => described(username)).toContain('That username is taken');
    expect(await password.getAttribute('aria-invalid')).toBeNull();
    expect(await username.evaluate((e) => e === document.activeElement)).toBe(true);
    // A look-alike of a taken name (capital I for the l of "len_x") is refused for looking like it,
    // and says so: "taken" would send the person looking for an account that does not exist.
    await registerUser(server.baseUrl, 'len_x', 'Len X');
    await username.fill('Ien_x');
    await p.getByRole('button', { name: 'Create account' }).click();
    await expect.poll(() => described(username)).toContain('looks too much like a username already taken');
    await p.close();
  });

  it("says the errors in the form's alert line when Enter is pressed in the bad field, where focus cannot move to announce them", async () => {
    const p = await newPage(browser, { viewport: { width: 1280, height: 800 } });
    const alert = p.locator('form [role=alert]');
    const focused = () => p.evaluate(() => document.activeElement?.id);
    await p.goto(`${server.baseUrl}/#/signup`);
    await p.getByLabel('Password').fill('correct horse battery');
    await p.getByLabel('Username').fill('ab');
    await p.getByLabel('Username').press('Enter');
    await expect.poll(() => alert.textContent(), FIVE_S).toBe('Username: Usernames are 3 to 20 letters, digits or underscores.');
    expect(await focused()).toBe('auth-username');
    // The server's refusal (a most common password), in its words.
    await p.getByLabel('Username').fill('new_name');
    await p.getByLabel('Password').fill('password123');
    await p.getByLabel('Password').press('Enter');
    await expect.poll(() => alert.textContent(), FIVE_S).toBe('Password: This password is one of the most common ones and easy to guess; choose another.');
    expect(await focused()).toBe('auth-password');
    expect(await p.getByLabel('Password').getAttribute('aria-invalid')).toBe('true');
    await p.goto(`${server.baseUrl}/#/login`);
    await p.getByLabel('Username').fill('someone');
    await p.getByLabel('Password').press('Enter');
    await expect.poll(() => alert.textContent(), FIVE_S).toBe('Password: Enter your password.');
    expect(await focused()).toBe('auth-password');
    await p.close();
  });
});

describe('friend requests, live', () => {
  it('shows the request badge and the Pending tab live over the socket, without polling', async () => {
    await friendsTab(page, 'All');
    const reads: string[] = [];
    page.on('request', (r) => { if (r.method() === 'GET' && r.url().includes('/api/v1/')) reads.push(r.url()); });
    const cara = await register('cara', 'Cara Diaz');
    const t = Date.now();
    const sent = await api<{ request: { id: number } }>(server.baseUrl, cara.token, 'POST', '/users/me/friends/requests', { user_id: ann.id });
    const badge = page.locator('[data-part=request-badge]');
    await expect.poll(() => badge.isVisible(), FIVE_S).toBe(true);
    timings.requestBadgeLive = since(t);
    expect(await badge.textContent()).toBe('1 pending request');
    expect(await page.getByRole('tab', { name: /^Pending/ }).textContent()).toBe('Pending1');
    expect(reads.filter((u) => u.includes('/friends/requests'))).toEqual([]); // pushed, not polled
    await expectAccessible(page, 'friends with a live request badge');
    await api(server.baseUrl, cara.token, 'POST', `/users/me/friends/requests/${sent.request.id}/decline`);
    await expect.poll(() => badge.isVisible(), FIVE_S).toBe(false);
    await page.waitForTimeout(HEARTBEAT_MS * 2); // a quiet socket: the app reads nothing at all
    expect(reads).toEqual([]);
  });
});

describe('rich presence from the game server', () => {
  async function gameEvent(body: Record<string, unknown>): Promise<void> {
    const res = await fetch(`${server.baseUrl}/api/v1/games/events`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Service-Token': 'e2e-service-token-0123456789' },
      body: JSON.stringify(body),
    });
    expect(res.status, await res.text()).toBeLessThan(300);
  }

  it('shows opponent, score and mode live, with the time since the match started', async () => {
    await friendsTab(page, 'All');
    const card = friendCard(page, 'ben');
    await gameEvent({ event: 'match_started', match_id: 'm-42', player_ids: [ben.id], details: { opponent: 'bob', score: '0–0', mode: 'Ranked' } });
    await expect.poll(() => card.locator('[data-part=activity]').textContent().catch(() => null), FIVE_S).toBe('Playing Pong vs bob');
    expect(await card.locator('[data-part=activity-detail]').allTextContents()).toEqual(['0–0', 'Ranked']);
    expect(await card.locator('[data-part=elapsed]').textContent()).toBe('just started');
    const t = Date.now();
    await gameEvent({ event: 'match_updated', match_id: 'm-42', player_ids: [ben.id], details: { score: '3–2' } });
    await expect.poll(() => card.locator('[data-part=activity-detail]').allTextContents(), FIVE_S).toEqual(['3–2', 'Ranked']);
    timings.scoreUpdateSeen = since(t);
    await expectAccessible(page, 'friend in a match with rich presence');
    await gameEvent({ event: 'match_ended', match_id: 'm-42', player_ids: [ben.id] });
    await expect.poll(() => card.getAttribute('data-status'), FIVE_S).toBe('online');
    expect(await card.locator('[data-part=activity-detail]').count()).toBe(0);
  });
});

describe('layout and rich presence (scripted API)', () => {
  const long = 'W'.repeat(60);
  // Read at each call: a constant taken when the file loads drifted past 12.5 min on a busy machine.
  const friends = (now = Date.now()): View[] => [
    { ...fixtureFriends()[0]!, user_id: 20, username: 'longname', display_name: long, custom_message: 'x'.repeat(60) },
    {
      ...fixtureFriends()[2]!,
      activity_details: { opponent: 'bob', score: '3–2', mode: 'Ranked' },
      activity_since: new Date(now - 12 * 60_000 - 5_000).toISOString(),
    },
    ...fixtureFriends().slice(3),
  ];

  it('wraps a 60-character unbroken name at 320 px without sideways scrolling, in a compact header', async () => {
    const p = await newPage(browser, { viewport: { width: 320, height: 640 }, isMobile: true, hasTouch: true });
    await useFixtureApi(p, friends(), { ...SELF, display_name: long, custom_message: 'y'.repeat(60) });
    await p.goto(`${server.baseUrl}/#/friends`);
    await friendCard(p, 'longname').waitFor({ timeout: 15_000 });
    expect(await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    expect(await friendCard(p, 'longname').locator('[data-part=name]').getAttribute('title')).toBe(long);
    const header = await p.getByRole('banner').boundingBox();
    timings.phoneHeaderHeight320 = Math.round(header?.height ?? 0);
    expect(header?.height ?? 999).toBeLessThanOrEqual(100);
    const heights = await p.locator('header button, header a').evaluateAll((els) => els.map((e) => [e.textContent?.trim(), e.getBoundingClientRect().height]));
    for (const [text, hgt] of heights) expect(hgt, `${String(text)} wraps`).toBeLessThanOrEqual(44);
    await expectAccessible(p, 'friends with long names at 320 px');
    await p.locator('beacon-status-menu [data-part=trigger]').click();
    expect(await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    await p.keyboard.press('Escape');
    // The nav row scrolls sideways here: each link the keyboard reaches is brought into view,
    // focus ring and all (Play was left showing 2 px, and the row clipped every ring).
    expect(await navRingsClipped(p)).toEqual([]);
    await p.close();

    const d = await newPage(browser, { viewport: { width: 1280, height: 800 } });
    await useFixtureApi(d, friends(), { ...SELF, display_name: long, custom_message: 'y'.repeat(60) });
    await d.goto(`${server.baseUrl}/#/friends`);
    const me = d.locator('beacon-friend-card[data-self=true]');
    await me.waitFor({ timeout: 15_000 });
    const [card, column] = await Promise.all([me.boundingBox(), d.locator('aside').boundingBox()]);
    expect((card?.x ?? 0) + (card?.width ?? 0)).toBeLessThanOrEqual((column?.x ?? 0) + (column?.width ?? 0) + 0.5);
    expect(await d.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    expect(await navRingsClipped(d)).toEqual([]);
    await d.close();
  });

  it('shows at 320 px that the nav row scrolls: a fade and a chevron on each side where links are hidden, and none at an end', async () => {
    const p = await newPage(browser, { viewport: { width: 320, height: 640 }, isMobile: true, hasTouch: true });
    await useFixtureApi(p, friends());
    await p.goto(`${server.baseUrl}/#/friends`);
    const nav = p.getByRole('navigation', { name: 'Main' });
    await friendCard(p, 'longname').waitFor({ timeout: 15_000 });
    /** Which sides of the row hide links (the truth the cues must show). */
    const hides = () => nav.evaluate((n) => ({ start: n.scrollLeft > 1, end: n.scrollWidth - n.clientWidth - n.scrollLeft > 1 }));
    const start = p.locator('[data-part=nav-more-start]');
    const end = p.locator('[data-part=nav-more-end]');
    const shown = async () => ({ start: await start.isVisible(), end: await end.isVisible() });
    expect(await hides()).toEqual({ start: false, end: true });
    await expect.poll(shown, FIVE_S).toEqual({ start: false, end: true });
    // Not colour alone: a chevron, at the row's right edge, over the hidden links' side.
    expect((await end.innerText()).trim()).toBe('›');
    const [navBox, endBox] = [await nav.boundingBox(), await end.boundingBox()];
    expect(Math.abs((endBox!.x + endBox!.width) - (navBox!.x + navBox!.width))).toBeLessThanOrEqual(1);
    expect(await end.getAttribute('aria-hidden')).toBe('true');
    await expectAccessible(p, 'nav scroll cue at 320 px');
    // Scrolled to the end: nothing more to the right, links hidden to the left.
    await nav.evaluate((n) => n.scrollTo({ left: n.scrollWidth, behavior: 'instant' }));
    await expect.poll(shown, FIVE_S).toEqual({ start: true, end: false });
    expect(await hides()).toEqual({ start: true, end: false });
    expect((await start.innerText()).trim()).toBe('‹');
    // Halfway: both.
    await nav.evaluate((n) => n.scrollTo({ left: (n.scrollWidth - n.clientWidth) / 2, behavior: 'instant' }));
    await expect.poll(shown, FIVE_S).toEqual({ start: true, end: true });
    await nav.evaluate((n) => n.scrollTo({ left: 0, behavior: 'instant' }));
    await expect.poll(shown, FIVE_S).toEqual({ start: false, end: true });
    // Wide enough for every link (a resize, no scroll): no cue.
    await p.setViewportSize({ width: 1280, height: 640 });
    await expect.poll(shown, FIVE_S).toEqual({ start: false, end: false });
    await p.setViewportSize({ width: 320, height: 640 });
    await expect.poll(shown, FIVE_S).toEqual({ start: false, end: true });
    // The keyboard still sees each link whole, ring and all, beside the cues.
    expect(await navRingsClipped(p)).toEqual([]);
    await p.close();
  });

  it('shows the game details and the time since the activity started', async () => {
    const p = await newPage(browser, { viewport: { width: 1280, height: 800 } });
    await useFixtureApi(p, friends());
    await p.goto(`${server.baseUrl}/#/friends`);
    const hugo = friendCard(p, 'hugo');
    await hugo.waitFor({ timeout: 15_000 });
    expect(await hugo.locator('[data-part=activity]').textContent()).toBe('Playing Pong vs bob');
    expect(await hugo.locator('[data-part=activity-detail]').allTextContents()).toEqual(['3–2', 'Ranked']);
    expect(await hugo.locator('[data-part=elapsed]').textContent()).toBe('12 min');
    expect(await hugo.locator('[data-part=status]').innerText()).toMatch(/In game\s*·\s*Playing Pong vs bob\s*·\s*3–2\s*·\s*Ranked\s*·\s*12 min/);
    await expectAccessible(p, 'rich presence');
    await p.close();
  });

  it('a tab brought back from the background shows the running time and "last seen" of now at once', async () => {
    const p = await newPage(browser, { viewport: { width: 1280, height: 800 } });
    // A page clock the test can stop and move on; it runs as usual until then.
    await p.clock.install();
    await useFixtureApi(p, friends());
    await p.goto(`${server.baseUrl}/#/friends`);
    const elapsed = friendCard(p, 'hugo').locator('[data-part=elapsed]');
    const seen = friendCard(p, 'lena').locator('[data-part=last-seen]');
    await expect.poll(() => elapsed.textContent().catch(() => null), FIVE_S).toBe('12 min');
    expect(await seen.textContent()).toBe('last seen 5 minutes ago');
    // The tab goes to the background for 30 minutes, where the browser throttles its timers
    // (here: none fires at all), then comes back.
    const visibility = (state: 'hidden' | 'visible'): Promise<void> =>
      p.evaluate((s) => {
        Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => s });
        document.dispatchEvent(new Event('visibilitychange'));
      }, state);
    const at = await p.evaluate(() => Date.now());
    await p.clock.pauseAt(at + 1_000);
    await visibility('hidden');
    await p.clock.setSystemTime(at + 1_000 + 30 * 60_000);
    await visibility('visible');
    // Both at once, with no timer run: one refresh for every time on the page.
    expect(await elapsed.textContent()).toBe('42 min');
    expect(await seen.textContent()).toBe('last seen 35 minutes ago');
    await p.close();
  });
});

describe('a device clock that is wrong', () => {
  /** Ann's page on a device whose clock reads `skewMin` minutes off (Date shifted before the app loads). */
  async function annWithClockOff(skewMin: number): Promise<Page> {
    const p = await newPage(browser, { viewport: { width: 1280, height: 800 } });
    await p.context().addInitScript((token) => localStorage.setItem('beacon.token', token), ann.token);
    await p.context().addInitScript(`(() => { const Real = Date, off = ${skewMin * 60_000};
      globalThis.Date = class extends Real {
        constructor(...a) { if (a.length === 0) super(Real.now() + off); else super(...a); }
        static now() { return Real.now() + off; }
      }; })();`);
    await p.goto(`${server.baseUrl}/#/friends`);
    await p.locator('beacon-connection-state[data-state=connected]').waitFor({ timeout: 15_000 });
    return p;
  }

  it('"Clear after 30 minutes" clears 30 real minutes later with the device 45 minutes slow', async () => {
    const p = await annWithClockOff(-45);
    const menu = await openStatusMenu(p);
    await menu.getByLabel('Custom message').fill('Back in half an hour');
    await menu.getByLabel('Clear after').selectOption('30m');
    await menu.getByRole('button', { name: 'Save message' }).click();
    const own = () => api<View>(server.baseUrl, ann.token, 'GET', `/users/${ann.id}/status`);
    await expect.poll(async () => (await own()).custom_message, FIVE_S).toBe('Back in half an hour');
    const v = await own();
    const minutes = (Date.parse(v.custom_message_expires_at!) - Date.parse(v.timestamp)) / 60_000;
    expect(minutes).toBeGreaterThan(29);
    expect(minutes).toBeLessThanOrEqual(30);
    expect(await menu.locator('[data-part=message-error]').textContent()).toBe('');
    await p.close();
  });

  it('a friend who just left reads "last seen just now", and a started activity "just started", with the device 60 minutes fast', async () => {
    const dee = await connectedFriend(server.baseUrl, 'dee', 'Dee Park', ann.token);
    await api(server.baseUrl, dee.token, 'POST', '/users/me/activity', { activity: 'chatting' });
    const p = await annWithClockOff(60);
    const card = friendCard(p, 'dee');
    await expect.poll(() => card.locator('[data-part=elapsed]').textContent().catch(() => null), FIVE_S).toBe('just started');
    dee.socket!.close();
    await expect.poll(() => card.getAttribute('data-status'), FIVE_S).toBe('offline');
    expect(await card.locator('[data-part=last-seen]').textContent()).toBe('last seen just now');
    await p.close();
  });

  it('dates an activity’s "since" tooltip by the server’s day, with the device a day behind', async () => {
    const eve = await connectedFriend(server.baseUrl, 'eve', 'Eve Ng', ann.token);
    await api(server.baseUrl, eve.token, 'POST', '/users/me/activity', { activity: 'chatting' });
    const p = await annWithClockOff(-24 * 60);
    const elapsed = friendCard(p, 'eve').locator('[data-part=elapsed]');
    await expect.poll(() => elapsed.textContent().catch(() => null), FIVE_S).toBe('just started');
    // Begun today by the server's clock, where the device says yesterday: the time alone (to
    // the minute, as friends get it, in the browser's locale: "13:10" or "01:10 PM"), no date.
    expect(await elapsed.getAttribute('title')).toMatch(/^since \u2068\d{2}:\d{2}( [AP]M)?\u2069$/);
    eve.socket!.close();
    await p.close();
  });
});

/** Records what the live regions inside `scope` are given from now on (their non-empty texts). */
async function liveRecord(scope: Locator): Promise<() => Promise<string[]>> {
  const key = `said${Math.random().toString(36).slice(2)}`;
  await scope.evaluate((root, k) => {
    const said: string[] = [];
    (window as unknown as Record<string, string[]>)[k] = said;
    for (const r of root.querySelectorAll('[aria-live]:not([aria-live=off]), [role=status], [role=alert]')) {
      new MutationObserver(() => {
        const t = r.textContent?.trim();
        if (t) said.push(t);
      }).observe(r, { childList: true, characterData: true, subtree: true });
    }
  }, key);
  return () => scope.page().evaluate((k) => (window as unknown as Record<string, string[]>)[k] ?? [], key);
}
