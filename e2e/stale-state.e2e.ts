/**
 * What the screen keeps showing after the facts changed elsewhere: each test changes something
 * over the API (another person, another tab) while the page shows it, and checks the page
 * stops claiming what is no longer true.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Locator, Page, Route } from 'playwright-core';
import { launchChromium } from './helpers/browser.js';
import { startServer, type ServerHandle } from './helpers/server.js';
import { api, connectedFriend, type ApiUser } from './helpers/api-users.js';
import { friendCard, logIn, openFriendMenu, openStatusMenu, PASSWORD } from './helpers/ui.js';
import { expectAccessible } from './helpers/axe.js';
import { holdAnswer } from './helpers/held-answer.js';
import { unroute } from './helpers/unroute.js';
import { losingFrames } from './helpers/lost-event.js';

const FIVE_S = { timeout: 5_000 };

let server: ServerHandle;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;
let uma: { token: string; id: number };
const friends: ApiUser[] = [];

/** A new friend of Uma's, connected over a socket, whose card Uma's page shows. */
async function newFriend(username: string, displayName: string): Promise<ApiUser> {
  const friend = await connectedFriend(server.baseUrl, username, displayName, uma.token);
  friends.push(friend);
  // A fresh page per test: nothing left open by the one before.
  await page.goto(`${server.baseUrl}/#/friends`);
  await page.reload();
  await friendCard(page, username).waitFor();
  return friend;
}

beforeAll(async () => {
  server = await startServer();
  browser = await launchChromium();
  const r = await api<{ token: string; user: { id: number } }>(server.baseUrl, null, 'POST', '/auth/register', {
    username: 'uma', password: 'correct horse battery', display_name: 'Uma Fox',
  });
  uma = { token: r.token, id: r.user.id };
  ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await ctx.addInitScript((t) => localStorage.setItem('beacon.token', t), uma.token);
  page = await ctx.newPage();
});

afterAll(async () => {
  for (const f of friends) f.socket?.close();
  await ctx?.close();
  await browser?.close();
  await server?.stop();
});

describe('a game invitation whose inviter is no longer a friend', () => {
  it('says so in the dialog, without Play, when the inviter unfriends you', async () => {
    const vic = await newFriend('vic', 'Vic Hale');
    await api(server.baseUrl, vic.token, 'POST', `/users/me/friends/${uma.id}/invite`);
    await page.getByRole('dialog', { name: 'Vic Hale (@vic) invites you to a Pong match' }).waitFor(FIVE_S);
    await api(server.baseUrl, vic.token, 'DELETE', `/users/me/friends/${uma.id}`);
    const dialog = page.getByRole('dialog', { name: 'The invitation from Vic Hale (@vic) is no longer open' });
    await dialog.waitFor(FIVE_S);
    await dialog.getByText('You are no longer friends, so the match cannot start.').waitFor();
    expect(await dialog.getByRole('button', { name: 'Play' }).count()).toBe(0);
    // Focus stays in the dialog, on the one way out.
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Close');
    await expectAccessible(page, 'game invitation withdrawn');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('dialog').count()).toBe(0);
  });

  it('names the inviter as they are now when they rename while it is open', async () => {
    const nel = await newFriend('nel', 'Nel Ito');
    await api(server.baseUrl, nel.token, 'POST', `/users/me/friends/${uma.id}/invite`);
    await page.getByRole('dialog', { name: 'Nel Ito (@nel) invites you to a Pong match' }).waitFor(FIVE_S);
    await api(server.baseUrl, nel.token, 'PATCH', '/users/me', { display_name: 'Nell Ito-Park' });
    await page.getByRole('dialog', { name: 'Nell Ito-Park (@nel) invites you to a Pong match' }).waitFor(FIVE_S);
  });

  it('says so in the quiet card of a busy user, without Play, when the inviter blocks you', async () => {
    const wes = await newFriend('wes', 'Wes Lane');
    await api(server.baseUrl, uma.token, 'PUT', '/users/me/status', { status: 'busy' });
    try {
      await expect.poll(() => page.locator('[data-part=self-status]').first().textContent(), FIVE_S).toMatch(/busy|do not disturb/i);
      await api(server.baseUrl, wes.token, 'POST', `/users/me/friends/${uma.id}/invite`);
      const quiet = page.getByRole('region', { name: 'Game invitation' });
      await quiet.getByText('Wes Lane (@wes) invited you to a Pong match while you were busy.').waitFor(FIVE_S);
      await api(server.baseUrl, wes.token, 'POST', '/users/me/blocks', { user_id: uma.id });
      await quiet.getByText('The invitation from Wes Lane (@wes) is no longer open: you are no longer friends.').waitFor(FIVE_S);
      expect(await quiet.getByRole('button', { name: 'Play' }).count()).toBe(0);
      await quiet.getByRole('button', { name: 'Dismiss' }).click();
      expect(await quiet.isHidden()).toBe(true);
    } finally {
      await api(server.baseUrl, uma.token, 'PUT', '/users/me/status', { status: 'online' });
    }
  });
});

/**
 * A received invitation lapses on the server 10 minutes after it was made (nobody is told): the
 * page counts that window itself (its clock is Playwright's here), and an acceptance the server
 * refuses as gone ends it too, instead of leaving Play on offer.
 */
describe('a game invitation whose time is up', () => {
  /** A page of a new user, its clock under the test's control, with a friend connected who invites them. */
  async function invitedPage(name: string): Promise<{ p: Page; me: { token: string; id: number }; friend: ApiUser; context: BrowserContext }> {
    const r = await api<{ token: string; user: { id: number } }>(server.baseUrl, null, 'POST', '/auth/register', {
      username: name, password: PASSWORD, display_name: name,
    });
    const me = { token: r.token, id: r.user.id };
    const friend = await connectedFriend(server.baseUrl, `${name}_pal`, 'Pal Ode', me.token);
    friends.push(friend);
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript((t) => localStorage.setItem('beacon.token', t), me.token);
    const p = await context.newPage();
    await p.clock.install();
    await p.goto(`${server.baseUrl}/#/friends`);
    await friendCard(p, `${name}_pal`).waitFor();
    return { p, me, friend, context };
  }

  it('the quiet card of a busy user stops offering Play when the 10 minutes are over, and says when it lapsed', async () => {
    const { p, me, friend, context } = await invitedPage('ida');
    try {
      await api(server.baseUrl, me.token, 'PUT', '/users/me/status', { status: 'busy' });
      await expect.poll(() => p.locator('[data-part=self-status]').first().textContent(), FIVE_S).toMatch(/busy|do not disturb/i);
      // The page's time 10 minutes after it got the invitation (between these two moments).
      const tenMinutesOn = () => p.evaluate(() => new Date(Date.now() + 10 * 60_000).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' }));
      const before = await tenMinutesOn();
      await api(server.baseUrl, friend.token, 'POST', `/users/me/friends/${me.id}/invite`);
      const quiet = p.getByRole('region', { name: 'Game invitation' });
      await quiet.getByText('Pal Ode (@ida_pal) invited you to a Pong match while you were busy.').waitFor(FIVE_S);
      const after = await tenMinutesOn();
      await p.clock.fastForward('09:30');
      expect(await quiet.getByRole('button', { name: 'Play' }).isVisible()).toBe(true);
      await p.clock.fastForward('00:40');
      const lapsed = quiet.getByText(/^The invitation from Pal Ode \(@ida_pal\) lapsed at .+\.$/);
      await lapsed.waitFor(FIVE_S);
      expect([`The invitation from Pal Ode (@ida_pal) lapsed at ${before}.`, `The invitation from Pal Ode (@ida_pal) lapsed at ${after}.`]).toContain(await lapsed.textContent());
      expect(await quiet.getByRole('button', { name: 'Play' }).count()).toBe(0);
      await expectAccessible(p, 'game invitation lapsed (quiet card)');
      await quiet.getByRole('button', { name: 'Dismiss' }).click();
      expect(await quiet.isHidden()).toBe(true);
    } finally {
      await context.close();
    }
  });

  it('the dialog stops offering Play when the 10 minutes are over, focus on Close', async () => {
    const { p, me, friend, context } = await invitedPage('ina');
    try {
      await api(server.baseUrl, friend.token, 'POST', `/users/me/friends/${me.id}/invite`);
      await p.getByRole('dialog', { name: 'Pal Ode (@ina_pal) invites you to a Pong match' }).waitFor(FIVE_S);
      await p.clock.fastForward('10:10');
      const dialog = p.getByRole('dialog', { name: 'The invitation from Pal Ode (@ina_pal) is no longer open' });
      await dialog.waitFor(FIVE_S);
      await dialog.getByText(/^It lapsed at \d{1,2}:\d{2}( [AP]M)?: an invitation is open for 10 minutes\.$/).waitFor();
      expect(await dialog.getByRole('button', { name: 'Play' }).count()).toBe(0);
      await expect.poll(() => p.evaluate(() => document.activeElement?.textContent)).toBe('Close');
    } finally {
      await context.close();
    }
  });

  it('an acceptance the server answers “no longer exists” ends the invitation instead of leaving Play on offer', async () => {
    const { p, me, friend, context } = await invitedPage('ila');
    try {
      await api(server.baseUrl, me.token, 'PUT', '/users/me/status', { status: 'busy' });
      await expect.poll(() => p.locator('[data-part=self-status]').first().textContent(), FIVE_S).toMatch(/busy|do not disturb/i);
      const { invite_id } = await api<{ invite_id: string }>(server.baseUrl, friend.token, 'POST', `/users/me/friends/${me.id}/invite`);
      const quiet = p.getByRole('region', { name: 'Game invitation' });
      await quiet.getByRole('button', { name: 'Play' }).waitFor(FIVE_S);
      // Gone from the server without the page hearing of it (it lapsed; an acceptance on another
      // device now closes the card by itself, game_invite_closed): the page's acceptance is sent
      // for an invitation the server does not have, and the server's own 404 comes back.
      await p.route(`**/users/me/friends/${friend.id}/invite/${invite_id}/accept`, (route) =>
        route.continue({ url: route.request().url().replace(invite_id, '00000000-0000-4000-8000-000000000000') }),
      );
      await quiet.getByRole('button', { name: 'Play' }).click();
      await quiet.getByText('The invitation from Pal Ode (@ila_pal) is no longer open: it lapsed or was already answered.').waitFor(FIVE_S);
      expect(await quiet.getByRole('button', { name: 'Play' }).count()).toBe(0);
      expect(await quiet.getByText(/Could not accept/).count()).toBe(0);
      await expect.poll(() => p.evaluate(() => document.activeElement?.textContent)).toBe('Dismiss');
    } finally {
      await api(server.baseUrl, me.token, 'PUT', '/users/me/status', { status: 'online' });
      await context.close();
    }
  });
});

describe('a friend who changes while their menu is open', () => {
  const focused = () => page.evaluate(() => {
    const el = document.activeElement;
    return el === document.body || !el ? 'body' : `${el.closest('beacon-friend-card')?.getAttribute('data-username') ?? '-'} ${el.getAttribute('data-part') ?? el.tagName}`;
  });

  it('keeps focus in the menu when the friend’s card changes and moves up the list', async () => {
    await newFriend('zed', 'Zed Cole');
    const yan = await newFriend('yan', 'Yan Park');
    await api(server.baseUrl, yan.token, 'PUT', '/users/me/status', { status: 'away' });
    await expect.poll(() => friendCard(page, 'yan').getAttribute('data-status'), FIVE_S).toBe('away');
    const card = await openFriendMenu(page, 'yan');
    await expect.poll(focused).toBe('yan category');
    // Online sorts before away: Yan's card moves above Zed's.
    await api(server.baseUrl, yan.token, 'PUT', '/users/me/status', { status: 'online' });
    await expect.poll(() => friendCard(page, 'yan').getAttribute('data-status'), FIVE_S).toBe('online');
    expect(await focused()).toBe('yan category');
    expect(await card.locator('[data-part=friend-menu]').getAttribute('aria-expanded')).toBe('true');
  });

  it('moves focus to the next friend’s menu button when the friend leaves the list', async () => {
    const abe = await newFriend('abe', 'Abe Ross');
    await newFriend('amo', 'Amo Diaz');
    // Online friends sort by username: Abe's card, then Amo's.
    await openFriendMenu(page, 'abe');
    await expect.poll(focused).toBe('abe category');
    await api(server.baseUrl, abe.token, 'DELETE', `/users/me/friends/${uma.id}`);
    await expect.poll(() => friendCard(page, 'abe').count(), FIVE_S).toBe(0);
    await expect.poll(focused).toBe('amo friend-menu');
  });
});

describe('the friend menu before and without the server’s answer', () => {
  /** Routes one API path and method of Uma's page to `handle` (until the test ends). */
  const routed: Array<[(url: URL) => boolean, (route: Route) => Promise<void>]> = [];
  async function intercept(path: string, method: string, handle: (route: Route) => Promise<void>): Promise<void> {
    const url = (u: URL) => u.pathname === `/api/v1${path}`;
    const handler = (route: Route) => (route.request().method() === method ? handle(route) : route.fallback());
    routed.push([url, handler]);
    await page.route(url, handler);
  }
  /** Removes the routes intercept() added, with the page's interception kept on (helpers/unroute.ts). */
  async function unrouteAll(): Promise<void> {
    for (const [url, handler] of routed.splice(0)) await unroute(page, url, handler);
  }
  afterEach(() => unrouteAll());
  const fail = (route: Route) => route.fulfill({ status: 500, contentType: 'application/json', body: '{"code":"INTERNAL_ERROR","message":"Something went wrong"}' });

  it('shows no category until it is known, and none when it cannot be read', async () => {
    const kit = await newFriend('kit', 'Kit Bay');
    await api(server.baseUrl, uma.token, 'PATCH', `/users/me/friends/${kit.id}`, { category: 'acquaintance' });
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    await intercept('/users/me/friends', 'GET', async (route) => {
      await held;
      await route.fallback();
    });
    const card = await openFriendMenu(page, 'kit');
    const select = card.getByLabel('Kit Bay (@kit) is your…');
    expect(await select.inputValue()).toBe('');
    expect(await select.isDisabled()).toBe(true);
    release();
    await expect.poll(() => select.inputValue(), FIVE_S).toBe('acquaintance');
    expect(await select.isDisabled()).toBe(false);

    await unrouteAll();
    await page.reload();
    await intercept('/users/me/friends', 'GET', fail);
    await openFriendMenu(page, 'kit');
    await card.getByText('Could not read the category of Kit Bay (@kit).', { exact: false }).waitFor(FIVE_S);
    expect(await select.inputValue()).toBe('');
  });

  it('puts the category back when a change is refused', async () => {
    const lou = await newFriend('lou', 'Lou Hart');
    const card = await openFriendMenu(page, 'lou');
    const select = card.getByLabel('Lou Hart (@lou) is your…');
    await expect.poll(() => select.inputValue(), FIVE_S).toBe('friend');
    await intercept(`/users/me/friends/${lou.id}`, 'PATCH', fail);
    await select.selectOption('close_friend');
    await card.getByText('Something went wrong', { exact: false }).waitFor(FIVE_S);
    expect(await select.inputValue()).toBe('friend');
  });

  it('does not show “Notify me” as off when whether you follow the friend cannot be read', async () => {
    const max = await newFriend('max', 'Max Lowe');
    await api(server.baseUrl, uma.token, 'PUT', `/users/me/notifications/watches/${max.id}`);
    await intercept('/users/me/notifications/watches', 'GET', fail);
    const card = await openFriendMenu(page, 'max');
    await card.getByText('Could not read whether you follow Max Lowe (@max).', { exact: false }).waitFor(FIVE_S);
    const watch = card.getByRole('button', { name: 'Notify me when online' });
    expect(await watch.isDisabled()).toBe(true);
  });
});

describe('two tabs of one browser when the other one changes who is signed in', () => {
  const meOf = (p: Page) => p.locator('[data-part=me]').textContent({ timeout: 1_000 }).catch(() => null);

  /** Two tabs of one browser (one localStorage), both signed in as `username`. */
  async function twoTabs(username: string): Promise<{ tabs: [Page, Page]; close: () => Promise<void> }> {
    const { token } = await api<{ token: string }>(server.baseUrl, null, 'POST', '/auth/register', { username, password: PASSWORD });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const first = await context.newPage();
    await first.goto(`${server.baseUrl}/#/friends`);
    await first.evaluate((t) => localStorage.setItem('beacon.token', t), token);
    const tabs: [Page, Page] = [first, await context.newPage()];
    for (const tab of tabs) {
      await tab.goto(`${server.baseUrl}/#/friends`);
      await tab.reload();
      await expect.poll(() => meOf(tab), FIVE_S).toBe(`@${username}`);
    }
    return { tabs, close: () => context.close() };
  }

  it('a tab follows another tab that signed in as someone else, instead of using their token under this account', async () => {
    const { tabs: [one, two], close } = await twoTabs('ola');
    try {
      const pia = await api<{ token: string }>(server.baseUrl, null, 'POST', '/auth/register', { username: 'pia', password: PASSWORD });
      // Tab one dropped Ola's token locally (its logout did not reach the server) and signed in as Pia.
      await one.evaluate((t) => localStorage.setItem('beacon.token', t), pia.token);
      await expect.poll(() => meOf(two), FIVE_S).toBe('@pia');
    } finally {
      await close();
    }
  });

  it('“Appear offline” set in one tab shows as “Invisible” in the other', async () => {
    const { tabs: [one, two], close } = await twoTabs('rue');
    try {
      const shown = (p: Page) => p.locator('[data-part=self-status]').textContent();
      await expect.poll(() => shown(two), FIVE_S).toBe('Online');
      const menu = await openStatusMenu(one);
      await menu.getByRole('switch', { name: /Appear offline/ }).check();
      await expect.poll(() => shown(one), FIVE_S).toBe('Invisible');
      await expect.poll(() => shown(two), FIVE_S).toBe('Invisible');
      await menu.getByRole('switch', { name: /Appear offline/ }).uncheck();
      await expect.poll(() => shown(two), FIVE_S).toBe('Online');
    } finally {
      await close();
    }
  });

  it('a tab signed out by another tab’s logout signs in again when that tab logs back in', async () => {
    const { tabs: [one, two], close } = await twoTabs('quin');
    try {
      await one.getByRole('button', { name: 'Log out' }).click();
      await two.getByRole('heading', { name: 'Welcome back' }).waitFor(FIVE_S);
      await logIn(one, server.baseUrl, 'quin');
      await expect.poll(() => meOf(one), FIVE_S).toBe('@quin');
      await expect.poll(() => meOf(two), FIVE_S).toBe('@quin');
    } finally {
      await close();
    }
  });
});

describe('settings changed on another device', () => {
  it('“Appear offline” set on a phone shows as “Invisible” here at once, and back to “Online”', async () => {
    await page.goto(`${server.baseUrl}/#/friends`);
    await page.reload();
    const shown = () => page.locator('[data-part=self-status]').textContent();
    await expect.poll(shown, FIVE_S).toBe('Online');
    // Another device: the API with Uma's token, not this browser (no tab of it is told).
    await api(server.baseUrl, uma.token, 'PUT', '/users/me/status/settings', { status_visibility: 'hidden' });
    await expect.poll(shown, FIVE_S).toBe('Invisible');
    await api(server.baseUrl, uma.token, 'PUT', '/users/me/status/settings', { status_visibility: 'friends' });
    await expect.poll(shown, FIVE_S).toBe('Online');
  });

  it('shows here while this page polls (its WebSocket blocked): “Invisible”, then close friends only, in the header and on your card', async () => {
    // No socket, so no settings_update: only the polls (every 3 s) can bring the news.
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript((t) => localStorage.setItem('beacon.token', t), uma.token);
    await context.routeWebSocket(/\/ws\/status/, (ws) => ws.close());
    try {
      const tab = await context.newPage();
      await tab.goto(`${server.baseUrl}/#/friends`);
      await tab.locator('beacon-connection-state[data-state=polling]').waitFor({ timeout: 30_000 });
      const header = () => tab.locator('[data-part=self-status]').textContent();
      const card = () => tab.locator('beacon-friend-card[data-self] [data-part=status-label]').textContent();
      await expect.poll(header, FIVE_S).toBe('Online');
      expect(await card()).toBe('Online');
      const TWO_POLLS = { timeout: 8_000 };
      // Another device: the API with Uma's token, not this browser (no tab of it is told).
      await api(server.baseUrl, uma.token, 'PUT', '/users/me/status/settings', { status_visibility: 'hidden' });
      await expect.poll(header, TWO_POLLS).toBe('Invisible');
      await expect.poll(card, FIVE_S).toBe('Offline');
      expect(await tab.locator('beacon-friend-card[data-self] [data-part=audience]').textContent()).toBe('Everyone sees you as offline');
      // Only close friends see the status now: plain friends see Uma offline, and her card says so.
      await api(server.baseUrl, uma.token, 'PUT', '/users/me/status/settings', { status_visibility: 'close_friends' });
      await expect.poll(header, TWO_POLLS).toBe('Online');
      await expect.poll(card, FIVE_S).toBe('Offline');
      expect(await tab.locator('beacon-friend-card[data-self] [data-part=audience]').textContent()).toBe('Close friends see Online; other friends see you offline');
      expect(await tab.locator('beacon-connection-state').getAttribute('data-state')).toBe('polling');
    } finally {
      await context.close();
      await api(server.baseUrl, uma.token, 'PUT', '/users/me/status/settings', { status_visibility: 'friends' });
    }
  });

  it('shows here when its settings_update was lost on the open socket: read again with the views after the gap', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript((t) => localStorage.setItem('beacon.token', t), uma.token);
    // Every settings_update is lost on the way (alone or in a batch); the frames after it show the gap.
    await losingFrames(context, /\/ws\/status/, ['settings_update']);
    try {
      const tab = await context.newPage();
      await tab.goto(`${server.baseUrl}/#/friends`);
      await tab.locator('beacon-connection-state[data-state=connected]').waitFor({ timeout: 15_000 });
      const header = () => tab.locator('[data-part=self-status]').textContent();
      await expect.poll(header, FIVE_S).toBe('Online');
      await api(server.baseUrl, uma.token, 'PUT', '/users/me/status/settings', { status_visibility: 'hidden' });
      // The next frame (her own message, set on that device too) shows that one was lost.
      await api(server.baseUrl, uma.token, 'PUT', '/users/me/status', { status: 'online', custom_message: 'lost one before' });
      await expect.poll(() => tab.locator('[data-part=self-message]').textContent(), FIVE_S).toBe('“lost one before”');
      await expect.poll(header, FIVE_S).toBe('Invisible');
      await expect.poll(() => tab.locator('beacon-friend-card[data-self] [data-part=status-label]').textContent(), FIVE_S).toBe('Offline');
    } finally {
      await context.close();
      await api(server.baseUrl, uma.token, 'PUT', '/users/me/status/settings', { status_visibility: 'friends' });
      await api(server.baseUrl, uma.token, 'PUT', '/users/me/status', { status: 'online', custom_message: null });
    }
  });
});

describe('two privacy changes whose answers come back out of order', () => {
  const shownOn = (p: Page) => Promise.all(['activity_visibility', 'custom_message_visibility'].map((k) => p.locator(`#privacy-${k}`).inputValue()));
  const wordsOn = (p: Page) => p.locator('[data-part=explanation]').innerText();

  it('the page, and the other tab, end showing what the server holds, not the slow first answer', async () => {
    const { token, user } = await api<{ token: string; user: { id: number } }>(server.baseUrl, null, 'POST', '/auth/register', { username: 'sol_race', password: PASSWORD });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript((t) => localStorage.setItem('beacon.token', t), token);
    try {
      const [one, two] = [await context.newPage(), await context.newPage()];
      for (const tab of [one, two]) {
        await tab.goto(`${server.baseUrl}/#/privacy`);
        await tab.locator('beacon-connection-state[data-state=connected]').waitFor({ timeout: 15_000 });
        await tab.locator('#privacy-activity_visibility').waitFor(FIVE_S);
      }
      // A slow network on the way back: the first save's answer is held until released (the server has already saved it).
      const firstSave = await holdAnswer(one, '**/api/v1/users/me/status/settings');
      const server_ = () => api<Record<string, string>>(server.baseUrl, token, 'GET', '/users/me/status/settings');
      await one.selectOption('#privacy-activity_visibility', 'close_friends'); // narrows one field
      await expect.poll(async () => (await server_()).activity_visibility, FIVE_S).toBe('close_friends');
      await one.selectOption('#privacy-custom_message_visibility', 'public'); // then widens another
      await expect.poll(async () => (await server_()).custom_message_visibility, FIVE_S).toBe('public');
      await expect.poll(() => shownOn(two), FIVE_S).toEqual(['close_friends', 'public']);
      // Every write of tab one's "Saved" line from now on: the first one is the held answer's.
      const line = one.locator('[data-part=saved]');
      await line.evaluate((el: HTMLElement & { writes?: number }) => {
        el.writes = 0;
        new MutationObserver(() => el.writes!++).observe(el, { childList: true, characterData: true, subtree: true });
      });
      // Everything tab one tells its other tabs (the user's settings channel), as tab two hears it.
      const channel = `beacon.settings.${user.id}`;
      await two.evaluate((name) => {
        const heard: unknown[] = ((window as { heard?: unknown[] }).heard = []);
        new BroadcastChannel(name).onmessage = (m) => heard.push(m.data);
      }, channel);
      firstSave.release();
      await expect.poll(() => line.evaluate((el: HTMLElement & { writes?: number }) => el.writes), FIVE_S).toBeGreaterThan(0);
      // Anything tab one told tab two about the held answer was posted before that write; a last
      // message posted now arrives after it (one sender's messages arrive in order).
      await one.evaluate((name) => new BroadcastChannel(name).postMessage('end'), channel);
      await expect.poll(() => two.evaluate(() => (window as { heard?: unknown[] }).heard?.includes('end')), FIVE_S).toBe(true);
      // What a page opened now shows is the truth: both tabs show the same, choices and words.
      const fresh = await context.newPage();
      await fresh.goto(`${server.baseUrl}/#/privacy`);
      await fresh.locator('#privacy-activity_visibility').waitFor(FIVE_S);
      expect(await shownOn(fresh)).toEqual(['close_friends', 'public']);
      for (const tab of [two, one]) {
        expect(await shownOn(tab)).toEqual(['close_friends', 'public']);
        expect(await wordsOn(tab)).toBe(await wordsOn(fresh));
      }
      expect(await line.textContent()).toBe('Saved. It applies right away.');
    } finally {
      await context.close();
    }
  });
});

describe('status changes whose answers come back late', () => {
  const ticked = (menu: Locator) => menu.locator('[role=radio][aria-checked=true]').getAttribute('value');

  /** A new user's page on the Friends page, connected, with the status menu open; its socket never brings an `unheard` frame. */
  async function openMenu(username: string, unheard?: string): Promise<{ token: string; id: number; tab: Page; menu: Locator; close: () => Promise<void> }> {
    const { token, user } = await api<{ token: string; user: { id: number } }>(server.baseUrl, null, 'POST', '/auth/register', { username, password: PASSWORD });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript((t) => localStorage.setItem('beacon.token', t), token);
    const tab = await context.newPage();
    if (unheard) await loseFrames(tab, unheard);
    await tab.goto(`${server.baseUrl}/#/friends`);
    await tab.locator('beacon-connection-state[data-state=connected]').waitFor({ timeout: 15_000 });
    const menu = await openStatusMenu(tab);
    await expect.poll(() => ticked(menu), FIVE_S).toBe('online');
    return { token, id: user.id, tab, menu, close: () => context.close() };
  }
  /** `tab`'s socket never brings a `type` frame, alone or in a batch (lost, or sent while it was between reconnects). */
  async function loseFrames(tab: Page, type: string): Promise<void> {
    await tab.routeWebSocket(/\/ws\/status/, (ws) => {
      const upstream = ws.connectToServer();
      upstream.onMessage((m) => {
        if (typeof m !== 'string') return ws.send(m);
        const frame = JSON.parse(m) as { type: string; messages?: Array<{ type: string }> };
        if (frame.type === type) return;
        ws.send(frame.type === 'batch' ? JSON.stringify({ ...frame, messages: frame.messages!.filter((e) => e.type !== type) }) : m);
      });
    });
  }
  /** The manual status the server holds for the user (their own view, as they read it). */
  const manualOf = async (token: string, id: number) => (await api<{ manual_status: string }>(server.baseUrl, token, 'GET', `/users/${id}/status`)).manual_status;

  it('ticks what another device chose after Busy, not Busy, when Busy’s answer arrives last', async () => {
    const { token, id, tab, menu, close } = await openMenu('tess_late');
    try {
      // A slow network on the way back: the server has set Busy, its answer is held.
      const busy = await holdAnswer(tab, '**/api/v1/users/me/status');
      const group = menu.locator('[role=radiogroup]');
      await menu.locator('[role=radio][value=busy]').click();
      await expect.poll(() => manualOf(token, id), FIVE_S).toBe('busy');
      // Then another device chooses Away: this page hears it and ticks it.
      await api(server.baseUrl, token, 'PUT', '/users/me/status', { status: 'away' });
      await expect.poll(() => ticked(menu), FIVE_S).toBe('away');
      expect(await group.getAttribute('aria-busy')).toBe('true'); // Busy's answer not taken in yet
      busy.release();
      // The group stops being busy in the same task that takes the held answer in and ticks.
      await expect.poll(() => group.getAttribute('aria-busy'), FIVE_S).toBeNull();
      expect(await manualOf(token, id)).toBe('away');
      expect(await ticked(menu)).toBe('away');
      expect(await tab.locator('[data-part=self-status]').textContent()).toBe('Away');
      // What it remembers as the choice (the next sign-in's starting point) is the one in force.
      await tab.keyboard.press('Escape');
      const menuAgain = await openStatusMenu(tab);
      expect(await ticked(menuAgain)).toBe('away');
    } finally {
      await close();
    }
  });

  it('presses the quick activity another device chose after Watching, not Watching, when Watching’s answer arrives last', async () => {
    const { token, id, tab, menu, close } = await openMenu('ivo_late');
    try {
      const pressed = () => menu.locator('[data-activity][aria-pressed=true]').getAttribute('data-activity');
      const activityOf = async () => (await api<{ activity: string | null }>(server.baseUrl, token, 'GET', `/users/${id}/status`)).activity;
      // A slow network on the way back: the server has taken Watching, its answer is held.
      const watching = await holdAnswer(tab, '**/api/v1/users/me/activity', { method: 'POST' });
      const chips = menu.locator('[role=group][aria-labelledby=beacon-activity-title]');
      expect(await chips.getAttribute('aria-busy')).toBeNull();
      await menu.locator('[data-activity=watching_match]').click();
      await expect.poll(activityOf, FIVE_S).toBe('watching_match');
      // Then another device declares Chatting: this page hears it and presses it.
      await api(server.baseUrl, token, 'POST', '/users/me/activity', { activity: 'chatting' });
      await expect.poll(pressed, FIVE_S).toBe('chatting');
      expect(await chips.getAttribute('aria-busy')).toBe('true'); // Watching's answer not taken in yet
      watching.release();
      // The chips stop being busy in the same task that takes the held answer in and presses.
      await expect.poll(() => chips.getAttribute('aria-busy'), FIVE_S).toBeNull();
      expect(await activityOf()).toBe('chatting');
      expect(await pressed()).toBe('chatting');
      expect(await menu.locator('[data-activity][aria-pressed=true]').count()).toBe(1);
    } finally {
      await close();
    }
  });

  it('marks the status on its way busy, visibly and for assistive technology, until its answer', async () => {
    const { tab, menu, close } = await openMenu('vea_busy');
    try {
      const held = await holdAnswer(tab, '**/api/v1/users/me/status', { at: 'request' });
      const busy = menu.locator('[role=radio][value=busy]');
      const group = menu.locator('[role=radiogroup]');
      expect(await busy.getAttribute('aria-busy')).toBeNull();
      expect(await busy.locator('[data-part=pending]').isVisible()).toBe(false);
      await busy.click();
      await expect.poll(() => busy.getAttribute('aria-busy'), FIVE_S).toBe('true');
      expect(await group.getAttribute('aria-busy')).toBe('true');
      expect(await menu.locator('[role=radio][value=away]').getAttribute('aria-busy')).toBeNull();
      // Seen in words, not only in a tint; the option's name stays its own.
      expect(await busy.locator('[data-part=pending]').isVisible()).toBe(true);
      expect(await busy.locator('[data-part=pending]').textContent()).toBe('Saving…');
      await expectAccessible(tab, 'status menu, a change on its way');
      held.release();
      await held.answered;
      await expect.poll(() => busy.getAttribute('aria-busy'), FIVE_S).toBeNull();
      expect(await group.getAttribute('aria-busy')).toBeNull();
      expect(await busy.locator('[data-part=pending]').isVisible()).toBe(false);
      expect(await ticked(menu)).toBe('busy');
    } finally {
      await close();
    }
  });

  const appearOffline = (menu: Locator) => menu.getByRole('switch', { name: /Appear offline/ });
  /** Who the server shows the user's status to (their privacy settings). */
  const visibilityOf = async (token: string) => (await api<{ status_visibility: string }>(server.baseUrl, token, 'GET', '/users/me/status/settings')).status_visibility;
  /** A change of Ada's held on its way: the test's name for it, and how each is pressed and seen applied. */
  const CHANGES = {
    busy: { named: 'status', url: '**/api/v1/users/me/status', press: (menu: Locator) => menu.locator('[role=radio][value=busy]').click() },
    hide: { named: '“Appear offline”', url: '**/api/v1/users/me/status/settings', press: (menu: Locator) => appearOffline(menu).check() },
  } as const;

  /**
   * Ada's page with her status menu open (openMenu), and Bo, another account, Away and seen by
   * his friends: Ada presses Busy or turns "Appear offline" on, the server applies it and its
   * answer is held on the way back (`held`).
   */
  async function changeOnItsWay(ada: string, bo: string, change: keyof typeof CHANGES) {
    // Hiding: Ada's page does not hear the server's push of it, so the held answer is the newest news of it.
    const opened = await openMenu(ada, change === 'hide' ? 'settings_update' : undefined);
    try {
      const boUser = await api<{ token: string; user: { id: number } }>(server.baseUrl, null, 'POST', '/auth/register', { username: bo, password: PASSWORD });
      await api(server.baseUrl, boUser.token, 'PUT', '/users/me/status', { status: 'away' });
      const held = await holdAnswer(opened.tab, CHANGES[change].url);
      await CHANGES[change].press(opened.menu);
      await held.reached;
      if (change === 'busy') {
        expect(await manualOf(opened.token, opened.id)).toBe('busy');
        expect(await opened.menu.locator('[role=radio][value=busy]').getAttribute('aria-busy')).toBe('true');
      } else expect(await visibilityOf(opened.token)).toBe('hidden');
      return { ...opened, bo: { token: boUser.token, id: boUser.user.id }, held };
    } catch (e) {
      await opened.close();
      throw e;
    }
  }
  /**
   * The status menu as Bo sees it: [ticked, options marked busy, the group's aria-busy, its error
   * line, what the trigger says, Bo's remembered choice, "Appear offline" on].
   */
  const seenByBo = async (tab: Page, menu: Locator, boId: number) => [
    await ticked(menu),
    await menu.locator('[role=radio][aria-busy]').evaluateAll((radios) => radios.map((r) => r.getAttribute('value'))),
    await menu.locator('[role=radiogroup]').getAttribute('aria-busy'),
    await menu.locator('[data-part=status-error]').textContent(),
    await menu.locator('[data-part=self-status]').textContent(),
    await tab.evaluate((id) => localStorage.getItem(`beacon.u${id}.manualStatus`), boId),
    await appearOffline(menu).isChecked(),
  ];
  const BO_AWAY = ['away', [], null, '', 'Away', null, false];

  for (const change of ['busy', 'hide'] as const) {
    it(`shows nothing of the last account’s ${CHANGES[change].named} on its way after signing in as another, not even once its answer comes`, async () => {
      const { tab, menu, bo, held, close } = await changeOnItsWay(`ada_switch_${change}`, `bo_switch_${change}`, change);
      try {
        // Ada logs out, Bo signs in on the same page: a new menu (`menu` finds it).
        await tab.getByRole('button', { name: 'Log out' }).click();
        await tab.getByRole('heading', { name: 'Welcome back' }).waitFor(FIVE_S);
        await logIn(tab, server.baseUrl, `bo_switch_${change}`);
        await expect.poll(() => tab.locator('[data-part=me]').textContent(), FIVE_S).toBe(`@bo_switch_${change}`);
        await tab.locator('beacon-connection-state[data-state=connected]').waitFor({ timeout: 15_000 });
        await openStatusMenu(tab);
        await expect.poll(() => seenByBo(tab, menu, bo.id), FIVE_S).toEqual(BO_AWAY);
        // Ada's answer comes back: still nothing of it in Bo's menu.
        held.release();
        await held.answered;
        await held.handled();
        expect(await seenByBo(tab, menu, bo.id)).toEqual(BO_AWAY);
        expect(await manualOf(bo.token, bo.id)).toBe('away');
        expect(await visibilityOf(bo.token)).toBe('friends');
      } finally {
        await close();
      }
    });
  }

  const REBOUND = {
    busy: 'the menu bound to another account’s client while a change is on its way starts afresh, and the late answer marks and remembers nothing there',
    hide: 'the menu bound to another account’s client while “Appear offline” is on its way shows that account’s switch, and the late answer changes nothing there',
  } as const;
  for (const change of ['busy', 'hide'] as const) {
    it(REBOUND[change], async () => {
      // The app makes a new menu at each sign-in (the test above); this binds the same menu anew,
      // as its `settings`, `account` and `client` allow: to no settings store (the page has none of
      // Bo's), Bo, and a client of Bo's (the SDK's, started in the page) already connected, so the
      // open panel stays open and shows Bo's as it is.
      const { tab, menu, bo, held, close } = await changeOnItsWay(`ada_rebind_${change}`, `bo_rebind_${change}`, change);
      try {
        // A string, not a function: Vitest would rewrite a function's import() into its own loader.
        await tab.evaluate(`(async () => {
          const { PresenceClient } = await import(location.origin + '/sdk/beacon-client.js');
          const client = new PresenceClient({ baseUrl: location.origin, getToken: () => ${JSON.stringify(bo.token)} });
          await new Promise((connected) => {
            const off = client.on('self', () => client.state === 'connected' && (off(), connected()));
            client.start();
          });
          const menu = document.querySelector('beacon-status-menu');
          menu.settings = null;
          menu.account = ${bo.id};
          menu.client = client;
        })()`);
        expect(await menu.locator('[data-part=trigger]').getAttribute('aria-expanded')).toBe('true');
        await expect.poll(() => seenByBo(tab, menu, bo.id), FIVE_S).toEqual(BO_AWAY);
        held.release();
        await held.answered;
        await held.handled();
        expect(await seenByBo(tab, menu, bo.id)).toEqual(BO_AWAY);
        expect(await manualOf(bo.token, bo.id)).toBe('away');
        expect(await visibilityOf(bo.token)).toBe('friends');
      } finally {
        await close();
      }
    });
  }

  it('sends Online chosen while Busy is on its way, and ends ticking Online', async () => {
    const { token, id, tab, menu, close } = await openMenu('uri_late');
    try {
      // Busy is held before it reaches the server; Online, chosen meanwhile, must still be sent.
      const busy = await holdAnswer(tab, '**/api/v1/users/me/status', { at: 'request', match: (r) => (r.postDataJSON() as { status: string }).status === 'busy' });
      const sent: string[] = [];
      tab.on('request', (r) => {
        if (r.method() === 'PUT' && new URL(r.url()).pathname === '/api/v1/users/me/status') sent.push((r.postDataJSON() as { status: string }).status);
      });
      await menu.locator('[role=radio][value=busy]').click();
      await expect.poll(() => sent, FIVE_S).toEqual(['busy']);
      await menu.locator('[role=radio][value=online]').click();
      busy.release();
      await expect.poll(() => sent, FIVE_S).toEqual(['busy', 'online']);
      await expect.poll(() => manualOf(token, id), FIVE_S).toBe('online');
      await expect.poll(() => ticked(menu), FIVE_S).toBe('online');
    } finally {
      await close();
    }
  });
});
