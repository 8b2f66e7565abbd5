/**
 * "You, as friends see you" in real Chromium: the own card shows what a plain friend
 * receives from the server (nothing their privacy settings hide, "Offline" while appearing
 * offline), and says it may be out of date once the connection is lost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { launchChromium } from './helpers/browser.js';
import { startServer, type ServerHandle } from './helpers/server.js';
import { api, connectedFriend, type ApiUser } from './helpers/api-users.js';
import type { View } from '../src/protocol/index.js';
import { expectAccessible } from './helpers/axe.js';

const FIVE_S = { timeout: 5_000, interval: 50 };

let server: ServerHandle;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;
let me: Locator;
let ann: { token: string; id: number };
let ben: ApiUser;

// One read, no wait: counting and then reading the text let a part removed in between (the
// message hidden) stall textContent() for Playwright's 30 s default before the poll's next try.
const part = (name: string) => async (): Promise<string | null> => (await me.locator(`[data-part=${name}]`).allTextContents())[0] ?? null;
const benSees = (): Promise<View> => api<View>(server.baseUrl, ben.token, 'GET', `/users/${ann.id}/status`);

beforeAll(async () => {
  server = await startServer();
  browser = await launchChromium();
  const r = await api<{ token: string; user: { id: number } }>(server.baseUrl, null, 'POST', '/auth/register', {
    username: 'ann_own', password: 'correct horse battery', display_name: 'Ann Own',
  });
  ann = { token: r.token, id: r.user.id };
  ben = await connectedFriend(server.baseUrl, 'ben_own', 'Ben Own', ann.token);
  ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await ctx.addInitScript((t) => localStorage.setItem('beacon.token', t), ann.token);
  page = await ctx.newPage();
  await page.goto(`${server.baseUrl}/#/friends`);
  await page.locator('beacon-connection-state[data-state=connected]').waitFor({ timeout: 15_000 });
  me = page.locator('beacon-friend-card[data-self=true]');
  await me.waitFor({ timeout: 5_000 });
});

afterAll(async () => {
  ben?.socket?.close();
  await ctx?.close();
  await browser?.close();
  await server?.stop();
});

describe('your own card', () => {
  it('shows no message or activity that friends cannot see', async () => {
    await api(server.baseUrl, ann.token, 'PUT', '/users/me/status', { status: 'busy', custom_message: 'secret msg' });
    await expect.poll(part('message'), FIVE_S).toBe('“secret msg”');
    expect(await part('activity')()).not.toBeNull(); // friends see it so far
    await api(server.baseUrl, ann.token, 'PUT', '/users/me/status/settings', { custom_message_visibility: 'nobody', activity_visibility: 'nobody' });
    await expect.poll(part('message'), FIVE_S).toBeNull();
    expect(await part('status-label')()).toBe('Busy — Do Not Disturb');
    expect(await part('activity')()).toBeNull();
    const ben = await benSees();
    expect([ben.status, ben.activity, ben.custom_message]).toEqual(['busy', null, null]); // what friends really get
  });

  it('shows "Offline" and nothing else while you appear offline, as friends see you', async () => {
    await api(server.baseUrl, ann.token, 'PUT', '/users/me/status/settings', { custom_message_visibility: 'friends', activity_visibility: 'friends' });
    await expect.poll(part('message'), FIVE_S).toBe('“secret msg”');
    await api(server.baseUrl, ann.token, 'PUT', '/users/me/status/settings', { status_visibility: 'hidden' });
    await expect.poll(part('status-label'), FIVE_S).toBe('Offline');
    expect(await part('activity')()).toBeNull();
    expect(await part('message')()).toBeNull();
    expect(await part('audience')()).toBe('Everyone sees you as offline');
    expect((await benSees()).status).toBe('offline');
    await api(server.baseUrl, ann.token, 'PUT', '/users/me/status/settings', { status_visibility: 'friends' });
    await expect.poll(part('status-label'), FIVE_S).toBe('Busy — Do Not Disturb');
  });

  it('says it may be out of date once the connection is lost, and not once it is back', async () => {
    expect(await part('own-stale')()).toBeNull();
    await ctx.setOffline(true);
    await expect.poll(part('own-stale'), FIVE_S).toMatch(/^⚠ Not live: (reconnecting|Beacon is unreachable)\. Friends may already see you as offline\. As of /);
    // Screen readers are told once, not by three regions at the same moment: the header's
    // connection state is the one live region about it, and says what it means for you.
    await expect.poll(liveAboutConnection, FIVE_S).toEqual([
      expect.stringMatching(/^Connection: (Reconnecting…|Offline\.) .*Friends may already see you as offline\.$/),
    ]);
    // The note is read where it is, not hidden from screen readers.
    expect(await me.locator('[data-part=own-stale]').getAttribute('aria-hidden')).toBeNull();
    await ctx.setOffline(false);
    await page.locator('beacon-connection-state[data-state=connected]').waitFor({ timeout: 20_000 });
    await expect.poll(part('own-stale'), FIVE_S).toBeNull();
    expect(await liveAboutConnection()).toEqual([]);
  });

  it('says when your activity began in words ("since 14:02"), seen and read, not in a tooltip only', async () => {
    await api(server.baseUrl, ann.token, 'POST', '/users/me/activity', { activity: 'chatting' });
    // As a friend sees it: to the minute.
    await expect.poll(async () => (await benSees()).activity, FIVE_S).toBe('chatting');
    const began = (await benSees()).activity_since!;
    const time = await page.evaluate((iso) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }), began);
    await expect.poll(part('since'), FIVE_S).toBe(`since ${time}`);
    const since = me.locator('[data-part=since]');
    expect(await since.isVisible()).toBe(true);
    expect(await since.getAttribute('title')).toBeNull();
    // Beside the activity and how long it has run, the time isolated for bidi.
    expect(await me.locator('[data-part=status]').innerText()).toMatch(new RegExp(`·\\s*(just started|\\d+ min)\\s*·\\s*since ${time}$`));
    expect(await since.locator('bdi').textContent()).toBe(time);
    // In what assistive technology reads of the card.
    expect(await me.ariaSnapshot()).toContain(`since ${time}`);
    await expectAccessible(page, 'own card with the activity start');
  });
});

/** The text (as read: without aria-hidden parts) of every live region on the page that speaks of the connection being lost. */
function liveAboutConnection(): Promise<string[]> {
  return page.evaluate(() => {
    const live = '[aria-live]:not([aria-live=off]), [role=status], [role=alert], [role=log]';
    const read = (el: Element): string => {
      const copy = el.cloneNode(true) as Element;
      copy.querySelectorAll('[aria-hidden=true]').forEach((x) => x.remove());
      return (copy.textContent ?? '').replace(/\s+/g, ' ').trim();
    };
    return [...document.querySelectorAll(live)]
      .filter((el) => !(el as HTMLElement).hidden && el.getClientRects().length + (el.classList.contains('sr-only') ? 1 : 0) > 0)
      .map(read)
      .filter((text) => /not live|reconnecting|offline|unreachable/i.test(text));
  });
}
