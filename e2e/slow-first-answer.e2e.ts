/**
 * A first answer slow to come, in Chromium: the socket opens and is signed in, but Beacon takes
 * longer than the friend list's 10 s to send the friends (a busy server). The list said "Could
 * not load your friends yet: Beacon is unreachable" while the header said "Connecting…" and the
 * socket stood open: Beacon was reached, it had not answered. The list now says so, and
 * "unreachable" only once the connection is offline; the friends show once they come.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium } from './helpers/browser.js';
import { startServer, type ServerHandle } from './helpers/server.js';
import { connectedFriend, registerUser, type ApiUser } from './helpers/api-users.js';
import { connectionState, friendCard, newPage } from './helpers/ui.js';

let server: ServerHandle;
let browser: Browser;
let kim: { token: string; id: number };
let lou: ApiUser;

beforeAll(async () => {
  server = await startServer();
  browser = await launchChromium();
  kim = await registerUser(server.baseUrl, 'kim_slow', 'Kim');
  lou = await connectedFriend(server.baseUrl, 'lou_slow', 'Lou', kim.token);
});

afterAll(async () => {
  lou?.socket?.close();
  await browser?.close();
  await server?.stop();
});

describe('friends slow to come', () => {
  it('says Beacon has not answered yet, not that it is unreachable, while the connection is still being made; then shows them', async () => {
    const page = await newPage(browser, { viewport: { width: 1280, height: 800 } });
    await page.addInitScript((t) => localStorage.setItem('beacon.token', t), kim.token);
    // Beacon's first answers are held until released: the socket's `ready`, and the friends' poll.
    let release = (): void => undefined;
    const released = new Promise<void>((r) => (release = r));
    await page.routeWebSocket(/\/ws\/status/, (ws) => {
      const beacon = ws.connectToServer();
      ws.onMessage((m) => beacon.send(m));
      beacon.onMessage((m) => void released.then(() => ws.send(m)));
    });
    await page.route('**/api/v1/users/me/friends/status*', (r) => void released.then(() => r.fallback()));
    await page.goto(`${server.baseUrl}/#/friends`);

    const error = page.locator('beacon-friend-list [data-state=error]');
    await error.waitFor({ timeout: 15_000 });
    // Before: "Beacon is unreachable", under a header saying "Connecting…".
    const state = await connectionState(page);
    expect(state).not.toBe('offline');
    expect(await error.locator('p').textContent()).toBe('Could not load your friends yet: Beacon has not answered yet. It keeps trying in the background.');

    release();
    await friendCard(page, 'lou_slow').waitFor({ timeout: 15_000 });
    await expect.poll(() => connectionState(page), { timeout: 15_000 }).toBe('connected');
    await page.close();
  });
});
