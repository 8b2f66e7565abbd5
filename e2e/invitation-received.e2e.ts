/**
 * A game invitation as the invited user sees it.
 * In two tabs: it reaches every tab the invited user has open. Answered in one tab, it was
 * still offered in the others: a modal "invites you to a Pong match" with Play, which the server
 * then refused ("lapsed or was already answered"). Now the other tabs of the browser stop
 * offering it once one tab accepts it or puts it aside (Not now, Escape, Dismiss).
 * On two devices (two browsers, each signed in): accepted on one, the other went on offering Play
 * until the invitation lapsed, and Play there answered "lapsed or was already answered" (the
 * server told that device nothing). Now the server tells every socket of the invited user
 * (`game_invite_closed`): the other device's dialog or quiet card closes, and the corner says,
 * in a live region, that it was accepted on another device; focus goes back where it was before
 * the dialog, or, from the quiet card, to that line.
 * From an inviter who goes offline: the dialog went on saying only "Bob invites you", and Play
 * started the practice match on this side alone; it now says Bob appears offline, and that the
 * match starts for him only if Beacon is still open for him.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './helpers/browser.js';
import { startServer, type ServerHandle } from './helpers/server.js';
import { api, connectedFriend, openSocket, registerUser, type ApiUser } from './helpers/api-users.js';
import { setManualStatus, closeStatusMenu, signedInContext, PASSWORD } from './helpers/ui.js';
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

describe('a game invitation on two devices of the invited user (two browsers, two logins)', () => {
  const ACCEPTED_ELSEWHERE = 'You accepted the invitation from Bob Stone (@bob) on another device or in another tab.';
  const answered = (p: Page) => p.locator('beacon-game-invite [data-part=invite-answered]');
  const focusedPart = (p: Page) => p.evaluate(() => {
    const el = document.activeElement;
    if (el?.closest('beacon-status-menu')) return 'status menu';
    if (el?.closest('[data-part=invite-answered]')) return `notice: ${el.textContent ?? ''}`;
    if (el?.closest('[data-part=quiet-invite]')) return `quiet card: ${el.textContent ?? ''}`;
    return el?.tagName ?? null;
  });

  it('accepted on one device, the other closes its dialog (or quiet card), says so, and keeps focus sensible', async () => {
    const [laptop] = tabs as [Page, Page];
    const login = await api<{ token: string }>(server.baseUrl, null, 'POST', '/auth/login', { username: 'ann', password: PASSWORD });
    const other = await signedInContext(browser, login.token);
    try {
      const phone = await other.newPage();
      await phone.goto(`${server.baseUrl}/#/friends`);
      await phone.locator('beacon-connection-state[data-state=connected]').waitFor({ timeout: 15_000 });
      // Where focus was before the dialog opened: it goes back there.
      await phone.locator('beacon-status-menu [data-part=trigger]').focus();
      await api(server.baseUrl, bob.token, 'POST', `/users/me/friends/${ann.id}/invite`);
      for (const p of [laptop, phone]) await invitation(p).waitFor({ timeout: 5_000 });
      expect(await answered(phone).textContent()).toBe('');

      await invitation(laptop).getByRole('button', { name: 'Play' }).click();
      await laptop.getByRole('heading', { level: 1, name: 'Practice match' }).waitFor();
      await expect.poll(() => invitation(phone).count(), FIVE_S).toBe(0);
      expect(await phone.getByRole('status').filter({ hasText: ACCEPTED_ELSEWHERE }).count()).toBe(1);
      expect(await answered(phone).textContent()).toBe(ACCEPTED_ELSEWHERE);
      expect(await focusedPart(phone)).toBe('status menu');
      expect(await phone.getByRole('button', { name: 'Play' }).count()).toBe(0);
      expect(await phone.evaluate(() => location.hash)).toBe('#/friends');
      await expectAccessible(phone, 'invitation accepted on another device');
      await laptop.getByRole('button', { name: 'Give up' }).click();
      await laptop.goto(`${server.baseUrl}/#/friends`);
      await laptop.locator('beacon-connection-state[data-state=connected]').waitFor({ timeout: 15_000 });

      // Busy: the quiet card, with focus on its Play on the phone, accepted on the laptop.
      await setManualStatus(laptop, 'busy');
      await closeStatusMenu(laptop);
      for (const p of [laptop, phone]) await expect.poll(() => p.locator('beacon-status-menu [data-part=trigger]').textContent(), FIVE_S).toContain('Busy');
      await api(server.baseUrl, bob.token, 'POST', `/users/me/friends/${ann.id}/invite`);
      for (const p of [laptop, phone]) await quietCard(p).getByRole('button', { name: 'Play' }).waitFor({ timeout: 5_000 });
      await quietCard(phone).getByRole('button', { name: 'Play' }).focus();
      expect(await focusedPart(phone)).toBe('quiet card: Play');
      await quietCard(laptop).getByRole('button', { name: 'Play' }).click();
      await laptop.getByRole('heading', { level: 1, name: 'Practice match' }).waitFor();
      await expect.poll(() => quietCard(phone).isVisible(), FIVE_S).toBe(false);
      // Focus moved to the line that says why, not dropped to the page.
      expect(await focusedPart(phone)).toBe(`notice: ${ACCEPTED_ELSEWHERE}`);
      await laptop.getByRole('button', { name: 'Give up' }).click();
      await laptop.goto(`${server.baseUrl}/#/friends`);
      await setManualStatus(laptop, 'online');
      await closeStatusMenu(laptop);
    } finally {
      await other.close();
    }
  });
});
