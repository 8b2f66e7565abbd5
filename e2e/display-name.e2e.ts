/**
 * A display name Beacon refuses, in Chromium: a pasted right-to-left override (U+202E) or a
 * tab. At sign-up the display-name field says what is wrong, is marked invalid and takes focus
 * (not the username or password, which are fine); the Account page's rename does the same.
 * The check is the server's own rule (protocol/text.ts displayNameFault), before sending.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './helpers/browser.js';
import { startServer, type ServerHandle } from './helpers/server.js';
import { expectAccessible } from './helpers/axe.js';
import { PASSWORD } from './helpers/ui.js';

const FIVE_S = { timeout: 5_000, interval: 50 };
const UNSAFE = 'Display names cannot hold tabs, line breaks, other control characters or text-direction controls (often pasted in unseen).';

let server: ServerHandle;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;

beforeAll(async () => {
  server = await startServer();
  browser = await launchChromium();
  ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  page = await ctx.newPage();
});

afterAll(async () => {
  await ctx?.close();
  await browser?.close();
  await server?.stop();
});

const focusedId = () => page.evaluate(() => document.activeElement?.id ?? null);
const invalidIds = () => page.evaluate(() => [...document.querySelectorAll('[aria-invalid=true]')].map((e) => e.id));

describe('a display name Beacon refuses', () => {
  it('is said at the display-name field at sign-up, marked invalid and focused; a fine one then signs up', async () => {
    await page.goto(`${server.baseUrl}/#/signup`);
    await page.getByLabel('Username').fill('dina_names');
    await page.getByLabel('Password').fill(PASSWORD);
    for (const name of ['Alice\u202Eevil', 'Tab\there']) {
      await page.getByLabel('Display name (optional)').fill(name);
      await page.getByRole('button', { name: 'Create account' }).click();
      await expect.poll(() => page.locator('#auth-display-name-error').textContent(), FIVE_S).toBe(UNSAFE);
      expect(await invalidIds()).toEqual(['auth-display-name']);
      expect(await focusedId()).toBe('auth-display-name');
      expect(await page.locator('#auth-username-error').textContent()).toBe('');
      // The form's alert line says it too (heard even where focus does not move).
      await expect.poll(() => page.locator('[data-part=error]').textContent(), FIVE_S).toBe(`Display name: ${UNSAFE}`);
      // Moved away, so the next round's focus is the check's doing.
      await page.getByLabel('Username').focus();
    }
    await expectAccessible(page, 'sign-up, display name refused');
    await page.getByLabel('Display name (optional)').fill('Dina');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.locator('beacon-friend-list').waitFor({ timeout: 10_000 });
  });

  it('is said at the name on the Account page, the field marked invalid and focused, and it is not saved', async () => {
    await page.goto(`${server.baseUrl}/#/account`);
    const name = page.getByLabel('Display name');
    await name.fill('Bob\u202Eevil');
    await page.getByRole('button', { name: 'Save name' }).click();
    await expect.poll(() => page.locator('[data-part=name-error]').textContent(), FIVE_S).toBe(UNSAFE);
    expect(await name.getAttribute('aria-invalid')).toBe('true');
    expect(await focusedId()).toBe('display-name');
    await expectAccessible(page, 'account page, display name refused');
    await name.fill('Dina Two');
    await name.press('Enter');
    await expect.poll(() => page.locator('[data-part=name-status]').textContent(), FIVE_S).toBe('Saved. Your friends now see you as Dina Two.');
    expect(await name.getAttribute('aria-invalid')).toBeNull();
  });

  it('is said out loud when Enter is pressed in the name field, where focus already is and moving it says nothing; again at each Enter', async () => {
    await page.goto(`${server.baseUrl}/#/account`);
    const name = page.getByLabel('Display name');
    // The name form's live error line, which the field points at (aria-describedby); each text it
    // takes, in order, so an error written twice in one task (no change heard) shows as one.
    const tied = await name.evaluate((field) => {
      const line = field.closest('form')?.querySelector('[role=alert]');
      if (!line) return false;
      const texts: string[] = [];
      new MutationObserver(() => texts.push(line.textContent ?? '')).observe(line, { childList: true, characterData: true, subtree: true });
      (window as unknown as { nameSaid: string[] }).nameSaid = texts;
      return (field.getAttribute('aria-describedby') ?? '').split(' ').includes(line.id);
    });
    expect(tied).toBe(true);
    const said = () => page.evaluate(() => (window as unknown as { nameSaid: string[] }).nameSaid.filter((t, i, all) => t !== all[i - 1]));
    await name.fill('Tab\there');
    await name.press('Enter');
    await expect.poll(said, FIVE_S).toEqual([UNSAFE]);
    expect(await name.getAttribute('aria-invalid')).toBe('true');
    // The same error again is emptied first, so it is a change a reader hears again.
    await name.press('Enter');
    await expect.poll(said, FIVE_S).toEqual([UNSAFE, '', UNSAFE]);
    // Blanks only: refused as an empty field is (next test).
    await name.fill('   ');
    await name.press('Enter');
    await expect.poll(said, FIVE_S).toEqual([UNSAFE, '', UNSAFE, '', 'Enter a name.']);
    expect(await focusedId()).toBe('display-name');
    await expectAccessible(page, 'account page, empty name refused by Enter');
    // A good name clears the error (the field is no longer invalid) and is saved.
    await name.fill('Dina Three');
    await name.press('Enter');
    await expect.poll(() => page.locator('[data-part=name-status]').textContent(), FIVE_S).toBe('Saved. Your friends now see you as Dina Three.');
    expect(await name.getAttribute('aria-invalid')).toBeNull();
    expect((await said()).at(-1)).toBe('');
  });

  it('an empty name is the page’s own error, said at each Enter and tied to the field, not a browser bubble', async () => {
    await page.goto(`${server.baseUrl}/#/account`);
    const name = page.getByLabel('Display name');
    await name.waitFor();
    // The name form's live error line, which the field points at; each text it takes, in order.
    const tied = await name.evaluate((field) => {
      const line = field.closest('form')?.querySelector('[role=alert]');
      if (!line) return false;
      const texts: string[] = [];
      new MutationObserver(() => texts.push(line.textContent ?? '')).observe(line, { childList: true, characterData: true, subtree: true });
      (window as unknown as { emptySaid: string[] }).emptySaid = texts;
      return (field.getAttribute('aria-describedby') ?? '').split(' ').includes(line.id);
    });
    expect(tied).toBe(true);
    const said = () => page.evaluate(() => (window as unknown as { emptySaid: string[] }).emptySaid.filter((t, i, all) => t !== all[i - 1]));
    // The field is required: the browser's own check would stop the submit with a bubble of its
    // own that no live line says, so nothing would be heard here.
    await name.fill('');
    await name.press('Enter');
    await expect.poll(said, FIVE_S).toEqual(['Enter a name.']);
    expect(await name.getAttribute('aria-invalid')).toBe('true');
    expect(await focusedId()).toBe('display-name');
    // Again: emptied first, so the same error is a change a reader hears again.
    await name.press('Enter');
    await expect.poll(said, FIVE_S).toEqual(['Enter a name.', '', 'Enter a name.']);
    expect(await page.locator('[data-part=name-status]').textContent()).toBe('');
    await expectAccessible(page, 'account page, empty name refused');
    // A name typed in empties the line and is saved.
    await name.fill('Dina Four');
    await name.press('Enter');
    await expect.poll(() => page.locator('[data-part=name-status]').textContent(), FIVE_S).toBe('Saved. Your friends now see you as Dina Four.');
    expect(await name.getAttribute('aria-invalid')).toBeNull();
    expect((await said()).at(-1)).toBe('');
  });

  it('of 40 emoji is taken whole (the limit is in characters, not the browser’s UTF-16 units); one of 41 is said too long', async () => {
    // Finding: the fields' maxlength counted UTF-16 units, so a name of 40 emoji (80 units, which
    // Beacon takes) was cut to 20 as it was pasted or typed, and saved cut, without a word.
    const forty = '🏓'.repeat(40);
    // A new person signs up with it, pasted in (insertText, as a paste or an IME does).
    const other = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const signup = await other.newPage();
      await signup.goto(`${server.baseUrl}/#/signup`);
      await signup.getByLabel('Username').fill('emma_emoji');
      await signup.getByLabel('Password').fill(PASSWORD);
      await signup.getByLabel('Display name (optional)').focus();
      await signup.keyboard.insertText(forty);
      expect(await signup.getByLabel('Display name (optional)').inputValue()).toBe(forty);
      await signup.getByRole('button', { name: 'Create account' }).click();
      await signup.locator('beacon-friend-list').waitFor({ timeout: 10_000 });
      const me = await signup.evaluate(async () => {
        const res = await fetch('/api/v1/users/me', { headers: { authorization: `Bearer ${localStorage.getItem('beacon.token')}` } });
        return ((await res.json()) as { display_name: string }).display_name;
      });
      expect(me).toBe(forty);
    } finally {
      await other.close();
    }
    // Dina renames herself to it on the Account page; one more is too long, said at the field.
    await page.goto(`${server.baseUrl}/#/account`);
    const name = page.getByLabel('Display name');
    await name.fill('');
    await name.focus();
    await page.keyboard.insertText(`${forty}🏓`);
    expect(await name.inputValue()).toBe(`${forty}🏓`);
    await name.press('Enter');
    await expect.poll(() => page.locator('[data-part=name-error]').textContent(), FIVE_S).toBe('Display names are at most 40 characters.');
    expect(await name.getAttribute('aria-invalid')).toBe('true');
    await name.press('Backspace');
    expect(await name.inputValue()).toBe(forty);
    await name.press('Enter');
    await expect.poll(() => page.locator('[data-part=name-status]').textContent(), FIVE_S).toBe(`Saved. Your friends now see you as ${forty}.`);
  });
});
