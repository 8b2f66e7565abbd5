/**
 * A game invitation as the invited user sees it.
 * In two tabs: it reaches every tab the invited user has open. Answered in one tab, it was
 * still offered in the others: a modal "invites you to a Pong match" with Play, which the server
 * then refused ("lapsed or was already answered"). Now the other tabs of the browser stop
 * offering it once one tab accepts it or puts it aside (Not now, Escape, Dismiss).
 * From an inviter who goes offline: the dialog went on saying only "Bob invites you", and Play
 * started the practice match on this side alone; it now says Bob appears offline, and that the
 * match starts for him only if Beacon is still open for him.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './helpers/browser.js';
import { startServer, type ServerHandle } from './helpers/server.js';
import { api, connectedFriend, openSocket, registerUser, type ApiUser } from './helpers/api-users.js';
import { setManualStatus, closeStatusMenu, signedInContext } from './helpers/ui.js';
import { expectAccessible } from './helpers/axe.js';

let server: ServerHandle;
let browser: Browser;
let ctx: BrowserContext;
let tabs: Page[];
let ann: { token: string; id: number };
let bob: ApiUser;

const TITLE = 'Bob Stone (@bob) invites you to a Pong match';
const FIVE_S = { timeout: 5_000, interval: 50 };
const invitation = (p: Page) => p.getByRole('dialog', { name: TITLE });
const quietCard = (p: Page) => p.locator('beacon-game-invite [data-part=quiet-invite]');

/** Bob invites Ann; resolves once every tab of hers shows it (`quiet`: as the card of a busy user). */
async function invite(quiet = false): Promise<void> {
  await api(server.baseUrl, bob.token, 'POST', `/users/me/friends/${ann.id}/invite`);
  for (const p of tabs) await (quiet ? quietCard(p).getByRole('button', { name: 'Play' }) : invitation(p)).waitFor({ timeout: 5_000 });
}

beforeAll(async () => {
  server = await startServer();
  browser = await launchChromium();
  ann = await registerUser(server.baseUrl, 'ann', 'Ann Lee');
  bob = await connectedFriend(server.baseUrl, 'bob', 'Bob Stone', ann.token);
  ctx = await signedInContext(browser, ann.token);
  tabs = [await ctx.newPage(), await ctx.newPage()];
  for (const p of tabs) {
    await p.goto(`${server.baseUrl}/#/friends`);
    await p.locator('beacon-connection-state[data-state=connected]').waitFor({ timeout: 15_000 });
  }
});

afterAll(async () => {
  bob?.socket?.close();
  await ctx?.close();
  await browser?.close();
  await server?.stop();
});

describe('a game invitation in two tabs of the invited user', () => {
  it('put aside with "Not now" (or Escape) in one tab, closes in the other', async () => {
    const [one, two] = tabs as [Page, Page];
    await invite();
    await invitation(one).getByRole('button', { name: 'Not now' }).click();
    await expect.poll(() => invitation(two).count(), FIVE_S).toBe(0);

    await invite();
    await invitation(two).getByRole('button', { name: 'Play' }).focus();
    await two.keyboard.press('Escape');
    await expect.poll(() => invitation(one).count(), FIVE_S).toBe(0);
  });

  it('accepted in one tab: the match starts there, and the other tab no longer offers Play', async () => {
    const [one, two] = tabs as [Page, Page];
    await invite();
    await invitation(one).getByRole('button', { name: 'Play' }).click();
    await one.getByRole('heading', { level: 1, name: 'Practice match' }).waitFor();
    await expect.poll(() => invitation(two).count(), FIVE_S).toBe(0);
    expect(await two.evaluate(() => location.hash)).toBe('#/friends');
    await one.getByRole('button', { name: 'Give up' }).click();
    await one.goto(`${server.baseUrl}/#/friends`);
  });

  it('the quiet card of a busy user, dismissed in one tab, goes in the other', async () => {
    const [one, two] = tabs as [Page, Page];
    await one.locator('beacon-connection-state[data-state=connected]').waitFor({ timeout: 15_000 });
    await setManualStatus(one, 'busy');
    await closeStatusMenu(one);
    for (const p of tabs) await expect.poll(() => p.locator('beacon-status-menu [data-part=trigger]').textContent(), FIVE_S).toContain('Busy');
    await invite(true);
    await quietCard(one).getByRole('button', { name: 'Dismiss' }).click();
    await expect.poll(() => quietCard(two).isVisible(), FIVE_S).toBe(false);
  });
});

describe('a game invitation whose inviter goes offline while it is open', () => {
  it('says the inviter appears offline now, and what that means, and stops once they are back', async () => {
    const [one] = tabs as [Page, Page];
    await setManualStatus(one, 'online');
    await closeStatusMenu(one);
    await invite();
    const note = invitation(one).locator('[data-part=inviter-offline]');
    expect(await note.textContent()).toBe('');
    bob.socket!.close();
    await expect.poll(() => note.textContent(), { timeout: 10_000, interval: 50 })
      .toBe('Bob Stone (@bob) appears offline now: the match starts for them only if Beacon is still open for them.');
    // Read with the dialog (its description), and live while it is open.
    expect(await invitation(one).getAttribute('aria-describedby')).toBe(await note.getAttribute('id'));
    await expectAccessible(one, 'invitation from an inviter shown offline');
    bob.socket = await openSocket(server.baseUrl, bob.token);
    await expect.poll(() => note.textContent(), { timeout: 10_000, interval: 50 }).toBe('');
    await invitation(one).getByRole('button', { name: 'Not now' }).click();
  });
});
