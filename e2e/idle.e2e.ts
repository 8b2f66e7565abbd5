/**
 * Idle detection end to end, with the server's idle timers shortened: the "Still there?"
 * dialog appears on `are_you_there`, "I'm here" keeps the user online, and ignoring it
 * turns the user away.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium } from './helpers/browser.js';
import { startServer, type ServerHandle } from './helpers/server.js';
import { shot, signUp, since, newPage } from './helpers/ui.js';

let server: ServerHandle;
let browser: Browser;

beforeAll(async () => {
  server = await startServer({ BEACON_IDLE_TIMEOUT_MS: '2000', BEACON_IDLE_PROBE_TIMEOUT_MS: '2500' });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('idle detection', () => {
  it('asks "Still there?", keeps the user online on "I\'m here", and marks them away when ignored', async () => {
    const page = await newPage(browser, { viewport: { width: 1024, height: 700 } });
    await signUp(page, server.baseUrl, 'idle_user', 'Idle Ida');
    const selfStatus = () => page.locator('beacon-status-menu').getAttribute('data-status');
    await expect.poll(selfStatus, { timeout: 5_000 }).toBe('online');

    const dialog = page.getByRole('dialog', { name: 'Still there?' });
    await dialog.waitFor({ timeout: 15_000 });
    const button = dialog.getByRole('button', { name: "I'm here" });
    expect(await button.evaluate((b) => b === document.activeElement)).toBe(true);
    await page.keyboard.press('Tab'); // focus stays in the modal
    expect(await button.evaluate((b) => b === document.activeElement)).toBe(true);
    await shot(page, 'still-there');
    await button.click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await selfStatus()).toBe('online');

    // Ignore the next probe: the server turns us away.
    await dialog.waitFor({ timeout: 15_000 });
    const t = Date.now();
    await expect.poll(selfStatus, { timeout: 10_000, interval: 100 }).toBe('away');
    console.log('idle: away after ignored probe (ms):', since(t));
    await page.close();
  });
});
