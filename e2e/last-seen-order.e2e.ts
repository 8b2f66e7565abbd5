/**
 * The order of offline friends as their cards read, in real Chromium. Rae shares only an
 * approximate last seen ("last seen recently": within the last three days); Dan was last seen
 * five days ago and Eve two hours ago, both exactly. Before, Rae came after every dated friend
 * (after Dan's "5 days ago"), though her card says she was seen more recently. Now an
 * approximate last seen sorts at the earliest moment it can mean: Eve, Rae, Dan. Their last
 * seen is set in the database while the server is stopped (no test can wait five days).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './helpers/browser.js';
import { startServer, type ServerHandle } from './helpers/server.js';
import { api, befriendOverApi, registerUser } from './helpers/api-users.js';
import { friendCard } from './helpers/ui.js';
import { expectAccessible } from './helpers/axe.js';

const FIVE_S = { timeout: 5_000, interval: 100 };
const HOUR = 3_600_000;

let server: ServerHandle;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;
const dbFile = join(mkdtempSync(join(tmpdir(), 'beacon-e2e-order-')), 'beacon.db');

beforeAll(async () => {
  server = await startServer({ BEACON_DATABASE_URL: `sqlite:${dbFile}` });
  browser = await launchChromium();
  const kai = await registerUser(server.baseUrl, 'kai_order', 'Kai');
  for (const [name, display] of [['dan_order', 'Dan'], ['eve_order', 'Eve'], ['rae_order', 'Rae']] as const) {
    const u = await registerUser(server.baseUrl, name, display);
    await befriendOverApi(server.baseUrl, u, kai);
    if (name === 'rae_order') await api(server.baseUrl, u.token, 'PUT', '/users/me/status/settings', { last_seen_visibility: 'nobody', last_seen_approximate_visibility: 'friends' });
  }
  const now = Date.now();
  await server.restart({
    between: async () => {
      const db = new Database(dbFile);
      const seen = db.prepare('UPDATE users SET last_seen = ? WHERE username = ?');
      seen.run(now - 5 * 24 * HOUR, 'dan_order');
      seen.run(now - 2 * HOUR, 'eve_order');
      seen.run(now - HOUR, 'rae_order');
      db.close();
    },
  });
  ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await ctx.addInitScript((t) => localStorage.setItem('beacon.token', t), kai.token);
  page = await ctx.newPage();
});

afterAll(async () => {
  await ctx?.close();
  await browser?.close();
  await server?.stop();
  rmSync(dirname(dbFile), { recursive: true, force: true });
});

describe('offline friends in the order their cards read', () => {
  it('puts "last seen recently" after a dated last seen of today and before one of five days ago', async () => {
    await page.goto(server.baseUrl);
    await page.getByRole('tab', { name: /All/ }).click();
    await expect.poll(() => friendCard(page, 'rae_order').textContent(), FIVE_S).toContain('last seen recently');
    await expect.poll(() => friendCard(page, 'dan_order').textContent(), FIVE_S).toContain('5 days ago');
    const order = () => page.locator('beacon-friend-card:not([data-self])').evaluateAll((cards) => cards.map((c) => c.getAttribute('data-username')));
    expect(await order()).toEqual(['eve_order', 'rae_order', 'dan_order']);
    // The server's own order (REST, the ready snapshot) is the same rule.
    const rest = await page.evaluate(async () => {
      const res = await fetch('/api/v1/users/me/friends/status', { headers: { Authorization: `Bearer ${localStorage.getItem('beacon.token')}` } });
      return ((await res.json()) as Array<{ username: string }>).map((v) => v.username);
    });
    expect(rest).toEqual(['eve_order', 'rae_order', 'dan_order']);
    await expectAccessible(page, 'offline friends in order');
  });
});
