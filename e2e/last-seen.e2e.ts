/**
 * The approximate "last seen" in a friend's list, in real Chromium: a friend who shares only
 * an approximate last seen shows "last seen recently" once offline, and when they stop
 * sharing it the line goes at once, without a reload (the SDK must not keep the old value).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium } from './helpers/browser.js';
import { startServer, type ServerHandle } from './helpers/server.js';
import { api, connectedFriend } from './helpers/api-users.js';
import { friendCard, signUp } from './helpers/ui.js';

let server: ServerHandle;
let browser: Browser;

beforeAll(async () => {
  server = await startServer();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('approximate last seen', () => {
  it('shows "last seen recently" for a friend who shares only that, and drops it at once when they stop', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    await signUp(page, server.baseUrl, 'gus_seen', 'Gus');
    const gusToken = await page.evaluate(() => localStorage.getItem('beacon.token'));
    const hana = await connectedFriend(server.baseUrl, 'hana_seen', 'Hana', gusToken!);
    await api(server.baseUrl, hana.token, 'PUT', '/users/me/status/settings', { last_seen_visibility: 'nobody', last_seen_approximate_visibility: 'friends' });
    const card = friendCard(page, 'hana_seen');
    await expect.poll(() => card.getAttribute('data-status'), { timeout: 10_000 }).toBe('online');

    // Hana leaves: after the offline grace (1 s on the test server) Gus sees only the approximation.
    hana.socket!.close();
    await expect.poll(() => card.getAttribute('data-status'), { timeout: 10_000 }).toBe('offline');
    await expect.poll(() => card.textContent(), { timeout: 5_000 }).toContain('last seen recently');
    expect(await card.locator('beacon-relative-time').count()).toBe(0);

    // She stops sharing it: Gus's card loses the line at once.
    await api(server.baseUrl, hana.token, 'PUT', '/users/me/status/settings', { last_seen_approximate_visibility: 'nobody' });
    await expect.poll(() => card.textContent(), { timeout: 5_000 }).not.toContain('last seen');
    expect(await card.getAttribute('data-status')).toBe('offline');
    await page.close();
  });
});
