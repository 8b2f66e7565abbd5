/**
 * The Pending tab names each requester from their status view. When that read fails, the
 * row must not go on saying "Loading…": it says the name is not available, and the name
 * comes as soon as a read succeeds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './helpers/browser.js';
import { startServer, type ServerHandle } from './helpers/server.js';
import { api } from './helpers/api-users.js';
import { friendsTab, PASSWORD } from './helpers/ui.js';
import { unroute } from './helpers/unroute.js';

let server: ServerHandle;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;

beforeAll(async () => {
  server = await startServer();
  browser = await launchChromium();
});

afterAll(async () => {
  await ctx?.close();
  await browser?.close();
  await server?.stop();
});

describe('Pending tab: a requester whose name cannot be read', () => {
  it('says the name is not available instead of "Loading…", and shows it once a read succeeds', async () => {
    const tess = await api<{ token: string; user: { id: number } }>(server.baseUrl, null, 'POST', '/auth/register', { username: 'tess', password: PASSWORD });
    const rex = await api<{ token: string; user: { id: number } }>(server.baseUrl, null, 'POST', '/auth/register', { username: 'rex', password: PASSWORD, display_name: 'Rex Vale' });
    await api(server.baseUrl, rex.token, 'POST', '/users/me/friends/requests', { user_id: tess.user.id });
    ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await ctx.addInitScript((t) => localStorage.setItem('beacon.token', t), tess.token);
    page = await ctx.newPage();
    // Reads of Rex's status fail (as a 429 would with many requests at once).
    const rexStatus = (url: URL) => url.pathname === `/api/v1/users/${rex.user.id}/status`;
    await page.route(rexStatus, (route) => route.fulfill({ status: 429, contentType: 'application/json', body: '{"code":"RATE_LIMITED","message":"Too many requests"}' }));
    await page.goto(`${server.baseUrl}/#/friends`);
    await friendsTab(page, 'Pending');
    const incoming = page.locator('[data-part=incoming]');
    await incoming.getByText('Name not available').waitFor({ timeout: 5_000 });
    expect(await incoming.getByText('Loading…').count()).toBe(0);
    // The next change of the lists reads it again: this time it answers.
    await unroute(page, rexStatus);
    const ivy = await api<{ token: string }>(server.baseUrl, null, 'POST', '/auth/register', { username: 'ivy', password: PASSWORD });
    await api(server.baseUrl, ivy.token, 'POST', '/users/me/friends/requests', { user_id: tess.user.id });
    await incoming.getByRole('button', { name: 'Accept Rex Vale (@rex)' }).waitFor({ timeout: 5_000 });
  });
});
