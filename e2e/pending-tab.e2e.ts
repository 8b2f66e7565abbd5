/**
 * The Pending tab in Chromium.
 *
 * Names in its rows use the row's width: a 20-character @username stays on one line in the
 * search results and in the lists of requests, on a desktop and on a phone.
 *
 * Asking again after a decline. The server refuses a new request to the same user
 * for 24 h after a decline (429 RATE_LIMITED with Retry-After, docs/protocol.md). The Pending
 * tab says until when, in the user's locale and time zone (here German, in India), not "wait a
 * moment"; and the person's row says so instead of an "Add friend" button that would fail the
 * same way until then.
 *
 * Search results while friends change. The results are no live region and are not rebuilt when
 * a friend merely changes status: keyboard focus stays on a result's button, and nothing is
 * re-announced; what a search found is said once, as a count, in a region of its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page, Route } from 'playwright-core';
import { launchChromium } from './helpers/browser.js';
import { startServer, type ServerHandle } from './helpers/server.js';
import { api, connectedFriend, registerUser, type ApiUser } from './helpers/api-users.js';
import { expectAccessible } from './helpers/axe.js';
import { friendsTab, newPage } from './helpers/ui.js';

const FIVE_S = { timeout: 5_000, interval: 50 };
const DAY = 24 * 3_600_000;
const LOCALE = 'de-DE';
const TIME_ZONE = 'Asia/Kolkata';
const LONG_IN = 'wide_username_0003in';
const LONG_OUT = 'wide_username_0003jo';

let server: ServerHandle;
let browser: Browser;
let page: Page;
let declinedAt: { from: number; to: number };
let fay: ApiUser;
let uma: { token: string; id: number };

beforeAll(async () => {
  server = await startServer();
  browser = await launchChromium();
  uma = await registerUser(server.baseUrl, 'uma_again', 'Uma');
  const vic = await registerUser(server.baseUrl, 'vic_again', 'Vic');
  // Long usernames, one asking Uma (incoming), one Uma asked (sent).
  const wide = await registerUser(server.baseUrl, LONG_IN, 'Wide In');
  await api(server.baseUrl, wide.token, 'POST', '/users/me/friends/requests', { user_id: uma.id });
  const wideOut = await registerUser(server.baseUrl, LONG_OUT, 'Wide Out');
  await api(server.baseUrl, uma.token, 'POST', '/users/me/friends/requests', { user_id: wideOut.id });
  const sent = await api<{ request: { id: number } }>(server.baseUrl, uma.token, 'POST', '/users/me/friends/requests', { user_id: vic.id });
  const from = Date.now();
  await api(server.baseUrl, vic.token, 'POST', `/users/me/friends/requests/${sent.request.id}/decline`);
  declinedAt = { from, to: Date.now() };
  // A friend of Uma's, online, and a stranger to find.
  fay = await connectedFriend(server.baseUrl, 'fay_pending', 'Fay', uma.token);
  await registerUser(server.baseUrl, 'zed_stranger', 'Zed');
  page = await newPage(browser, { viewport: { width: 1280, height: 800 }, locale: LOCALE, timezoneId: TIME_ZONE });
  await page.context().addInitScript((t) => localStorage.setItem('beacon.token', t), uma.token);
  await page.goto(`${server.baseUrl}/#/friends`);
  await page.locator('beacon-connection-state[data-state=connected]').waitFor({ timeout: 15_000 });
  await friendsTab(page, 'Pending');
});

afterAll(async () => {
  fay?.socket?.close();
  await page?.close();
  await browser?.close();
  await server?.stop();
});

/** The minutes asking again may be shown as (24 h after the decline, rounded up), as the user reads them. */
function possibleTimes(): string[] {
  const minute = 60_000;
  const out = new Set<string>();
  // Retry-After is whole seconds, rounded up: up to a second past the decline's 24 h.
  for (let t = Math.ceil((declinedAt.from + DAY) / minute) * minute; t <= Math.ceil((declinedAt.to + DAY + 1_000) / minute) * minute; t += minute) {
    out.add(new Date(t).toLocaleString(LOCALE, { timeZone: TIME_ZONE, weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' }));
  }
  return [...out];
}

describe('asking again within 24 h of a decline', () => {
  it('says from when asking again can succeed, in the user’s locale and time, and offers no button that would fail', async () => {
    await page.getByLabel('Search by username').fill('vic_again');
    const add = page.getByRole('button', { name: 'Add friend Vic (@vic_again)', exact: true });
    await add.click();
    const notice = page.locator('[data-part=notice]');
    await expect.poll(() => notice.textContent(), FIVE_S).toMatch(/^Not done: That request cannot be sent yet\. You can ask again from .+\.$/);
    const said = (await notice.textContent())!.replace(/^.* from (.+)\.$/, '$1');
    expect(possibleTimes()).toContain(said);
    expect(await notice.textContent()).not.toContain('Wait a moment');

    const row = page.locator('li[data-username="vic_again"]');
    await expect.poll(() => row.textContent(), FIVE_S).toContain(`You can ask again from ${said}`);
    expect(await add.count()).toBe(0);
    // Focus did not fall to the page with the button gone.
    expect(await page.evaluate(() => document.activeElement?.tagName)).not.toBe('BODY');
    await expectAccessible(page, 'pending tab, asking again refused until a time');
  });
});

/** How many lines the text of `@username` in `row` takes (one rect per line). */
function linesOf(row: Locator, username: string): Promise<number> {
  return row.getByText(`@${username}`, { exact: true }).evaluate((el) => {
    const range = document.createRange();
    range.selectNodeContents(el);
    return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
  });
}

describe('names in the Pending tab’s rows', () => {
  it('keep a 20-character @username on one line, in search results and in both lists, on a desktop and on a phone', async () => {
    await page.getByLabel('Search by username').fill('wide_username_');
    await page.locator(`[data-part=incoming] li[data-username="${LONG_IN}"]`).waitFor(FIVE_S);
    await page.locator(`[data-part=outgoing] li[data-username="${LONG_OUT}"]`).waitFor(FIVE_S);
    // Two found, one asking, one asked.
    await expect.poll(() => page.locator('li[data-username]').count(), FIVE_S).toBe(4);
    for (const viewport of [{ width: 1280, height: 800 }, { width: 360, height: 740 }]) {
      await page.setViewportSize(viewport);
      for (const row of await page.locator('li[data-username]').all()) {
        const username = (await row.getAttribute('data-username'))!;
        expect(await linesOf(row, username), `@${username} at ${viewport.width} px`).toBe(1);
      }
    }
    await page.setViewportSize({ width: 1280, height: 800 });
  });
});

describe('searching as names are written in the app', () => {
  it('finds a player typed as @username, the way every row writes it, up to a 20-character one', async () => {
    const search = page.getByLabel('Search by username');
    const count = page.locator('[data-part=search-count]');
    await search.fill('@zed_str');
    await page.getByRole('button', { name: 'Add friend Zed (@zed_stranger)', exact: true }).waitFor(FIVE_S);
    expect(await count.textContent()).toBe('1 player found');
    await search.fill('');
    await search.pressSequentially(`@${LONG_IN}`);
    await page.locator(`[data-part=search-results] li[data-username="${LONG_IN}"]`).waitFor(FIVE_S);
    expect(await search.inputValue()).toBe(`@${LONG_IN}`);
  });

  it('says a text no username can start with is no username, rather than that nobody has it', async () => {
    const search = page.getByLabel('Search by username');
    await search.fill('zoé');
    const results = page.locator('[data-part=search-results]');
    await expect.poll(() => results.textContent(), FIVE_S).toBe('Usernames have only letters (A–Z), digits and underscores.');
    await search.fill('');
  });
});

describe('search results while a friend changes status', () => {
  it('keep keyboard focus on a result’s button, are not re-announced, and say once per search how many were found', async () => {
    const search = page.getByLabel('Search by username');
    const count = page.locator('[data-part=search-count]');
    await search.fill('zed_stranger');
    const add = page.getByRole('button', { name: 'Add friend Zed (@zed_stranger)', exact: true });
    await add.waitFor(FIVE_S);
    await add.focus();
    // Everything the page's live regions are given from now on.
    await page.evaluate(() => {
      const w = window as unknown as { said: string[] };
      w.said = [];
      for (const r of document.querySelectorAll('[aria-live]:not([aria-live=off]), [role=status], [role=alert]')) {
        new MutationObserver(() => w.said.push(r.textContent ?? '')).observe(r, { childList: true, characterData: true, subtree: true });
      }
    });
    const said = (): Promise<string[]> => page.evaluate(() => (window as unknown as { said: string[] }).said);

    // Fay appears offline: the Online tab's count follows, in the same event as the Pending tab.
    const online = page.locator('[data-part=count-online]');
    expect(await online.textContent()).toBe('1');
    await api(server.baseUrl, fay.token, 'PUT', '/users/me/status/settings', { status_visibility: 'hidden' });
    await expect.poll(() => online.textContent(), FIVE_S).toBe('0');
    expect(await add.evaluate((el) => el === document.activeElement), 'focus stays on the result’s button').toBe(true);
    expect(await said()).toEqual([]);
    expect(await page.locator('[data-part=search-results]').evaluate((el) => el.closest('[aria-live]'))).toBeNull();

    // What a search found is said once, as a count: a new search says it again.
    expect(await count.textContent()).toBe('1 player found');
    await search.fill('wide_username_');
    await expect.poll(() => count.textContent(), FIVE_S).toBe('2 players found');
    await search.fill('nobody_has_this');
    await expect.poll(() => count.textContent(), FIVE_S).toBe('No players found');
    expect((await said()).filter((t) => /found/.test(t))).toEqual(['2 players found', 'No players found']);
    await api(server.baseUrl, fay.token, 'PUT', '/users/me/status/settings', { status_visibility: 'friends' });
  });
});

describe('a request on a slow network', () => {
  /** Holds the page's friend-request POSTs until `release()`; `sent` lists them. */
  async function slowRequests(): Promise<{ sent: string[]; release: () => Promise<void> }> {
    const sent: string[] = [];
    let open: () => void = () => undefined;
    const released = new Promise<void>((r) => (open = r));
    const handler = async (route: Route): Promise<void> => {
      if (route.request().method() !== 'POST') return route.fallback();
      // Counted after the release too: a second request then is one too many as well.
      sent.push(new URL(route.request().url()).pathname);
      await released;
      await route.fallback();
    };
    await page.route('**/api/v1/users/me/friends/requests**', handler);
    return {
      sent,
      // The route stays, passing everything on: removing it while the requests held go on could
      // turn the page's interception off under them, and they never leave (helpers/held-answer.ts).
      release: async () => open(),
    };
  }

  it('sends Accept once however often it is pressed (Decline of the same request too), and says it worked', async () => {
    const bo = await registerUser(server.baseUrl, 'bo_twice', 'Bo');
    await api(server.baseUrl, bo.token, 'POST', '/users/me/friends/requests', { user_id: uma.id });
    const accept = page.getByRole('button', { name: 'Accept Bo (@bo_twice)', exact: true });
    await accept.waitFor(FIVE_S);
    const slow = await slowRequests();
    await accept.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => slow.sent.length, FIVE_S).toBe(1);
    expect(await accept.getAttribute('aria-disabled')).toBe('true');
    // A friend's status change rebuilds the list meanwhile: the new buttons are busy too.
    const first = await accept.elementHandle();
    await api(server.baseUrl, fay.token, 'PUT', '/users/me/status', { status: 'busy' });
    await expect.poll(() => first!.evaluate((el) => el.isConnected), FIVE_S).toBe(false);
    expect(await accept.getAttribute('aria-disabled')).toBe('true');
    await accept.focus();
    await page.keyboard.press('Enter'); // nothing seemed to happen: the user presses again
    await page.getByRole('button', { name: 'Decline Bo (@bo_twice)', exact: true }).click({ force: true }); // or thinks better of it
    await page.waitForTimeout(300);
    expect(slow.sent).toHaveLength(1);
    await slow.release();
    const notice = page.locator('[data-part=notice]');
    await expect.poll(() => notice.textContent(), FIVE_S).toBe('You and Bo (@bo_twice) are now friends.');
    await page.waitForTimeout(500); // a second request's answer would have come by now
    expect(await notice.textContent()).toBe('You and Bo (@bo_twice) are now friends.');
    expect(slow.sent).toHaveLength(1);
    await api(server.baseUrl, fay.token, 'PUT', '/users/me/status', { status: 'online' });
  });

  it('sends Add friend once however often it is pressed, and says it was sent', async () => {
    await registerUser(server.baseUrl, 'cy_twice', 'Cy');
    await page.getByLabel('Search by username').fill('cy_twice');
    const add = page.getByRole('button', { name: 'Add friend Cy (@cy_twice)', exact: true });
    await add.waitFor(FIVE_S);
    const slow = await slowRequests();
    await add.click();
    await expect.poll(() => slow.sent.length, FIVE_S).toBe(1);
    expect(await add.getAttribute('aria-disabled')).toBe('true');
    await add.click({ force: true });
    await page.waitForTimeout(300);
    expect(slow.sent).toHaveLength(1);
    await slow.release();
    const notice = page.locator('[data-part=notice]');
    await expect.poll(() => notice.textContent(), FIVE_S).toBe('Friend request sent to Cy (@cy_twice).');
    await page.waitForTimeout(500);
    expect(await notice.textContent()).toBe('Friend request sent to Cy (@cy_twice).');
    expect(slow.sent).toHaveLength(1);
  });
});
