/**
 * Schedule changes not saved yet are never dropped without a word, in Chromium. Before, a rule
 * added (or a time changed) and not saved vanished when the user opened another page of the app
 * and came back, and a reload or a closed tab lost it with no question asked. Now another page
 * keeps the changes until the user comes back (this tab, this account: lib/schedule-draft.ts),
 * the page says they are back and not saved, and the browser asks before a reload loses them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './helpers/browser.js';
import { startServer, type ServerHandle } from './helpers/server.js';
import { api, registerUser } from './helpers/api-users.js';
import { goTo, newPage } from './helpers/ui.js';

const FIVE_S = { timeout: 5_000, interval: 50 };

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

type Saved = { time_zone: string; rules: Array<{ from: string; to: string; message: string | null }> };

/** A user with one saved rule (weekdays 09:00–17:00), on the Schedule page. */
async function onSchedule(username: string): Promise<{ page: Page; saved: () => Promise<Saved> }> {
  const { token } = await registerUser(server.baseUrl, username);
  await api(server.baseUrl, token, 'PUT', '/users/me/status/schedule', { time_zone: 'UTC', rules: [{ days: [1, 2, 3, 4, 5], from: '09:00', to: '17:00', status: 'busy', message: null }] });
  const page = await newPage(browser, { viewport: { width: 1280, height: 800 } });
  await page.context().addInitScript((t) => localStorage.setItem('beacon.token', t), token);
  await page.goto(`${server.baseUrl}/#/schedule`);
  await page.locator('#rule-1-from').waitFor();
  return { page, saved: () => api<Saved>(server.baseUrl, token, 'GET', '/users/me/status/schedule') };
}

/** Changes rule 1 to start at 08:30 and adds a second rule with a message, by keyboard and mouse as a user would. */
async function editRules(page: Page): Promise<void> {
  await page.locator('#rule-1-from').fill('08:30');
  await page.getByRole('button', { name: 'Add a rule' }).click();
  await page.locator('#rule-2-message').fill('Gym');
}

describe('Schedule changes not saved yet', () => {
  it('are kept while another page is open, shown again on coming back with a word that they are not saved, and saved by Save', async () => {
    const { page, saved } = await onSchedule('una_draft');
    await editRules(page);
    await goTo(page, 'Friends');
    await page.getByRole('heading', { level: 1, name: 'Friends' }).waitFor(FIVE_S);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Schedule' }).click();
    await page.locator('#rule-1-from').waitFor(FIVE_S);
    // Before: rule 1 back at 09:00 and no rule 2, the changes gone without a word.
    expect(await page.locator('#rule-1-from').inputValue()).toBe('08:30');
    expect(await page.locator('#rule-2-message').inputValue()).toBe('Gym');
    expect(await page.locator('#schedule-status').textContent()).toBe('Your changes from before are back, not saved yet: Save schedule keeps them.');
    expect(await saved()).toMatchObject({ rules: [{ from: '09:00' }] });

    await page.getByRole('button', { name: 'Save schedule' }).click();
    await expect.poll(() => page.locator('#schedule-status').textContent(), FIVE_S).toBe('Saved. It applies right away.');
    expect(await saved()).toMatchObject({ rules: [{ from: '08:30' }, { from: '09:00', message: 'Gym' }] });
    // Saved: nothing is kept any more, so coming back shows the schedule as saved, with no word of changes.
    await goTo(page, 'Friends');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Schedule' }).click();
    await page.locator('#rule-2-message').waitFor(FIVE_S);
    expect(await page.locator('#schedule-status').textContent()).toBe('');
    await page.close();
  });

  it('are asked about before a reload loses them; with nothing unsaved a reload asks nothing', async () => {
    const { page } = await onSchedule('vic_draft');
    await editRules(page);
    const asked = page.waitForEvent('dialog', { timeout: 5_000 });
    // Not awaited: the reload waits for the answer to the browser's question.
    void page.evaluate(() => location.reload());
    const dialog = await asked;
    // Before: no question, the page reloaded with rule 1 at 09:00 and no rule 2.
    expect(dialog.type()).toBe('beforeunload');
    await dialog.dismiss();
    // Stayed: the changes are still there.
    expect(await page.locator('#rule-1-from').inputValue()).toBe('08:30');
    expect(await page.locator('#rule-2-message').inputValue()).toBe('Gym');

    await page.getByRole('button', { name: 'Save schedule' }).click();
    await expect.poll(() => page.locator('#schedule-status').textContent(), FIVE_S).toBe('Saved. It applies right away.');
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.type());
      void d.accept();
    });
    await page.reload();
    await page.locator('#rule-2-message').waitFor(FIVE_S);
    expect(dialogs).toEqual([]);
    await page.close();
  });
});
