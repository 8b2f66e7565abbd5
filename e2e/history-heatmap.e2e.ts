/**
 * Schedule → Your week in Chromium: each hour's cell says how often the user was online by a
 * mark as well as by its shade, so it reads without colour (forced colours, a phone without
 * hover for the tooltip): "•" at least half the hour, "◦" some of it, "–" nothing known, none
 * for an hour spent offline. Before, only "•" had a mark: an hour never observed, one spent
 * offline and one online a third of the time differed by shade alone. The week is the server's
 * answer with four kinds of hour put in (the rest of the page talks to the real server).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './helpers/browser.js';
import { startServer, type ServerHandle } from './helpers/server.js';
import { registerUser } from './helpers/api-users.js';
import { signedInContext } from './helpers/ui.js';
import { expectAccessible } from './helpers/axe.js';

let server: ServerHandle;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;

beforeAll(async () => {
  server = await startServer();
  browser = await launchChromium();
  const sam = await registerUser(server.baseUrl, 'sam', 'Sam Roe');
  ctx = await signedInContext(browser, sam.token, { viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true });
  page = await ctx.newPage();
  // Monday: 00:00 never observed, 01:00 offline, 02:00 online a third, 03:00 online 80 %.
  await page.route('**/api/v1/users/me/status/history**', async (route) => {
    const res = await route.fetch();
    const body = (await res.json()) as { heatmap: Array<Array<number | null>> };
    body.heatmap[0]!.splice(0, 4, null, 0, 0.33, 0.8);
    await route.fulfill({ response: res, json: body });
  });
});

afterAll(async () => {
  await ctx?.close();
  await browser?.close();
  await server?.stop();
});

describe('the week’s hours without colour', () => {
  it('marks each kind of hour differently, and the note under the table says what each mark means', async () => {
    await page.emulateMedia({ forcedColors: 'active' });
    await page.goto(`${server.baseUrl}/#/schedule`);
    const cell = (hour: string) => page.getByRole('cell', { name: `Monday ${hour}, `, exact: false });
    await cell('00:00').waitFor({ timeout: 15_000 });
    const marks = await Promise.all(['00:00', '01:00', '02:00', '03:00'].map((hour) => cell(hour).textContent()));
    expect(marks).toEqual(['–', '', '◦', '•']);
    await page.getByText('• = online at least half of that hour, ◦ = some of it, – = no data yet.').waitFor();
    await page.emulateMedia({ forcedColors: 'none' });
    await expectAccessible(page, 'your week with every kind of hour');
  });
});
