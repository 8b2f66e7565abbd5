/**
 * Beacon restarts while two friends have their pages open, in real Chromium against the compiled
 * server: a clean stop (SIGTERM: sockets closed with 1001, the stop recorded) and a crash (kill -9:
 * nothing closed, nothing recorded). Meanwhile one of them (Ben) closes his tab. Amy's page must
 * say it is not live while Beacon is away, be live again without a reload, and show Ben as he is
 * afterwards: offline, not the "online" it last heard (no ghost of someone who left meanwhile);
 * and when both stay, each page shows the other online again. Beacon's timings and the app's are
 * the product's defaults.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './helpers/browser.js';
import { startServer, type ServerHandle } from './helpers/server.js';
import { befriendOverApi, registerUser } from './helpers/api-users.js';
import { connectionState, friendCard, signedInContext } from './helpers/ui.js';

let server: ServerHandle;
let browser: Browser;
let amy: { token: string; id: number };
let ben: { token: string; id: number };

beforeAll(async () => {
  // The product's offline grace (10 s; the e2e default is 1 s): a restart is shorter than it, so a
  // clean stop's users are resumed in their grace (restart-grace.ts), as in a deploy.
  [server, browser] = await Promise.all([startServer({ BEACON_OFFLINE_GRACE_MS: '10000' }), launchChromium()]);
  amy = await registerUser(server.baseUrl, 'amy', 'Amy Stone');
  ben = await registerUser(server.baseUrl, 'ben', 'Ben Ward');
  await befriendOverApi(server.baseUrl, amy, ben);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/**
 * `token`'s friends page, live, recording every connection state it shows in `window.shown`
 * and every status it shows for `friend` in `window.friendShown`.
 */
async function friendsPage(token: string, friend: string): Promise<{ ctx: BrowserContext; page: Page }> {
  const ctx = await signedInContext(browser, token);
  await ctx.addInitScript((friend) => {
    const w = window as unknown as { shown: string[]; friendShown: string[] };
    w.shown = [];
    w.friendShown = [];
    new MutationObserver(() => {
      const state = document.querySelector('beacon-connection-state')?.getAttribute('data-state');
      if (state && w.shown.at(-1) !== state) w.shown.push(state);
      const status = document.querySelector(`beacon-friend-card[data-username="${friend}"]`)?.getAttribute('data-status');
      if (status && w.friendShown.at(-1) !== status) w.friendShown.push(status);
    }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state', 'data-status'] });
  }, friend);
  const page = await ctx.newPage();
  await page.goto(`${server.baseUrl}/#/friends`);
  await expect.poll(() => connectionState(page), { timeout: 10_000 }).toBe('connected');
  return { ctx, page };
}

const shownSince = (page: Page, from: number): Promise<string[]> => page.evaluate((n) => (window as unknown as { shown: string[] }).shown.slice(n), from);
const shownCount = (page: Page): Promise<number> => page.evaluate(() => (window as unknown as { shown: string[] }).shown.length);
const statusOf = (page: Page, username: string) => () => friendCard(page, username).getAttribute('data-status');

describe.each([
  ['a clean stop (SIGTERM)', false],
  ['a crash (kill -9)', true],
] as const)('Beacon restarting after %s', (_, crash) => {
  it('shows a friend who closed the tab meanwhile offline, not online, once live again', async () => {
    const a = await friendsPage(amy.token, 'ben');
    const b = await friendsPage(ben.token, 'amy');
    await expect.poll(statusOf(a.page, 'ben'), { timeout: 5_000 }).toBe('online');
    const from = await shownCount(a.page);
    await server.restart({ crash, between: () => b.ctx.close() });
    await expect.poll(() => connectionState(a.page), { timeout: 20_000, interval: 100 }).toBe('connected');
    // Ben left while Beacon was away: offline on Amy's page (after a crash at once, after a clean
    // stop when the grace that began at the stop ends).
    await expect.poll(statusOf(a.page, 'ben'), { timeout: 15_000, interval: 100 }).toBe('offline');
    const shown = await shownSince(a.page, from);
    expect(shown[0]).toBe('reconnecting');
    expect(shown.at(-1)).toBe('connected');
    expect(shown).not.toContain('polling');
    await a.ctx.close();
  });

  it(`both pages live again, each showing the other online${crash ? '' : ', never offline meanwhile'}`, async () => {
    const a = await friendsPage(amy.token, 'ben');
    const b = await friendsPage(ben.token, 'amy');
    await expect.poll(statusOf(a.page, 'ben'), { timeout: 5_000 }).toBe('online');
    await expect.poll(statusOf(b.page, 'amy'), { timeout: 5_000 }).toBe('online');
    const seen = (page: Page) => page.evaluate(() => (window as unknown as { friendShown: string[] }).friendShown.join(' '));
    const before = { amy: await seen(a.page), ben: await seen(b.page) };
    await server.restart({ crash });
    for (const [page, friend] of [[a.page, 'ben'], [b.page, 'amy']] as const) {
      await expect.poll(() => connectionState(page), { timeout: 20_000, interval: 100 }).toBe('connected');
      await expect.poll(statusOf(page, friend), { timeout: 10_000, interval: 100 }).toBe('online');
    }
    // A clean stop is a blip within the grace: friends never see each other go offline and come
    // back (a crash resets everyone offline at the start, docs/protocol.md: that flap is allowed).
    if (!crash) expect({ amy: await seen(a.page), ben: await seen(b.page) }).toEqual(before);
    await a.ctx.close();
    await b.ctx.close();
  });
});
