/**
 * The Account page in real Chromium, under the server's content security policy: a user
 * changes their display name and a friend watching sees it at once; a user downloads their
 * data and deletes their account, and a friend watching sees them leave the friend list at
 * once. Deleting goes to the login page in one step, saying the account was deleted: no
 * reload, the login form shown once, no token or device token left; the account's other tabs
 * say it was deleted too. No CSP violation anywhere.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './helpers/browser.js';
import { startServer, type ServerHandle } from './helpers/server.js';
import { api } from './helpers/api-users.js';
import { friendCard, openFriendMenu, PASSWORD, signUp } from './helpers/ui.js';
import { expectAccessible } from './helpers/axe.js';

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

/** Records every CSP violation the page reports. */
function watchCsp(page: Page): string[] {
  const violations: string[] = [];
  page.on('console', (m) => {
    if (/Content.Security.Policy/i.test(m.text())) violations.push(m.text());
  });
  return violations;
}

const tokenOf = (page: Page) => page.evaluate(() => localStorage.getItem('beacon.token'));
/** The mark a tab that deleted the account leaves for the browser's other tabs. */
const markOf = (page: Page) => page.evaluate(() => localStorage.getItem('beacon.accountDeleted'));

/** Counts, in `window.authForms`, each time a login or sign-up form is put on the page (from the next document on). */
async function countAuthForms(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { authForms: number };
    w.authForms = 0;
    new MutationObserver((records) => {
      for (const r of records) {
        for (const n of r.addedNodes) if (n instanceof Element && (n.matches('#auth-title') || n.querySelector('#auth-title'))) w.authForms++;
      }
    }).observe(document, { subtree: true, childList: true });
  });
}

/** Signs both up in their pages, and makes them friends (a asks, b accepts) through the API. */
async function signUpFriends([a, aName, aDisplay]: [Page, string, string], [b, bName, bDisplay]: [Page, string, string]): Promise<void> {
  await signUp(a, server.baseUrl, aName, aDisplay);
  await signUp(b, server.baseUrl, bName, bDisplay);
  const [aToken, bToken] = [await tokenOf(a), await tokenOf(b)];
  const me = await api<{ id: number }>(server.baseUrl, bToken, 'GET', '/users/me');
  const sent = await api<{ request: { id: number } }>(server.baseUrl, aToken, 'POST', '/users/me/friends/requests', { user_id: me.id });
  await api(server.baseUrl, bToken, 'POST', `/users/me/friends/requests/${sent.request.id}/accept`);
}

describe('account page', () => {
  it('downloads my data, deletes my account, and my friend sees me leave at once', async () => {
    const dana = await browser.newPage({ viewport: { width: 1280, height: 860 }, acceptDownloads: true });
    const eli = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    const violations = [...[dana, eli].map(watchCsp)];
    await countAuthForms(dana);
    await signUpFriends([dana, 'dana_acct', 'Dana'], [eli, 'eli_acct', 'Eli']);
    await expect.poll(() => friendCard(eli, 'dana_acct').count(), { timeout: 10_000 }).toBe(1);
    expect(await dana.evaluate(() => Object.keys(JSON.parse(localStorage.getItem('beacon.devices') ?? '{}') as object))).toEqual(['dana_acct']);

    await dana.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).click();
    const [download] = await Promise.all([dana.waitForEvent('download'), dana.getByRole('button', { name: 'Download my data' }).click()]);
    expect(download.suggestedFilename()).toBe('beacon-export.json');
    const exported = JSON.parse(readFileSync((await download.path())!, 'utf8')) as { account: { username: string }; friends: Array<{ username: string }> };
    expect(exported.account.username).toBe('dana_acct');
    expect(exported.friends.map((f) => f.username)).toEqual(['eli_acct']);
    await expect.poll(() => dana.locator('[data-part=export-status]').textContent()).toContain('Downloaded');

    await dana.getByLabel('Your password').fill('not my password');
    await dana.getByRole('button', { name: 'Delete my account' }).click();
    await expect.poll(() => dana.locator('[data-part=delete-error]').textContent()).toBe('Wrong password.');
    // From here on: every document load of Dana's page, and every login form shown in this one.
    let loads = 0;
    dana.on('load', () => loads++);
    await dana.evaluate(() => ((window as unknown as { authForms: number }).authForms = 0));
    await dana.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
    await dana.getByLabel('Your password').fill(PASSWORD);
    await dana.getByRole('button', { name: 'Delete my account' }).click();
    // One step to the login page, which says why (focused, so it is read out), not as an error.
    const deleted = dana.getByRole('status').filter({ hasText: 'Your account was deleted. You are signed out.' });
    await deleted.waitFor({ timeout: 10_000 });
    await dana.getByRole('button', { name: 'Log in' }).waitFor();
    expect(await deleted.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await dana.locator('[data-part=error]').textContent()).toBe('');
    expect(new URL(dana.url()).hash).toBe('#/login');
    // Nothing of the account left in this browser: no token, no device token.
    expect(await tokenOf(dana)).toBeNull();
    expect(await dana.evaluate(() => localStorage.getItem('beacon.devices'))).toBe('{}');
    // Eli's list loses Dana at once, without a reload.
    await expect.poll(() => friendCard(eli, 'dana_acct').count(), { timeout: 5_000 }).toBe(0);
    // By now a reload (the old account-page.ts reloaded right after showing the login form)
    // would have happened: this document is the one from before, and it showed the form once.
    const after = await dana.evaluate(() => {
      const w = window as unknown as { notReloaded?: boolean; authForms: number };
      return { notReloaded: w.notReloaded, authForms: w.authForms };
    });
    expect(after).toEqual({ notReloaded: true, authForms: 1 });
    expect(loads).toBe(0);
    // The notice goes with the next visit of the page, like any notice.
    await dana.getByRole('link', { name: 'Create an account' }).click();
    await dana.getByRole('button', { name: 'Create account' }).waitFor();
    await dana.getByRole('link', { name: 'Log in' }).click();
    await dana.getByRole('button', { name: 'Log in' }).waitFor();
    expect(await deleted.count()).toBe(0);
    expect(violations.flat()).toEqual([]);
    await dana.close();
    await eli.close();
  });

  /** Two tabs of one browser signed in as a new account: `one` on its Account page, `two` on Friends. */
  async function twoTabs(username: string): Promise<{ one: Page; two: Page; close: () => Promise<void> }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const one = await context.newPage();
    await signUp(one, server.baseUrl, username, username);
    const two = await context.newPage();
    await two.goto(server.baseUrl);
    await two.locator('beacon-friend-list').waitFor();
    await one.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).click();
    await one.getByLabel('Your password').fill(PASSWORD);
    return { one, two, close: () => context.close() };
  }

  /** What the login page of `page` says: the news line (a status) and the error line. */
  const loginSays = (page: Page) =>
    page.evaluate(() => ({
      route: location.hash,
      notice: document.querySelector('[data-part=notice]')?.textContent ?? null,
      error: document.querySelector('[data-part=error]')?.textContent ?? null,
      form: document.querySelector('#auth-title') !== null,
    }));
  const DELETED_ELSEWHERE = { route: '#/login', notice: 'Your account was deleted in another tab. You are signed out.', error: '', form: true };

  it('another tab of the same browser says the account was deleted, not that it was signed out', async () => {
    const { one, two, close } = await twoTabs('hal_acct');
    try {
      await one.getByRole('button', { name: 'Delete my account' }).click();
      await one.getByRole('status').filter({ hasText: 'Your account was deleted. You are signed out.' }).waitFor({ timeout: 10_000 });
      await expect.poll(() => loginSays(two), { timeout: 5_000 }).toEqual(DELETED_ELSEWHERE);
      expect(await two.getByRole('status').filter({ hasText: 'Your account was deleted in another tab.' }).count()).toBe(1);
      // The mark that told tab two is news, not a record: it goes once every open tab had it
      // (its TTL, 10 s), not at the next sign-in on this browser, whenever that is.
      expect(await markOf(one)).not.toBeNull();
      await expect.poll(() => markOf(two), { timeout: 15_000, interval: 250 }).toBeNull();
      expect(await markOf(one)).toBeNull();
      // Its removal is no news: tab two still says why it was signed out.
      expect(await loginSays(two)).toEqual(DELETED_ELSEWHERE);
      // A mark whose tab was closed before it could remove it goes at the next start of the app.
      await two.evaluate(() => localStorage.setItem('beacon.accountDeleted', JSON.stringify({ id: 1, at: Date.now() - 60_000 })));
      await two.reload();
      await two.getByRole('button', { name: 'Log in' }).waitFor();
      expect(await markOf(two)).toBeNull();
    } finally {
      await close();
    }
  });

  it('a tab whose socket the deletion closed before the deleting tab had its answer says the account was deleted too, not "session ended"', async () => {
    const { one, two, close } = await twoTabs('ivy_acct');
    try {
      // The DELETE's answer waits until the other tab has been signed out by the server's revocation (4000).
      let release: () => void = () => undefined;
      const released = new Promise<void>((r) => (release = r));
      await one.route('**/api/v1/users/me', async (route) => {
        if (route.request().method() !== 'DELETE') return route.continue();
        const response = await route.fetch();
        await released;
        await route.fulfill({ response });
      });
      await one.getByRole('button', { name: 'Delete my account' }).click();
      await expect.poll(() => loginSays(two), { timeout: 10_000 }).toEqual({ route: '#/login', notice: null, error: 'Your session has ended. Please log in again.', form: true });
      release();
      await one.getByRole('status').filter({ hasText: 'Your account was deleted. You are signed out.' }).waitFor({ timeout: 10_000 });
      await expect.poll(() => loginSays(two), { timeout: 5_000 }).toEqual(DELETED_ELSEWHERE);
    } finally {
      await close();
    }
  });

  it('says a refused deletion out loud at each Enter in the password field, where focus stays, tied to the field', async () => {
    // A context of its own: axe audits pages made from one.
    const kimContext = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const kim = await kimContext.newPage();
    await signUp(kim, server.baseUrl, 'kim_acct', 'Kim');
    await kim.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).click();
    const password = kim.getByLabel('Your password');
    // The delete form's live error line, which the field points at (aria-describedby); each text
    // it takes, in order, so an error written twice in one task (no change heard) shows as one.
    const tied = await password.evaluate((field) => {
      const line = field.closest('form')?.querySelector('[role=alert]');
      if (!line) return false;
      const texts: string[] = [];
      new MutationObserver(() => texts.push(line.textContent ?? '')).observe(line, { childList: true, characterData: true, subtree: true });
      (window as unknown as { deleteSaid: string[] }).deleteSaid = texts;
      return (field.getAttribute('aria-describedby') ?? '').split(' ').includes(line.id);
    });
    expect(tied).toBe(true);
    const said = () => kim.evaluate(() => (window as unknown as { deleteSaid: string[] }).deleteSaid.filter((t, i, all) => t !== all[i - 1]));
    const focused = () => kim.evaluate(() => document.activeElement?.id ?? null);
    const EMPTY = 'Enter your password to confirm.';
    await password.press('Enter');
    await expect.poll(said, { timeout: 5_000 }).toEqual([EMPTY]);
    expect(await password.getAttribute('aria-invalid')).toBe('true');
    expect(await focused()).toBe('delete-password');
    // The same error again is emptied first, so it is a change a reader hears again.
    await password.press('Enter');
    await expect.poll(said, { timeout: 5_000 }).toEqual([EMPTY, '', EMPTY]);
    // The server's refusal is the password's fault too: said the same way, each time.
    await password.fill('not my password');
    await password.press('Enter');
    await expect.poll(said, { timeout: 5_000 }).toEqual([EMPTY, '', EMPTY, '', 'Wrong password.']);
    await password.press('Enter');
    await expect.poll(said, { timeout: 5_000 }).toEqual([EMPTY, '', EMPTY, '', 'Wrong password.', '', 'Wrong password.']);
    expect(await password.getAttribute('aria-invalid')).toBe('true');
    expect(await focused()).toBe('delete-password');
    expect(await kim.locator('[data-part=delete-status]').textContent()).toBe('');
    await expectAccessible(kim, 'account page, deletion refused by Enter');
    // A password typed in clears the error as it is sent; the right one deletes the account.
    await password.fill(PASSWORD);
    await password.press('Enter');
    await kim.getByRole('status').filter({ hasText: 'Your account was deleted. You are signed out.' }).waitFor({ timeout: 10_000 });
    expect((await said()).at(-1)).toBe('');
    await kimContext.close();
  });

  it('changes my display name, and my friend’s list shows it at once, without a reload', async () => {
    // A context of her own: Fay opens a second tab in it.
    const fayContext = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const fay = await fayContext.newPage();
    const gus = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    const violations = [...[fay, gus].map(watchCsp)];
    await signUpFriends([fay, 'fay_acct', 'Fay'], [gus, 'gus_acct', 'Gus']);
    await expect.poll(() => friendCard(gus, 'fay_acct').locator('[data-part=name]').textContent(), { timeout: 10_000 }).toBe('Fay');
    // Gus's menu for Fay exists before the rename (menus are made once per card).
    const menu = await openFriendMenu(gus, 'fay_acct');
    await menu.getByRole('button', { name: 'Remove Fay (@fay_acct)', exact: true }).waitFor();
    await gus.keyboard.press('Escape');
    // A second tab of Fay's, already open.
    const fayTab = await fayContext.newPage();
    await fayTab.goto(server.baseUrl);
    await fayTab.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).waitFor();

    await fay.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).click();
    const name = fay.getByLabel('Display name');
    expect(await name.inputValue()).toBe('Fay');
    await name.fill('   ');
    await fay.getByRole('button', { name: 'Save name' }).click();
    await expect.poll(() => fay.locator('[data-part=name-error]').textContent()).toBe('Enter a name.');
    // Keyboard only: type the new name and press Enter in the field.
    await name.fill('Fay the Great');
    await name.press('Enter');
    await expect.poll(() => fay.locator('[data-part=name-status]').textContent()).toBe('Saved. Your friends now see you as Fay the Great.');
    await expect.poll(() => friendCard(gus, 'fay_acct').locator('[data-part=name]').textContent(), { timeout: 5_000 }).toBe('Fay the Great');
    // The card's menu names her anew too.
    await openFriendMenu(gus, 'fay_acct');
    expect(await friendCard(gus, 'fay_acct').locator('[data-part=friend-menu]').getAttribute('aria-label')).toBe('Actions for Fay the Great (@fay_acct)');
    await friendCard(gus, 'fay_acct').getByRole('button', { name: 'Remove Fay the Great (@fay_acct)', exact: true }).waitFor({ timeout: 5_000 });
    // Her other tab offers the new name, not the one it signed in with (saving it would undo the rename).
    await fayTab.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).click();
    await expect.poll(() => fayTab.getByLabel('Display name').inputValue(), { timeout: 5_000 }).toBe('Fay the Great');
    expect(violations.flat()).toEqual([]);
    await fayContext.close();
    await gus.close();
  });
});
