/**
 * Captures the issue-11 screenshots (friends page, status menu, offline state, requests
 * flow at 1280, 360 and 320 px) against a scripted API: `node --import tsx
 * scripts/issue11-shots.ts before|after`. Needs dist/web built and Chromium.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page, Route } from 'playwright-core';
import { launchChromium } from '../e2e/helpers/browser.js';
import { fixtureFriends, SELF } from '../e2e/helpers/fixtures.js';
import { REPO_ROOT, startServer } from '../e2e/helpers/server.js';

const prefix = process.argv[2] ?? 'after';
const OUT = join(REPO_ROOT, 'docs/screenshots/issue-11');
mkdirSync(OUT, { recursive: true });

const now = new Date().toISOString();
const friends = [
  ...fixtureFriends(),
  { user_id: 9, username: 'maximilian_alexander', display_name: 'Maximilian-Alexander-von-Hohenzollern', status: 'online' as const, activity: 'browsing' as const, custom_message: null, last_seen: null, timestamp: now },
];
const incoming = [{ id: 7, from_user_id: 10, to_user_id: 1, created_at: now }];
const names: Record<number, { username: string; display_name: string }> = { 10: { username: 'bob', display_name: 'Bob Brown' } };

async function fixture(page: Page, down: { value: boolean }): Promise<void> {
  await page.addInitScript(() => localStorage.setItem('beacon.token', 'fixture-token'));
  await page.routeWebSocket(/\/ws\/status/, (ws) => ws.close());
  await page.route(/\/api\/v1\//, (route: Route) => {
    if (down.value) return route.abort('internetdisconnected');
    const path = new URL(route.request().url()).pathname.replace('/api/v1', '');
    const json = (body: unknown, status = 200): Promise<void> => route.fulfill({ status, contentType: 'application/json', body: JSON.stringify(body) });
    if (path === '/users/me') return json({ id: 1, username: 'alice', display_name: 'Alice Martin', role: 'user' });
    if (path === '/users/me/friends/status') return json(friends);
    if (path === '/users/1/status') return json(SELF);
    const m = /^\/users\/(\d+)\/status$/.exec(path);
    if (m) {
      const id = Number(m[1]);
      const n = names[id];
      if (n) return json({ user_id: id, ...n, status: 'offline', activity: null, custom_message: null, last_seen: null, timestamp: now });
    }
    if (path === '/users/me/status/settings') return json({ status_visibility: 'friends', activity_visibility: 'friends', last_seen_visibility: 'friends', custom_message_visibility: 'friends' });
    if (path === '/users/me/friends/requests') return json({ incoming, outgoing: [] });
    if (path === '/users/me/friends') return json(friends.map((f) => ({ user_id: f.user_id, username: f.username, display_name: f.display_name, category: 'friend', since: now })));
    if (path.startsWith('/users/search')) return json([{ id: 10, ...names[10] }]);
    return json({ code: 'NOT_FOUND', message: 'fixture' }, 404);
  });
}

const server = await startServer();
const browser = await launchChromium();
try {
  for (const [label, width, height] of [['desktop', 1280, 800], ['phone360', 360, 740], ['phone320', 320, 640]] as const) {
    const phone = width < 400;
    const page = await browser.newPage({ viewport: { width, height }, isMobile: phone, hasTouch: phone });
    const down = { value: false };
    await fixture(page, down);
    await page.goto(`${server.baseUrl}/#/friends`);
    await page.locator('beacon-friend-card[data-username="hugo"]').waitFor({ timeout: 15_000 });
    await page.waitForTimeout(300);
    const shot = (name: string): Promise<Buffer> => page.screenshot({ path: join(OUT, `${prefix}-${name}-${label}.png`) });
    await shot('friends');
    await page.locator('beacon-status-menu [data-part=trigger]').click();
    await page.waitForTimeout(300);
    await shot('status-menu');
    await page.keyboard.press('Escape');
    await page.goto(`${server.baseUrl}/#/requests`);
    await page.getByText('Bob Brown').first().waitFor({ timeout: 10_000 });
    await page.waitForTimeout(300);
    await shot('requests');
    await page.goto(`${server.baseUrl}/#/friends`);
    await page.locator('beacon-friend-card[data-username="hugo"]').waitFor({ timeout: 15_000 });
    down.value = true;
    await page.waitForTimeout(16_000);
    await shot('offline');
    await page.close();
  }
} finally {
  await browser.close();
  await server.stop();
}
