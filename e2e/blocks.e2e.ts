/**
 * Blocking and unblocking in Chromium. Blocking a friend from their card's menu says where it
 * can be undone (Privacy → Blocked users); that section lists the user blocked (name as text,
 * "blocked just now"); the Pending tab's search shows them as "Blocked", with a link to that
 * section, not an "Add friend" that the server refuses. A block or unblock made on another
 * device turns a search's row "Blocked" or back at once (`block_changed`), focus kept on that
 * row; a tab that missed it (its frame lost) is told the server's reason when it adds, not
 * "already friends". Unblock in the section (keyboard only) says what it did, keeps focus in
 * the list, and empties it; the search then offers "Add friend" again, and the request reaches
 * the other user. The section's loading and error states; a block or unblock in another tab of
 * the user shows in the section without a reload, also while it loads, focus left where it was
 * (or, its row gone, moved on); a blocked user who deletes their account leaves it likewise.
 * A tab that missed the `block_changed` frames shows the change too, in the section and in a
 * search's row: while it polls (its WebSocket blocked) and when the frame was lost on its open
 * socket (read again after the `seq` gap). The page on a phone has no sideways scroll. axe audits each state.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page, WebSocket } from 'playwright-core';
import { launchChromium } from './helpers/browser.js';
import { startServer, type ServerHandle } from './helpers/server.js';
import { api, connectedFriend, registerUser, type ApiUser } from './helpers/api-users.js';
import { expectAccessible } from './helpers/axe.js';
import { holdAnswer } from './helpers/held-answer.js';
import { friendCard, friendsTab, newPage, openFriendMenu, shot } from './helpers/ui.js';
import { unroute } from './helpers/unroute.js';
import { losingFrames } from './helpers/lost-event.js';

const FIVE_S = { timeout: 5_000, interval: 50 };

let server: ServerHandle;
let browser: Browser;
let page: Page;
let alice: { token: string; id: number };
let carol: ApiUser;
let dave: { token: string; id: number };

beforeAll(async () => {
  server = await startServer();
  browser = await launchChromium();
  alice = await registerUser(server.baseUrl, 'alice', 'Alice');
  // A display name that would be markup if it were ever written as HTML.
  carol = await connectedFriend(server.baseUrl, 'carol', 'Carol <b>Ray</b>', alice.token);
  dave = await registerUser(server.baseUrl, 'dave', 'Dave');
  page = await newPage(browser, { viewport: { width: 1280, height: 800 } });
  await page.context().addInitScript((t) => localStorage.setItem('beacon.token', t), alice.token);
  await page.goto(`${server.baseUrl}/#/friends`);
  await page.locator('beacon-connection-state[data-state=connected]').waitFor({ timeout: 15_000 });
});

afterAll(async () => {
  carol?.socket?.close();
  await page?.close();
  await browser?.close();
  await server?.stop();
});

const notice = () => page.locator('[data-part=notice]');
const blockedSection = () => page.getByRole('region', { name: 'Blocked users' });

/** Searches for `name` and waits for ITS row: the count line still says the last search's "found" meanwhile. */
async function search(name: string): Promise<void> {
  await page.getByLabel('Search by username').fill(name);
  await page.locator(`li[data-username="${name}"]`).waitFor(FIVE_S);
}

describe('blocking, then unblocking in the web app', () => {
  it('blocking from the friend menu says where it is undone; the search shows them Blocked, with a way there', async () => {
    await friendCard(page, 'carol').waitFor(FIVE_S);
    const card = await openFriendMenu(page, 'carol');
    await card.getByRole('button', { name: 'Block Carol <b>Ray</b> (@carol)' }).click();
    await card.getByRole('button', { name: 'Confirm: block Carol <b>Ray</b> (@carol)' }).click();
    await expect.poll(() => notice().textContent(), FIVE_S).toMatch(/^Carol <b>Ray<\/b> \(@carol\) is blocked: .*Privacy → Blocked users\.$/);
    await expect.poll(() => friendCard(page, 'carol').count(), FIVE_S).toBe(0);

    await friendsTab(page, 'Pending');
    await search('carol');
    const row = page.locator('li[data-username="carol"]');
    await row.getByText('Blocked', { exact: true }).waitFor(FIVE_S);
    expect(await row.getByRole('button', { name: /Add friend/ }).count()).toBe(0);
    const link = row.getByRole('link', { name: 'Unblock in Privacy: Carol <b>Ray</b> (@carol)', exact: true });
    expect(await link.getAttribute('href')).toBe('#/privacy/blocked');
    await expectAccessible(page, 'pending search, a blocked user');
    await page.setViewportSize({ width: 390, height: 844 });
    await row.scrollIntoViewIfNeeded();
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBe(0);
    await shot(page, 'blocked-in-search-phone');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('a block made on another device turns the found row Blocked at once, an unblock back; focus stays with the search or on the row', async () => {
    await search('dave');
    const row = page.locator('li[data-username="dave"]');
    const add = row.getByRole('button', { name: 'Add friend Dave (@dave)', exact: true });
    await add.waitFor(FIVE_S);
    await page.getByLabel('Search by username').focus();
    // Blocked meanwhile on another device: no new search, no add refused, the row says so.
    await api(server.baseUrl, alice.token, 'POST', '/users/me/blocks', { user_id: dave.id });
    await row.getByText('Blocked', { exact: true }).waitFor(FIVE_S);
    expect(await add.count()).toBe(0);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('player-search');
    await api(server.baseUrl, alice.token, 'DELETE', `/users/me/blocks/${dave.id}`);
    await add.waitFor(FIVE_S);
    // On the row's Add friend when the block comes: focus moves to the row's link, not to the page.
    await add.focus();
    await api(server.baseUrl, alice.token, 'POST', '/users/me/blocks', { user_id: dave.id });
    await row.getByText('Blocked', { exact: true }).waitFor(FIVE_S);
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('aria-label')), FIVE_S).toBe('Unblock in Privacy: Dave (@dave)');
    expect(await notice().textContent()).toBe('');
  });

  it('a tab that missed the block: its add says the server’s reason, and the row turns Blocked', async () => {
    const erin = await registerUser(server.baseUrl, 'erin', 'Erin');
    const tab = await page.context().newPage();
    try {
      // This tab's socket loses every block_changed (a frame lost, the socket between reconnects).
      const unheard = (text: string) => {
        const frame = JSON.parse(text) as { type: string; messages?: Array<{ type: string }> };
        if (frame.type === 'block_changed') return null;
        if (frame.type === 'batch') return JSON.stringify({ ...frame, messages: frame.messages!.filter((e) => e.type !== 'block_changed') });
        return text;
      };
      await tab.routeWebSocket(/\/ws\/status/, (ws) => {
        const upstream = ws.connectToServer();
        upstream.onMessage((m) => {
          const kept = typeof m === 'string' ? unheard(m) : m;
          if (kept !== null) ws.send(kept);
        });
      });
      await tab.goto(`${server.baseUrl}/#/friends`);
      await tab.locator('beacon-connection-state[data-state=connected]').waitFor({ timeout: 15_000 });
      await friendsTab(tab, 'Pending');
      await tab.getByLabel('Search by username').fill('erin');
      const add = tab.getByRole('button', { name: 'Add friend Erin (@erin)', exact: true });
      await add.waitFor(FIVE_S);
      await api(server.baseUrl, alice.token, 'POST', '/users/me/blocks', { user_id: erin.id });
      await add.click();
      // Said as a failure (lib/notice.ts fail(): "Not done: ", in the alert region), with the server's reason.
      const said = tab.locator('[data-part=notice]');
      await expect.poll(() => said.textContent(), FIVE_S).toBe('Not done: You blocked this user; unblock them first.');
      expect(await tab.getByRole('alert').filter({ hasText: 'You blocked this user' }).count()).toBe(1);
      await tab.locator('li[data-username="erin"]').getByText('Blocked', { exact: true }).waitFor(FIVE_S);
      expect(await add.count()).toBe(0);
      expect(await tab.evaluate(() => document.activeElement?.tagName)).not.toBe('BODY');
    } finally {
      await tab.close();
      await api(server.baseUrl, alice.token, 'DELETE', `/users/me/blocks/${erin.id}`);
    }
  });

  it('the link leads to Privacy → Blocked users, which lists each blocked user as text, with when', async () => {
    await search('carol');
    await page.locator('li[data-username="carol"]').getByRole('link', { name: /Unblock/ }).click();
    const section = blockedSection();
    const rows = section.getByRole('listitem');
    await expect.poll(() => rows.count(), FIVE_S).toBe(2);
    const lines = async (i: number) => (await rows.nth(i).innerText()).split('\n').filter((l) => l.trim() !== '');
    expect(await lines(0)).toEqual(['Carol <b>Ray</b>', '@carol', 'blocked just now', 'Unblock']);
    expect(await lines(1)).toEqual(['Dave', '@dave', 'blocked just now', 'Unblock']);
    // Shown as text: no element came out of the name.
    expect(await section.locator('b').count()).toBe(0);
    // Brought there: focus on the section's heading.
    await expect.poll(() => page.evaluate(() => document.activeElement?.id), FIVE_S).toBe('blocked-title');
    const unblock = section.getByRole('button', { name: 'Unblock Carol <b>Ray</b> (@carol)' });
    // The button says what unblocking does, without asking anything more.
    expect(await unblock.evaluate((b) => document.getElementById(b.getAttribute('aria-describedby')!)?.textContent)).toMatch(
      /send you friend requests again.*friendship.*does not come back/,
    );
    await expectAccessible(page, 'privacy, blocked users listed');

    await page.setViewportSize({ width: 390, height: 844 });
    await section.scrollIntoViewIfNeeded();
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBe(0);
    await shot(page, 'blocked-users-phone');
    await expectAccessible(page, 'privacy, blocked users listed');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('Unblock (keyboard) says what it did, keeps focus in the list, and the empty list says so', async () => {
    const section = blockedSection();
    const said = section.locator('[data-part=blocked-notice]');
    await section.getByRole('button', { name: 'Unblock Carol <b>Ray</b> (@carol)' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => said.textContent(), FIVE_S).toBe(
      'Unblocked Carol <b>Ray</b> (@carol). They can send you friend requests again; you are not friends again.',
    );
    await expect.poll(() => section.getByRole('listitem').count(), FIVE_S).toBe(1);
    // Focus went to the next row's button, not to the page.
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('aria-label')), FIVE_S).toBe('Unblock Dave (@dave)');
    await page.keyboard.press('Enter');
    await expect.poll(() => said.textContent(), FIVE_S).toMatch(/^Unblocked Dave \(@dave\)\./);
    await section.getByText('You have not blocked anyone.').waitFor(FIVE_S);
    await expect.poll(() => page.evaluate(() => document.activeElement?.id), FIVE_S).toBe('blocked-title');
    expect(await api<unknown[]>(server.baseUrl, alice.token, 'GET', '/users/me/blocks')).toEqual([]);
    await expectAccessible(page, 'privacy, no blocked users');
  });

  it('the search offers Add friend again, and the request reaches the other user', async () => {
    await friendsTab(page, 'Pending');
    await search('carol');
    await page.getByRole('button', { name: 'Add friend Carol <b>Ray</b> (@carol)', exact: true }).click();
    await expect.poll(() => notice().textContent(), FIVE_S).toBe('Friend request sent to Carol <b>Ray</b> (@carol).');
    const requests = await api<{ incoming: Array<{ from_user_id: number }> }>(server.baseUrl, carol.token, 'GET', '/users/me/friends/requests');
    expect(requests.incoming.map((r) => r.from_user_id)).toEqual([alice.id]);
  });
});

describe('the Blocked users section while it loads, and when it cannot', () => {
  it('says it is loading, then on a failure says so with Retry, which loads the list', async () => {
    await api(server.baseUrl, alice.token, 'POST', '/users/me/blocks', { user_id: dave.id });
    let refuse = true;
    await page.route('**/api/v1/users/me/blocks', (route) =>
      refuse ? route.fulfill({ status: 503, contentType: 'application/json', body: '{"code":"SERVICE_UNAVAILABLE","message":"down"}' }) : route.fallback());
    await page.goto(`${server.baseUrl}/#/privacy`);
    const section = blockedSection();
    await section.getByRole('alert').getByText(/^Could not load your blocked users\./).waitFor(FIVE_S);
    await expectAccessible(page, 'privacy, blocked users not loaded');
    refuse = false;
    const held = await holdAnswer(page, '**/api/v1/users/me/blocks', { method: 'GET' });
    await section.getByRole('button', { name: 'Retry' }).click();
    await held.reached;
    await section.getByRole('status').getByText('Loading blocked users…').waitFor(FIVE_S);
    held.release();
    await section.getByRole('button', { name: 'Unblock Dave (@dave)' }).waitFor(FIVE_S);
    await unroute(page, '**/api/v1/users/me/blocks');
  });
});

describe('a block or unblock in another tab of the user', () => {
  const rows = () => blockedSection().getByRole('listitem');
  const names = async () => (await rows().allInnerTexts()).map((t) => t.split('\n').filter((l) => l.trim() !== '').slice(0, 2).join(' '));
  const focusedLabel = () => page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.id ?? null);

  it('shows in this tab’s Blocked users without a reload, and goes again; focus stays where it was, or moves on from a row gone', async () => {
    const fred = await connectedFriend(server.baseUrl, 'fred', 'Fred', alice.token);
    const other = await page.context().newPage();
    try {
      await other.goto(`${server.baseUrl}/#/friends`);
      await friendCard(other, 'fred').waitFor(FIVE_S);
      await page.goto(`${server.baseUrl}/#/privacy`);
      await blockedSection().getByRole('button', { name: 'Unblock Dave (@dave)' }).waitFor(FIVE_S);
      await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
      await blockedSection().getByRole('button', { name: 'Unblock Dave (@dave)' }).focus();

      // Blocked in the other tab, from Fred's card.
      const card = await openFriendMenu(other, 'fred');
      await card.getByRole('button', { name: 'Block Fred (@fred)' }).click();
      await card.getByRole('button', { name: 'Confirm: block Fred (@fred)' }).click();
      await expect.poll(names, FIVE_S).toEqual(['Dave @dave', 'Fred @fred']);
      expect((await rows().nth(1).innerText()).split('\n').filter((l) => l.trim() !== '')).toEqual(['Fred', '@fred', 'blocked just now', 'Unblock']);
      expect(await focusedLabel()).toBe('Unblock Dave (@dave)');
      // Said nowhere: the section's status line tells only what was done here.
      expect(await blockedSection().locator('[data-part=blocked-notice]').textContent()).toBe('');
      await expectAccessible(page, 'privacy, a block made in another tab');

      // Unblocked in the other tab: the row goes here; focus, on another row, stays.
      await other.goto(`${server.baseUrl}/#/privacy/blocked`);
      await other.getByRole('button', { name: 'Unblock Fred (@fred)' }).click();
      await expect.poll(names, FIVE_S).toEqual(['Dave @dave']);
      expect(await focusedLabel()).toBe('Unblock Dave (@dave)');
      // The row that has focus goes: focus moves to the section's heading (no row left), not to the page.
      await other.getByRole('button', { name: 'Unblock Dave (@dave)' }).click();
      await blockedSection().getByText('You have not blocked anyone.').waitFor(FIVE_S);
      await expect.poll(focusedLabel, FIVE_S).toBe('blocked-title');
      expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
      await expectAccessible(page, 'privacy, every block lifted in another tab');
    } finally {
      await other.close();
      fred.socket?.close();
    }
  });

  it('a block made while the list loads is in it once loaded (the read answered before it is not the truth)', async () => {
    const frames: string[] = [];
    const heard = (ws: WebSocket) => ws.on('framereceived', ({ payload }) => void frames.push(String(payload)));
    page.on('websocket', heard);
    try {
      await page.goto(`${server.baseUrl}/#/friends`);
      await page.reload();
      await page.locator('beacon-connection-state[data-state=connected]').waitFor({ timeout: 15_000 });
      // The list's read is answered by the server before the block, and reaches the page after it.
      const held = await holdAnswer(page, '**/api/v1/users/me/blocks', { method: 'GET' });
      await page.evaluate(() => (location.hash = '#/privacy'));
      await held.reached;
      await blockedSection().getByRole('status').getByText('Loading blocked users…').waitFor(FIVE_S);
      await api(server.baseUrl, alice.token, 'POST', '/users/me/blocks', { user_id: dave.id });
      await expect.poll(() => frames.some((f) => f.includes('"block_changed"')), FIVE_S).toBe(true);
      held.release();
      await held.handled();
      await expect.poll(names, FIVE_S).toEqual(['Dave @dave']);
    } finally {
      page.off('websocket', heard);
    }
  });

  it('a blocked user who deletes their account leaves this tab’s Blocked users without a reload', async () => {
    const gina = await registerUser(server.baseUrl, 'gina', 'Gina');
    await expect.poll(names, FIVE_S).toEqual(['Dave @dave']);
    await api(server.baseUrl, alice.token, 'POST', '/users/me/blocks', { user_id: gina.id });
    await expect.poll(names, FIVE_S).toEqual(['Dave @dave', 'Gina @gina']);
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
    await api(server.baseUrl, gina.token, 'DELETE', '/users/me', { password: 'correct horse battery' });
    // Her row goes at once: no Unblock left on it to answer "already unblocked".
    await expect.poll(names, FIVE_S).toEqual(['Dave @dave']);
    expect(await blockedSection().getByRole('button', { name: 'Unblock Gina (@gina)' }).count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    // Said nowhere: nothing was done here.
    expect(await blockedSection().locator('[data-part=blocked-notice]').textContent()).toBe('');
  });
});

describe('a block or unblock this tab missed the frame of', () => {
  const SOCKET = /\/ws\/status/;

  /** Two tabs of Alice's, `block` set up on their context first: Privacy → Blocked users, and the Pending tab's search for `username`. */
  async function tabs(block: (context: BrowserContext) => Promise<void>, state: 'polling' | 'connected', username: string, name: string) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript((t) => localStorage.setItem('beacon.token', t), alice.token);
    await block(context);
    const privacy = await context.newPage();
    await privacy.goto(`${server.baseUrl}/#/privacy`);
    await privacy.locator(`beacon-connection-state[data-state=${state}]`).waitFor({ timeout: 30_000 });
    const pending = await context.newPage();
    await pending.goto(`${server.baseUrl}/#/friends`);
    await pending.locator(`beacon-connection-state[data-state=${state}]`).waitFor({ timeout: 30_000 });
    await friendsTab(pending, 'Pending');
    await pending.getByLabel('Search by username').fill(username);
    const row = pending.locator(`li[data-username="${username}"]`);
    await row.getByRole('button', { name: `Add friend ${name} (@${username})`, exact: true }).waitFor(FIVE_S);
    const section = privacy.getByRole('region', { name: 'Blocked users' });
    await section.locator('[data-part=blocked-list]').getByText(/You have not blocked anyone\.|Unblock/).first().waitFor(FIVE_S);
    /** Whether each tab shows `username` blocked: their row in the section, and "Blocked" on the search's row. */
    const shown = async () => ({
      listed: await section.getByRole('button', { name: `Unblock ${name} (@${username})`, exact: true }).count(),
      found: (await row.getByText('Blocked', { exact: true }).count()) ? 'Blocked' : (await row.getByRole('button', { name: /^Add friend/ }).count()) ? 'Add friend' : null,
    });
    return { context, privacy, shown };
  }

  it('shows while the tab polls (its WebSocket blocked): in Blocked users and on the found row, then gone again', async () => {
    const hank = await registerUser(server.baseUrl, 'hank', 'Hank');
    const { context, privacy, shown } = await tabs((c) => c.routeWebSocket(SOCKET, (ws) => ws.close()), 'polling', 'hank', 'Hank');
    try {
      const TWO_POLLS = { timeout: 8_000, interval: 50 };
      await api(server.baseUrl, alice.token, 'POST', '/users/me/blocks', { user_id: hank.id });
      await expect.poll(shown, TWO_POLLS).toEqual({ listed: 1, found: 'Blocked' });
      // Polls that find nothing new draw nothing again: the row shown stays the same element.
      const row = privacy.getByRole('region', { name: 'Blocked users' }).getByRole('listitem').filter({ hasText: '@hank' });
      await row.evaluate((li) => ((li as unknown as { drawn: boolean }).drawn = true));
      let polls = 0;
      privacy.on('request', (r) => void (r.url().includes('/friends/status') && polls++));
      await expect.poll(() => polls, TWO_POLLS).toBeGreaterThanOrEqual(2);
      expect(await row.evaluate((li) => (li as unknown as { drawn?: boolean }).drawn)).toBe(true);
      await api(server.baseUrl, alice.token, 'DELETE', `/users/me/blocks/${hank.id}`);
      await expect.poll(shown, TWO_POLLS).toEqual({ listed: 0, found: 'Add friend' });
      expect(await privacy.locator('beacon-connection-state').getAttribute('data-state')).toBe('polling');
    } finally {
      await context.close();
      await api(server.baseUrl, alice.token, 'DELETE', `/users/me/blocks/${hank.id}`).catch(() => undefined);
    }
  });

  it('shows when its block_changed was lost on the open socket: read again after the gap', async () => {
    const ivy = await registerUser(server.baseUrl, 'ivy', 'Ivy');
    const { context, privacy, shown } = await tabs((c) => losingFrames(c, SOCKET, ['block_changed']), 'connected', 'ivy', 'Ivy');
    /** The next frame (her own message, set on another device) shows that one was lost. */
    const mark = async (text: string) => {
      await api(server.baseUrl, alice.token, 'PUT', '/users/me/status', { status: 'online', custom_message: text });
      for (const p of context.pages()) await expect.poll(() => p.locator('[data-part=self-message]').textContent(), FIVE_S).toBe(`“${text}”`);
    };
    try {
      await api(server.baseUrl, alice.token, 'POST', '/users/me/blocks', { user_id: ivy.id });
      await mark('one lost before');
      await expect.poll(shown, FIVE_S).toEqual({ listed: 1, found: 'Blocked' });
      await api(server.baseUrl, alice.token, 'DELETE', `/users/me/blocks/${ivy.id}`);
      await mark('another lost before');
      await expect.poll(shown, FIVE_S).toEqual({ listed: 0, found: 'Add friend' });
      expect(await privacy.locator('beacon-connection-state').getAttribute('data-state')).toBe('connected');
    } finally {
      await context.close();
      await api(server.baseUrl, alice.token, 'DELETE', `/users/me/blocks/${ivy.id}`).catch(() => undefined);
      await api(server.baseUrl, alice.token, 'PUT', '/users/me/status', { status: 'online', custom_message: null });
    }
  });
});
