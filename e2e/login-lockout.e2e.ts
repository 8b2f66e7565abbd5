/**
 * Strangers' failed guesses cannot lock a player out of the browser they play on. In real
 * Chromium with the server's real rate limits: Gwen signs up (her browser keeps a device
 * token), logs out; strangers guess her password from ten addresses until the account is
 * locked for unknown devices. A browser she never used is refused, and told why; her own
 * browser logs her in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium } from './helpers/browser.js';
import { startServer, type ServerHandle } from './helpers/server.js';
import { logIn, newPage, signUp } from './helpers/ui.js';

let server: ServerHandle;
let browser: Browser;

beforeAll(async () => {
  // Rate limits on; the strangers' requests name their own addresses through the trusted proxy header.
  server = await startServer({ BEACON_RATE_LIMITS: 'on', BEACON_TRUST_PROXY: '127.0.0.1' });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** One failed guess from `address`; returns the HTTP status. */
async function guess(address: string): Promise<number> {
  const res = await fetch(`${server.baseUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': address },
    body: JSON.stringify({ username: 'gwen_dev', password: 'not her password at all' }),
  });
  return res.status;
}

describe('login lockout', () => {
  it("strangers' guesses lock out unknown browsers only; Gwen's own browser still logs her in", async () => {
    const own = await newPage(browser, { viewport: { width: 1280, height: 860 } });
    await signUp(own, server.baseUrl, 'gwen_dev', 'Gwen');
    await own.getByRole('button', { name: 'Log out' }).click();
    await own.getByRole('button', { name: 'Log in' }).waitFor();

    const statuses: number[] = [];
    for (let i = 1; i <= 11; i++) statuses.push(await guess(`10.9.0.${i}`));
    expect(statuses).toEqual([...Array<number>(10).fill(401), 429]);

    // A browser Gwen never used is refused, and the page says why and what would work.
    const stranger = await newPage(browser, { viewport: { width: 1280, height: 860 } });
    await logIn(stranger, server.baseUrl, 'gwen_dev');
    await expect
      .poll(() => stranger.getByRole('alert').innerText(), { timeout: 10_000 })
      .toMatch(/Too many failed logins for this account; try again in 15 min, or log in from a device you have used before/);
    expect(await stranger.locator('beacon-friend-list').count()).toBe(0);

    // Her own browser gets in.
    await logIn(own, server.baseUrl, 'gwen_dev');
    await own.locator('beacon-friend-list').waitFor({ timeout: 10_000 });
    expect(await own.evaluate(() => localStorage.getItem('beacon.token'))).toBeTruthy();
  });
});
