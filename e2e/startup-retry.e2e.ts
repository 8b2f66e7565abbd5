/**
 * A cold start that cannot reach Beacon keeps its promise, "your friends list will be back
 * as soon as it answers", in real Chromium: it tries again by itself with a growing wait
 * (2 s, 4 s, 8 s…) and at once when the browser comes back online, without any click.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './helpers/browser.js';
import { startServer, type ServerHandle } from './helpers/server.js';
import { api } from './helpers/api-users.js';
import { connectionState } from './helpers/ui.js';
import { unroute } from './helpers/unroute.js';

let server: ServerHandle;
let browser: Browser;
let token: string;

beforeAll(async () => {
  server = await startServer();
  browser = await launchChromium();
  token = (await api<{ token: string }>(server.baseUrl, null, 'POST', '/auth/register', {
    username: 'cold_start', password: 'correct horse battery', display_name: 'Cold Start',
  })).token;
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** A page whose API calls are refused; `tries` records when each sign-in attempt was made. */
async function unreachable(): Promise<{ ctx: BrowserContext; page: Page; tries: number[] }> {
  const ctx = await browser.newContext();
  await ctx.addInitScript((t) => localStorage.setItem('beacon.token', t), token);
  const page = await ctx.newPage();
  const tries: number[] = [];
  await page.route(/\/api\/v1\//, (r) => {
    if (r.request().url().endsWith('/users/me')) tries.push(Date.now());
    return r.abort('connectionrefused');
  });
  await page.goto(`${server.baseUrl}/#/friends`);
  await page.getByRole('alert').waitFor({ timeout: 10_000 });
  expect(await page.getByRole('alert').textContent()).toContain('Beacon is unreachable');
  return { ctx, page, tries };
}

describe('start-up error', () => {
  it('tries again by itself with a growing wait, and recovers without a click once Beacon answers', async () => {
    const { ctx, page, tries } = await unreachable();
    await expect.poll(() => tries.length, { timeout: 10_000, interval: 50 }).toBeGreaterThanOrEqual(3);
    const gaps = tries.slice(1, 3).map((t, i) => t - tries[i]!);
    expect(gaps[0]).toBeGreaterThanOrEqual(1_500);
    expect(gaps[1]).toBeGreaterThan(gaps[0]! + 1_000); // waits grow
    // The error stays put between tries (no flash of "Signing you in…"), "Try again" still there.
    expect(await page.getByRole('button', { name: 'Try again' }).count()).toBe(1);
    await unroute(page, /\/api\/v1\//);
    const at = Date.now();
    await expect.poll(() => connectionState(page), { timeout: 15_000, interval: 50 }).toBe('connected');
    expect(Date.now() - at).toBeLessThan(12_000); // the next try (8 s at most), not a click
    await ctx.close();
  });

  it('tries at once when the browser comes back online', async () => {
    const { ctx, page, tries } = await unreachable();
    await expect.poll(() => tries.length, { timeout: 10_000, interval: 50 }).toBeGreaterThanOrEqual(3);
    // The next timed try is 8 s away: only the `online` event can bring it back sooner.
    await unroute(page, /\/api\/v1\//);
    await ctx.setOffline(true);
    await ctx.setOffline(false);
    const at = Date.now();
    await expect.poll(() => connectionState(page), { timeout: 10_000, interval: 50 }).toBe('connected');
    expect(Date.now() - at).toBeLessThan(4_000);
    await ctx.close();
  });
});
