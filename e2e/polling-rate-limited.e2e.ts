/**
 * A page that polls because its WebSocket is refused (a proxy that blocks WebSockets), for a user
 * with 5,000 friends, against Beacon's real rate limits: a read of that list costs 50 of the
 * 60-unit friend-poll budget refilled at 10 a second, so Beacon lets it read about once every
 * 5 s and answers the SDK's 3 s polls in between `429` with `Retry-After`. Beacon answered: the
 * page must keep saying "Polling" (its statuses as of the last answer), never "Offline — Beacon
 * is unreachable", and must wait out the `Retry-After` instead of polling again 3 s later
 * (docs/protocol.md: "the SDK's polling tab waits out the Retry-After"). It said "Offline" after
 * every refused poll, then "Reconnecting…" with a socket tried at once, then "Polling" again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './helpers/browser.js';
import { startServer, type ServerHandle } from './helpers/server.js';
import { seedFriends, type SeededFriends } from './helpers/seed-friends.js';
import { connectionState, newPage } from './helpers/ui.js';

const FRIENDS = 5_000;

let seed: SeededFriends;
let server: ServerHandle;
let browser: Browser;

beforeAll(async () => {
  seed = await seedFriends('many', FRIENDS);
  // The product's rate limits (the other e2e files turn them off).
  [server, browser] = await Promise.all([startServer({ ...seed.env, BEACON_RATE_LIMITS: 'on' }), launchChromium()]);
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  seed?.remove();
});

/** One answer to a poll of the friend list: when (ms since the first), and its status. */
interface Poll {
  at: number;
  status: number;
  retryAfter: string | null;
}

describe('polling a friend list of 5,000 under the friend-poll budget', () => {
  it('keeps saying "Polling" when Beacon answers 429, and waits out its Retry-After before polling again', async () => {
    const page: Page = await newPage(browser, { viewport: { width: 1280, height: 800 } });
    await page.addInitScript((token) => localStorage.setItem('beacon.token', token), seed.user.token);
    await page.routeWebSocket(/\/ws\/status/, (ws) => ws.close());
    // Every state the connection indicator shows, in order.
    await page.addInitScript(() => {
      const w = window as unknown as { shown: string[] };
      w.shown = [];
      new MutationObserver(() => {
        const state = document.querySelector('beacon-connection-state')?.getAttribute('data-state');
        if (state && w.shown.at(-1) !== state) w.shown.push(state);
      }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-state'] });
    });
    const polls: Poll[] = [];
    let first = 0;
    page.on('response', (res) => {
      if (!new URL(res.url()).pathname.endsWith('/users/me/friends/status')) return;
      const now = Date.now();
      first ||= now;
      polls.push({ at: now - first, status: res.status(), retryAfter: res.headers()['retry-after'] ?? null });
    });

    await page.goto(`${server.baseUrl}/#/friends`);
    await expect.poll(() => connectionState(page), { timeout: 30_000, interval: 100 }).toBe('polling');
    const shownFrom = await page.evaluate(() => (window as unknown as { shown: string[] }).shown.length);
    // A few refusals: the first comes with the second poll (60 - 50 + 3 s × 10 < 50).
    await expect.poll(() => polls.filter((p) => p.status === 429).length, { timeout: 30_000, interval: 200 }).toBeGreaterThanOrEqual(2);
    await expect.poll(() => polls.length, { timeout: 30_000, interval: 200 }).toBeGreaterThanOrEqual(6);
    const shown = await page.evaluate((from) => (window as unknown as { shown: string[] }).shown.slice(from - 1), shownFrom);
    console.log('polls', JSON.stringify(polls), 'shown', JSON.stringify(shown));

    // Beacon answered every poll: never "Offline" (unreachable), nor back to "Reconnecting…".
    expect(shown).toEqual(['polling']);
    // After each refusal, the next poll waited at least its Retry-After (1 s granularity: 50 ms of slack for the clocks).
    for (let i = 0; i + 1 < polls.length; i++) {
      const refused = polls[i]!;
      if (refused.status !== 429) continue;
      expect(refused.retryAfter).not.toBeNull();
      expect(polls[i + 1]!.at - refused.at).toBeGreaterThanOrEqual(Number(refused.retryAfter) * 1_000 - 50);
    }
    // And the page reads the list as often as the budget lets it: most polls answered.
    expect(polls.filter((p) => p.status === 200).length).toBeGreaterThanOrEqual(polls.filter((p) => p.status === 429).length);
    await page.close();
  });
});
