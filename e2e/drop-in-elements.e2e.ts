/**
 * Beacon's drop-in elements on someone else's page: a plain HTML page with its own CSS and
 * none of Beacon's, its own login form, Beacon mounted under /beacon by a reverse proxy,
 * and the elements loaded from /beacon/sdk/beacon-elements.js. Two users in two browser
 * contexts: B sets Busy from the status menu with the keyboard, A sees "Busy" in words.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { launchChromium } from './helpers/browser.js';
import { freePort, startServer, type ServerHandle } from './helpers/server.js';
import { startHostSite, type HostSite } from './helpers/host-site.js';
import { api, openSocket } from './helpers/api-users.js';
import { expectAccessible } from './helpers/axe.js';
import { PASSWORD, recordLiveLine, refuseStatusChanges } from './helpers/ui.js';
import { holdAnswer } from './helpers/held-answer.js';
import { ANNOUNCE_DELAY_MS } from '../src/web/lib/form-errors.js';

const FIVE_S = { timeout: 5_000, interval: 100 };

/** The host's page. Beacon's part is the <script type="module"> import, connect() and the three tags. */
const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Pong Club</title>
<style>
  body { font-family: Georgia, serif; margin: 2rem; color: #1f2937; background: #fff; }
  button { text-transform: uppercase; background: #fde68a; }
  ul { list-style: square; padding-left: 3rem; }
  beacon-friend-list { --beacon-color-busy: rgb(1, 2, 3); --beacon-radius: 3px; }
  beacon-friend-list::part(row) { border-left: 4px solid rgb(4, 5, 6); }
</style>
</head>
<body>
<header><h1>Pong Club</h1><beacon-status-menu></beacon-status-menu></header>
<main>
  <form id="login">
    <label>Username <input name="username" autocomplete="username"></label>
    <label>Password <input name="password" type="password" autocomplete="current-password"></label>
    <button>Log in</button>
  </form>
  <h2>Friends</h2>
  <beacon-friend-list></beacon-friend-list>
  <p>Watched player: <beacon-status id="watched" show-message></beacon-status></p>
</main>
<script type="module">
  import { connect } from '/beacon/sdk/beacon-elements.js';
  const login = document.getElementById('login');
  login.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = JSON.stringify(Object.fromEntries(new FormData(login)));
    const res = await fetch('/beacon/api/v1/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    connect({ baseUrl: '/beacon', token: (await res.json()).token });
    login.hidden = true;
  });
  document.getElementById('watched').setAttribute('user-id', new URLSearchParams(location.search).get('watch') ?? '');
  window.beaconEvents = [];
  for (const type of ['beacon-friend-select', 'beacon-find-friends', 'beacon-status-set']) {
    document.addEventListener(type, (e) => window.beaconEvents.push({ type, detail: e.detail }));
  }
</script>
</body>
</html>`;

let beacon: ServerHandle;
let host: HostSite;
let browser: Browser;
const contexts: BrowserContext[] = [];
const users: Record<'a' | 'b' | 'c', { id: number; token: string; username: string }> = {} as never;

async function register(username: string, displayName: string): Promise<{ id: number; token: string; username: string }> {
  const { token, user } = await api<{ token: string; user: { id: number } }>(beacon.baseUrl, null, 'POST', '/auth/register', {
    username,
    password: PASSWORD,
    display_name: displayName,
  });
  return { id: user.id, token, username };
}

/** Makes `a` and `b` friends: a request from `a`, accepted by `b`. */
async function befriend(a: { token: string }, b: { id: number; token: string }): Promise<void> {
  const sent = await api<{ request: { id: number } }>(beacon.baseUrl, a.token, 'POST', '/users/me/friends/requests', { user_id: b.id });
  await api(beacon.baseUrl, b.token, 'POST', `/users/me/friends/requests/${sent.request.id}/accept`);
}

/** A fresh browser context on the host page, logged in through the page's own form. */
async function open(username: string, watch: number): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1024, height: 800 } });
  contexts.push(context);
  // Every value the list's host `data-state` takes, in order (repeats of one value folded).
  await context.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { beaconListStates: string[] }).beaconListStates = seen;
    new MutationObserver((records) => {
      for (const r of records) {
        const value = (r.target as Element).getAttribute('data-state') ?? '';
        if ((r.target as Element).localName === 'beacon-friend-list' && seen.at(-1) !== value) seen.push(value);
      }
    }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-state'] });
  });
  const page = await context.newPage();
  await page.goto(`${host.baseUrl}/?watch=${watch}`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.locator('beacon-friend-list').getByRole('list', { name: 'Friends' }).or(page.locator('beacon-friend-list [data-state=empty]')).waitFor();
  return page;
}

/**
 * A fresh page of the host site (in `context`, else a new one), not signed in: the watched
 * <beacon-status> has no connection yet. Every value its `data-state` takes is recorded.
 */
async function openSignedOut(watch: number, context?: BrowserContext): Promise<Page> {
  const ctx = context ?? (await browser.newContext({ viewport: { width: 1024, height: 800 } }));
  if (!context) contexts.push(ctx);
  await ctx.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { beaconStatusStates: string[] }).beaconStatusStates = seen;
    new MutationObserver((records) => {
      for (const r of records) {
        const value = (r.target as Element).getAttribute('data-state') ?? '';
        if ((r.target as Element).id === 'watched' && seen.at(-1) !== value) seen.push(value);
      }
    }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-state'] });
  });
  const page = await ctx.newPage();
  await page.goto(`${host.baseUrl}/?watch=${watch}`);
  await page.locator('#watched [part=label]').waitFor();
  return page;
}

/**
 * A fresh page of the host site (in `context`, else a new one), not signed in, for the friend
 * list: every value its `data-state` and its `data-connection` take is recorded, in order.
 */
async function openListSignedOut(context?: BrowserContext): Promise<Page> {
  const ctx = context ?? (await browser.newContext({ viewport: { width: 1024, height: 800 } }));
  if (!context) contexts.push(ctx);
  await ctx.addInitScript(() => {
    const seen: Record<string, string[]> = { 'data-state': [], 'data-connection': [] };
    (window as unknown as { beaconList: Record<string, string[]> }).beaconList = seen;
    new MutationObserver((records) => {
      for (const r of records) {
        const name = r.attributeName ?? '';
        const value = (r.target as Element).getAttribute(name) ?? '';
        const list = seen[name];
        if ((r.target as Element).localName === 'beacon-friend-list' && list && list.at(-1) !== value) list.push(value);
      }
    }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-state', 'data-connection'] });
  });
  const page = await ctx.newPage();
  await page.goto(`${host.baseUrl}/?watch=${users.a.id}`);
  await page.locator('beacon-friend-list [data-state=disconnected]').waitFor();
  return page;
}

/** The list's recorded `data-state` and `data-connection` values (see openListSignedOut); `clear` starts afresh. */
const listHistory = (page: Page, clear = false) =>
  page.evaluate((c) => {
    const seen = (window as unknown as { beaconList: Record<string, string[]> }).beaconList;
    const copy = { state: [...(seen['data-state'] ?? [])], connection: [...(seen['data-connection'] ?? [])] };
    if (c) for (const k of Object.keys(seen)) seen[k] = [];
    return copy;
  }, clear);

/** What the friend list says: its data-state, its data-connection, its words (state box or note), and its buttons. */
const listSays = (list: Locator) =>
  list.evaluate((e) => {
    const root = e.shadowRoot!;
    const note = root.querySelector<HTMLElement>('[part=connection]');
    return {
      state: e.getAttribute('data-state'),
      connection: e.getAttribute('data-connection'),
      text: root.querySelector('[part=state]')?.textContent ?? null,
      note: note && !note.hidden ? note.textContent : null,
      buttons: [...root.querySelectorAll('[part=state] button, [part=connection] button')].map((b) => b.textContent),
    };
  });

/** A game server's event (a match starting or ending), sent with the service token. */
async function gameEvent(body: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${beacon.baseUrl}/api/v1/games/events`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Service-Token': 'e2e-service-token-0123456789' },
    body: JSON.stringify(body),
  });
  expect(res.status, await res.text()).toBeLessThan(300);
}

/** A new session of `username` (a login over the API): its token. */
async function logInOverApi(username: string): Promise<string> {
  return (await api<{ token: string }>(beacon.baseUrl, null, 'POST', '/auth/login', { username, password: PASSWORD })).token;
}

/** What a <beacon-status> shows: its data-state, its data-status and the words of its label. */
const state = (el: Locator) =>
  el.evaluate((e) => [e.getAttribute('data-state'), e.getAttribute('data-status'), e.shadowRoot?.querySelector('[part=label]')?.textContent ?? null]);
const statusStates = (page: Page) => page.evaluate(() => (window as unknown as { beaconStatusStates: string[] }).beaconStatusStates);
const events = (page: Page) => page.evaluate(() => (window as unknown as { beaconEvents: Array<{ type: string; detail: unknown }> }).beaconEvents);
const listStates = (page: Page) => page.evaluate(() => (window as unknown as { beaconListStates: string[] }).beaconListStates);
const row = (page: Page, userId: number) => page.locator(`beacon-friend-list li[data-user-id="${userId}"]`);

beforeAll(async () => {
  const hostPort = await freePort();
  beacon = await startServer({ BEACON_ALLOWED_ORIGINS: `http://127.0.0.1:${hostPort}` });
  host = await startHostSite(hostPort, beacon.port, PAGE);
  browser = await launchChromium();
  users.a = await register('alice_dropin', 'Alice Drop');
  users.b = await register('bob_dropin', 'Bob Drop');
  users.c = await register('carol_dropin', 'Carol Alone');
  await befriend(users.a, users.b);
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  await host?.close();
  await beacon?.stop();
});


/**
 * A browser context in which Beacon's API and socket are unreachable (refused, closed with 1011)
 * until `reach()`; the page and the SDK script still load.
 */
async function unreachableBeacon(): Promise<{ context: BrowserContext; reach: () => void }> {
  const context = await browser.newContext({ viewport: { width: 1024, height: 800 } });
  contexts.push(context);
  let reachable = false;
  await context.route('**/beacon/api/**', (route) => (reachable ? route.continue() : route.abort('connectionrefused')));
  await context.routeWebSocket(/\/beacon\/ws\//, (ws) => {
    if (reachable) ws.connectToServer();
    else ws.close({ code: 1011, reason: 'unreachable' });
  });
  return { context, reach: () => (reachable = true) };
}

describe('drop-in elements on a host page', () => {
  let pageA: Page;
  let pageB: Page;

  it('load from /beacon/sdk/beacon-elements.js and show the friend, live, on the host page', async () => {
    const script = await fetch(`${host.baseUrl}/beacon/sdk/beacon-elements.js`);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('etag')).toBeTruthy();
    pageB = await open(users.b.username, users.a.id);
    pageA = await open(users.a.username, users.b.id);
    await expect.poll(() => row(pageA, users.b.id).getAttribute('data-status'), FIVE_S).toBe('online');
    await expect.poll(() => row(pageA, users.b.id).locator('[part=label]').textContent(), FIVE_S).toBe('Online · Browsing');
    await expect.poll(() => pageA.locator('beacon-status').locator('[part=label]').textContent(), FIVE_S).toBe('Online');
    expect(await pageA.locator('beacon-friend-list').getAttribute('data-connection')).toBe('connected');
  });

  it('B sets Busy and a message with the keyboard only; A sees "Busy" in words in the list and in <beacon-status>', async () => {
    const trigger = pageB.locator('beacon-status-menu').getByRole('button', { name: /Your status/ });
    await trigger.focus();
    await pageB.keyboard.press('Enter');
    expect(await trigger.getAttribute('aria-expanded')).toBe('true');
    const online = pageB.getByRole('radio', { name: 'Online' });
    await expect.poll(() => online.evaluate((el) => el === (el.getRootNode() as ShadowRoot).activeElement)).toBe(true);
    await pageB.keyboard.press('ArrowDown'); // Away: focus only, nothing sent
    await pageB.keyboard.press('ArrowDown'); // Busy
    expect(await events(pageB)).toEqual([]);
    await expectAccessible(pageB, 'host page, status menu open');
    await pageB.keyboard.press('Enter');
    await expect.poll(() => pageB.getByRole('radio', { name: /^Busy/ }).getAttribute('aria-checked'), FIVE_S).toBe('true');
    await pageB.keyboard.press('Tab'); // to the message field
    await pageB.keyboard.type('brb, in a meeting');
    await pageB.keyboard.press('Enter');
    await expect.poll(() => events(pageB), FIVE_S).toEqual([
      { type: 'beacon-status-set', detail: { status: 'busy', customMessage: null } },
      { type: 'beacon-status-set', detail: { status: 'busy', customMessage: 'brb, in a meeting' } },
    ]);
    await pageB.keyboard.press('Escape');
    expect(await trigger.getAttribute('aria-expanded')).toBe('false');
    expect(await trigger.evaluate((el) => el === (el.getRootNode() as ShadowRoot).activeElement)).toBe(true);
    expect(await trigger.locator('[part=label]').textContent()).toBe('Busy');

    await expect.poll(() => row(pageA, users.b.id).locator('[part=label]').textContent(), FIVE_S).toMatch(/^Busy/);
    await expect.poll(() => row(pageA, users.b.id).locator('[part=message]').textContent(), FIVE_S).toBe('“brb, in a meeting”');
    await expect.poll(() => pageA.locator('beacon-status').locator('[part=label]').textContent(), FIVE_S).toBe('Busy');
    await expect.poll(() => pageA.locator('beacon-status').getAttribute('data-status'), FIVE_S).toBe('busy');
    await expect.poll(() => pageB.locator('beacon-status').locator('[part=label]').textContent(), FIVE_S).toBe('Online');
  });

  it('take the host page\'s theme through custom properties and ::part(), and nothing else of its CSS', async () => {
    const dotColor = await row(pageA, users.b.id).locator('svg').evaluate((el) => getComputedStyle(el).color);
    expect(dotColor).toBe('rgb(1, 2, 3)');
    const rowStyle = await row(pageA, users.b.id).evaluate((el) => ({ border: getComputedStyle(el).borderLeftColor, width: getComputedStyle(el).borderLeftWidth, list: getComputedStyle(el).listStyleType }));
    expect(rowStyle).toEqual({ border: 'rgb(4, 5, 6)', width: '4px', list: 'none' });
    const button = row(pageA, users.b.id).getByRole('button');
    expect(await button.evaluate((el) => getComputedStyle(el).borderTopLeftRadius)).toBe('3px');
    // The host's `button { text-transform: uppercase }` stops at the shadow boundary.
    expect(await button.evaluate((el) => getComputedStyle(el).textTransform)).toBe('none');
    expect(await pageA.locator('#login button').evaluate((el) => getComputedStyle(el).textTransform)).toBe('uppercase');
  });

  it('<beacon-status-menu> opens its panel inside the page wherever the host puts the menu: at the start of the header, at its end, and on a right-to-left page', async () => {
    const menu = pageA.locator('beacon-status-menu');
    const trigger = menu.getByRole('button', { name: /Your status/ });
    /** The open panel's left and right edges, and the page's width. */
    const opened = async () => {
      await trigger.click();
      expect(await trigger.getAttribute('aria-expanded')).toBe('true');
      const box = await menu.locator('[part=panel]').evaluate((el) => {
        const r = el.getBoundingClientRect();
        return { left: Math.round(r.left), right: Math.round(r.right), page: document.documentElement.clientWidth };
      });
      await pageA.keyboard.press('Escape');
      return box;
    };
    const inside = (box: { left: number; right: number; page: number }) => box.left >= 0 && box.right <= box.page;
    // The host's header holds the menu at its start (after the h1, at the page's left margin):
    // the panel, end-aligned on the button, reached 125 px off the page's left edge, out of reach.
    const atStart = await opened();
    expect(inside(atStart), JSON.stringify(atStart)).toBe(true);
    // Where a header puts it at its end (the usual place), the panel stays end-aligned on the button.
    await pageA.evaluate(() => (document.querySelector('header')!.style.cssText = 'display: flex; justify-content: space-between; align-items: center'));
    const atEnd = await opened();
    expect(inside(atEnd), JSON.stringify(atEnd)).toBe(true);
    const button = await trigger.evaluate((el) => Math.round(el.getBoundingClientRect().right));
    expect(atEnd.right).toBe(button);
    // A right-to-left page, the menu at the header's start (its right): the panel stays on the page too.
    await pageA.evaluate(() => {
      document.querySelector('header')!.style.cssText = '';
      document.documentElement.dir = 'rtl';
    });
    const rtl = await opened();
    expect(inside(rtl), JSON.stringify(rtl)).toBe(true);
    await pageA.evaluate(() => (document.documentElement.dir = ''));
  });

  it('dispatch events instead of following links: selecting a friend, and "Find friends" on an empty list', async () => {
    const url = pageA.url();
    await row(pageA, users.b.id).getByRole('button').focus();
    await pageA.keyboard.press('Enter');
    expect(await events(pageA)).toEqual([{ type: 'beacon-friend-select', detail: { userId: users.b.id, username: users.b.username } }]);
    // A live update re-renders the row in place: keyboard focus stays on it.
    await api(beacon.baseUrl, users.b.token, 'PUT', '/users/me/status', { status: 'away' });
    await expect.poll(() => row(pageA, users.b.id).locator('[part=label]').textContent(), FIVE_S).toMatch(/^Away/);
    expect(await row(pageA, users.b.id).getByRole('button').evaluate((el) => el === (el.getRootNode() as ShadowRoot).activeElement)).toBe(true);

    const pageC = await open(users.c.username, users.a.id);
    await pageC.locator('beacon-friend-list').getByText('No friends yet.').waitFor();
    await pageC.locator('beacon-friend-list').getByRole('button', { name: 'Find friends' }).click();
    expect(await events(pageC)).toEqual([{ type: 'beacon-find-friends', detail: null }]);
    expect(pageC.url()).toBe(`${host.baseUrl}/?watch=${users.a.id}`);
    expect(pageA.url()).toBe(url);
    // A stranger's status is read as a stranger may see it (friends-only by default: offline).
    await expect.poll(() => pageC.locator('beacon-status').locator('[part=label]').textContent(), FIVE_S).toBe('Offline');
    await expectAccessible(pageC, 'host page, empty friend list');
  });

  it('pass axe on the host page with the live list and status', async () => {
    await expectAccessible(pageA, 'host page, friend list and status');
  });

  it('say in words when the list is not live, and go back to live after Beacon restarts', async () => {
    const list = pageA.locator('beacon-friend-list');
    const note = list.locator('[part=connection]');
    expect(await note.isVisible()).toBe(false);
    const restarting = beacon.restart();
    await expect.poll(() => list.getAttribute('data-connection'), { timeout: 10_000, interval: 50 }).not.toBe('connected');
    await expect.poll(() => note.textContent(), FIVE_S).toMatch(/^(Reconnecting…|Connecting…|Polling|Offline) — statuses as of \d/);
    expect(await note.isVisible()).toBe(true);
    // The status menu is not usable meanwhile, and says why rather than keep showing "Online".
    const menuTrigger = pageA.locator('beacon-status-menu [part=trigger]');
    await expect.poll(() => menuTrigger.getAttribute('aria-disabled'), FIVE_S).toBe('true');
    expect(await menuTrigger.locator('[part=label]').textContent()).not.toBe('Online');
    // The last known statuses stay on screen meanwhile.
    expect(await row(pageA, users.b.id).getAttribute('data-status')).not.toBeNull();
    await restarting;
    await expect.poll(() => list.getAttribute('data-connection'), { timeout: 30_000, interval: 200 }).toBe('connected');
    expect(await note.isVisible()).toBe(false);
    await expect.poll(() => menuTrigger.getAttribute('aria-disabled'), FIVE_S).toBe(null);
  });

  it('keep the list\'s data-state on what it shows: loading then the list, empty then the list after a live add, empty again after a removal', async () => {
    const dan = await register('dan_dropin', 'Dan States');
    const eve = await register('eve_dropin', 'Eve States');
    const fay = await register('fay_dropin', 'Fay States');
    await befriend(dan, fay);

    // A user with a friend: "loading" while the snapshot is on its way, then the list.
    const pageD = await open(dan.username, fay.id);
    await row(pageD, fay.id).waitFor();
    await expect.poll(() => pageD.locator('beacon-friend-list').getAttribute('data-state'), FIVE_S).toBe('ready');
    expect(await listStates(pageD)).toEqual(['disconnected', 'loading', 'ready']);

    // No friends: "empty"; a friend added live: the row and "ready"; removed live: "empty" again.
    const pageE = await open(eve.username, fay.id);
    const listE = pageE.locator('beacon-friend-list');
    await listE.getByText('No friends yet.').waitFor();
    expect(await listE.getAttribute('data-state')).toBe('empty');
    await befriend(dan, eve);
    await row(pageE, dan.id).waitFor({ timeout: 5_000 });
    await expect.poll(() => listE.getAttribute('data-state'), FIVE_S).toBe('ready');
    await api(beacon.baseUrl, dan.token, 'DELETE', `/users/me/friends/${eve.id}`);
    await listE.getByText('No friends yet.').waitFor({ timeout: 5_000 });
    await expect.poll(() => listE.getAttribute('data-state'), FIVE_S).toBe('empty');
    expect(await listStates(pageE)).toEqual(['disconnected', 'loading', 'empty', 'ready', 'empty']);

    // Taken out of the page, the connection ended (logout), then put back: not connected, in both attributes.
    // (A string, so the test runner does not rewrite the page's import().)
    await pageE.evaluate(`(async () => {
      const list = document.querySelector('beacon-friend-list');
      const parent = list.parentNode;
      list.remove();
      (await import('/beacon/sdk/beacon-elements.js')).disconnect();
      parent.appendChild(list);
    })()`);
    await listE.getByText('Not connected to Beacon.').waitFor({ timeout: 5_000 });
    expect([await listE.getAttribute('data-state'), await listE.getAttribute('data-connection')]).toEqual(['disconnected', 'offline']);
  });

  it('<beacon-status> does not say "loading" for good when its connection stops before any data (token refused), and shows the status once signed in', async () => {
    const page = await openSignedOut(users.a.id);
    const watched = page.locator('#watched');
    expect(await state(watched)).toEqual(['disconnected', 'unknown', 'Status unavailable']);
    // The host connects with a token Beacon refuses (4401): the client stops, nothing was read.
    await page.evaluate(`(async () => (await import('/beacon/sdk/beacon-elements.js')).connect({ baseUrl: '/beacon', token: 'not-a-valid-token' }))()`);
    // It stopped for good (it no longer retries), and says why, as <beacon-friend-list> does.
    await expect.poll(() => state(watched), FIVE_S).toEqual(['error', 'unknown', 'Status unavailable (signed out of Beacon)']);
    expect(await watched.getAttribute('data-connection')).toBe('offline');
    expect(await statusStates(page)).toEqual(['disconnected', 'loading', 'error']);

    // Signed in after all: the status is read and shown.
    await page.getByLabel('Username').fill(users.c.username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect.poll(() => state(watched), FIVE_S).toEqual(['ready', 'offline', 'Offline']); // A, as a stranger sees them
    expect(await watched.getAttribute('data-connection')).toBe('connected');
  });

  it('<beacon-status> says the status is unavailable while Beacon is unreachable before any data, and shows it when Beacon answers again', async () => {
    const gus = await register('gus_dropin', 'Gus Unreached');
    const { context, reach } = await unreachableBeacon();
    const page = await openSignedOut(users.a.id, context);
    const watched = page.locator('#watched');
    await page.evaluate(`(async () => (await import('/beacon/sdk/beacon-elements.js')).connect({ baseUrl: '/beacon', token: ${JSON.stringify(gus.token)} }))()`);
    // Three socket attempts fail, then the REST fallback fails too: offline, in words.
    await expect.poll(() => state(watched), { timeout: 15_000, interval: 100 }).toEqual(['error', 'unknown', 'Status unavailable (offline)']);
    expect(await watched.getAttribute('data-connection')).toBe('offline');
    expect(await statusStates(page)).toEqual(['disconnected', 'loading', 'error']);

    // Beacon answers again: the client's next try reads the status, with no reload or new connect().
    reach();
    await expect.poll(() => state(watched), { timeout: 15_000, interval: 100 }).toEqual(['ready', 'offline', 'Offline']);
    expect((await statusStates(page)).at(-1)).toBe('ready');
  });

  it('<beacon-status> says "not signed in" when connect() gets no token, not that Beacon signed it out', async () => {
    const page = await openSignedOut(users.a.id);
    const watched = page.locator('#watched');
    await page.evaluate(`(async () => (await import('/beacon/sdk/beacon-elements.js')).connect({ baseUrl: '/beacon', token: sessionStorage.getItem('no-such-key') }))()`);
    await expect.poll(() => state(watched), FIVE_S).toEqual(['error', 'unknown', 'Status unavailable (not signed in)']);
  });

  it('<beacon-friend-list> says no token was given when connect() gets none (the host\'s sessionStorage empty), not that Beacon refused a sign-in', async () => {
    const page = await openListSignedOut();
    const list = page.locator('beacon-friend-list');
    await page.evaluate(`(async () => (await import('/beacon/sdk/beacon-elements.js')).connect({ baseUrl: '/beacon', token: sessionStorage.getItem('no-such-key') }))()`);
    await expect.poll(() => listSays(list), FIVE_S).toEqual({
      state: 'error',
      connection: 'offline',
      text: 'Not signed in to Beacon: the page gave no token. Sign in to see your friends.',
      note: null,
      buttons: [],
    });
  });

  it('<beacon-friend-list> says the sign-in was refused (no retry that cannot work) when its token is refused, and that the statuses are no longer updated when the session ends or the connection is ended', async () => {
    const page = await openListSignedOut();
    const list = page.locator('beacon-friend-list');
    // A token Beacon refuses (4401): the client stops for good; retrying could not help.
    await page.evaluate(`(async () => (await import('/beacon/sdk/beacon-elements.js')).connect({ baseUrl: '/beacon', token: 'not-a-valid-token' }))()`);
    await expect.poll(() => listSays(list), FIVE_S).toEqual({
      state: 'error',
      connection: 'offline',
      text: 'Signed out of Beacon: it refused this sign-in, or the session ended. Sign in again to see your friends.',
      note: null,
      buttons: [],
    });
    expect((await listHistory(page)).state).toEqual(['disconnected', 'loading', 'error']);

    // Signed in: the list. Then that session ends (logged out elsewhere: 4000): the rows stay, and the note says they are frozen.
    const token = await logInOverApi(users.a.username);
    await page.evaluate(`(async () => (await import('/beacon/sdk/beacon-elements.js')).connect({ baseUrl: '/beacon', token: ${JSON.stringify(token)} }))()`);
    await row(page, users.b.id).waitFor({ timeout: 5_000 });
    await expect.poll(() => list.getAttribute('data-connection'), FIVE_S).toBe('connected');
    await api(beacon.baseUrl, token, 'POST', '/auth/logout');
    await expect.poll(async () => (await listSays(list)).note, FIVE_S).toMatch(/^Signed out of Beacon — statuses as of \d.*, no longer updated\. Sign in again to see them live\.$/);
    expect(await listSays(list)).toMatchObject({ state: 'ready', connection: 'offline', buttons: [] });
    expect(await row(page, users.b.id).count()).toBe(1);

    // Signed in again, the list follows a connection of its own; the page ends it: it says so, not "they may have changed".
    const again = await logInOverApi(users.a.username);
    await page.evaluate(`(async () => {
      const list = document.querySelector('beacon-friend-list');
      list.connection = (await import('/beacon/sdk/beacon-elements.js')).connect({ baseUrl: '/beacon', token: ${JSON.stringify(again)} });
    })()`);
    await expect.poll(async () => (await listSays(list)).connection, FIVE_S).toBe('connected');
    await page.evaluate(() => (document.querySelector('beacon-friend-list') as unknown as { connection: { disconnect(): void } }).connection.disconnect());
    await expect.poll(async () => (await listSays(list)).note, FIVE_S).toMatch(/^Disconnected from Beacon — statuses as of \d.*, no longer updated\.$/);
    expect(await listSays(list)).toMatchObject({ state: 'ready', connection: 'offline', buttons: [] });
  });

  it('<beacon-friend-list> offers "Retry now" only while Beacon is unreachable and it keeps trying; the button, used with the keyboard, tries at once and keeps focus', async () => {
    const hal = await register('hal_dropin', 'Hal Unreached');
    const { context, reach } = await unreachableBeacon();
    const page = await openListSignedOut(context);
    const list = page.locator('beacon-friend-list');
    await page.evaluate(`(async () => (await import('/beacon/sdk/beacon-elements.js')).connect({ baseUrl: '/beacon', token: ${JSON.stringify(hal.token)} }))()`);
    const unreachable = { state: 'error', connection: 'offline', text: 'Could not reach Beacon. It keeps trying in the background.Retry now', note: null, buttons: ['Retry now'] };
    await expect.poll(() => listSays(list), { timeout: 15_000, interval: 100 }).toEqual(unreachable);

    // Enter on "Retry now": an attempt at once (connecting), which fails (offline again); focus stays on the button.
    const retry = list.getByRole('button', { name: 'Retry now' });
    await retry.focus();
    await listHistory(page, true);
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await listHistory(page)).connection, { timeout: 10_000, interval: 50 }).toEqual(['connecting', 'offline']);
    expect((await listHistory(page)).state).toEqual(['loading', 'error']);
    await expect.poll(() => listSays(list), FIVE_S).toEqual(unreachable);
    expect(await retry.evaluate((el) => el === (el.getRootNode() as ShadowRoot).activeElement)).toBe(true);
    expect(await retry.getAttribute('aria-disabled')).toBe('false');
    await expectAccessible(page, 'host page, friend list unreachable');

    // Beacon answers again: the next try (the button's, or the client's own) shows the list.
    reach();
    await page.keyboard.press('Enter');
    await expect.poll(() => listSays(list), { timeout: 15_000, interval: 100 }).toMatchObject({ state: 'empty', connection: 'connected', buttons: ['Find friends'] });
  });

  it('<beacon-status> says "loading" until it has read the status of the user it is given, rather than show another user\'s or nothing', async () => {
    const gil = await register('gil_dropin', 'Gil Watcher');
    const page = await open(gil.username, users.a.id);
    const watched = page.locator('#watched');
    await expect.poll(() => watched.getAttribute('data-status'), FIVE_S).toBe('offline'); // A, as a stranger sees them
    // What the element shows and says, read in the same task as the change that precedes it.
    const shown = (el: Element) => [el.getAttribute('data-status'), el.shadowRoot?.querySelector('[part=label]')?.textContent];

    // Another user id, read over REST: until the answer comes, A's status is not shown as B's.
    const changed = await watched.evaluate((el, id) => {
      el.setAttribute('user-id', String(id));
      return [el.getAttribute('data-status'), el.shadowRoot?.querySelector('[part=label]')?.textContent];
    }, users.b.id);
    expect(changed).toEqual(['loading', 'Loading status…']);
    await expect.poll(() => watched.getAttribute('data-status'), FIVE_S).toBe('offline');
    // Showing the message too, for the same user: what is shown stays until the new answer.
    const sameUser = await watched.evaluate((el) => {
      el.setAttribute('show-message', '');
      return [el.getAttribute('data-status'), el.shadowRoot?.querySelector('[part=label]')?.textContent];
    });
    expect(sameUser).toEqual(['offline', 'Offline']);

    // Added to the page after sign-in: "loading", not blank with no data-status.
    const added = await page.evaluate((id) => {
      const el = document.createElement('beacon-status');
      el.id = 'added';
      el.setAttribute('user-id', String(id));
      document.body.append(el);
      return [el.getAttribute('data-status'), el.shadowRoot?.querySelector('[part=label]')?.textContent];
    }, users.c.id);
    expect(added).toEqual(['loading', 'Loading status…']);
    await expect.poll(() => page.locator('#added').evaluate(shown), FIVE_S).toEqual(['offline', 'Offline']);
  });

  it('<beacon-status-menu> checks the status the user chose, not the one shown: Busy stays checked through a game and is sent with a saved message; a schedule\'s Busy is not made permanent', async () => {
    const ivy = await register('ivy_dropin', 'Ivy Chooser');
    const page = await open(ivy.username, users.a.id);
    const menu = page.locator('beacon-status-menu');
    const trigger = menu.locator('[part=trigger]');
    const label = trigger.locator('[part=label]');
    const checked = () => menu.locator('[role=radio][aria-checked=true]').getAttribute('data-status');
    await expect.poll(() => label.textContent(), FIVE_S).toBe('Online');
    await trigger.click();
    await menu.locator('[role=radio][data-status=busy]').click();
    await expect.poll(() => label.textContent(), FIVE_S).toBe('Busy');
    await page.keyboard.press('Escape');

    // A game starts on the game server: the status shown is "In game", the choice underneath Busy.
    await gameEvent({ event: 'match_started', match_id: 'ivy-1', player_ids: [ivy.id] });
    await expect.poll(() => label.textContent(), FIVE_S).toBe('In game');
    await trigger.click();
    expect(await checked()).toBe('busy');
    await menu.locator('[part=input]').fill('gg');
    await menu.locator('[part=save]').click();
    await expect.poll(async () => (await events(page)).at(-1), FIVE_S).toEqual({ type: 'beacon-status-set', detail: { status: 'busy', customMessage: 'gg' } });
    // After the game: Busy again, as the contract says, not Online.
    await gameEvent({ event: 'match_ended', match_id: 'ivy-1', player_ids: [ivy.id] });
    await expect.poll(() => label.textContent(), FIVE_S).toBe('Busy');
    expect(await api<{ manual_status: string }>(beacon.baseUrl, ivy.token, 'GET', `/users/${ivy.id}/status`)).toMatchObject({ status: 'busy', manual_status: 'busy' });

    // Back to automatic; a schedule rule holding now shows Busy, with Online still the choice.
    await page.keyboard.press('Escape');
    await trigger.click();
    await menu.locator('[role=radio][data-status=online]').click();
    await expect.poll(() => label.textContent(), FIVE_S).toBe('Online');
    const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);
    const now = Date.now();
    await api(beacon.baseUrl, ivy.token, 'PUT', '/users/me/status/schedule', {
      time_zone: 'UTC',
      rules: [{ days: [1, 2, 3, 4, 5, 6, 7], from: hhmm(now - 3_600_000), to: hhmm(now + 3_600_000), status: 'busy', message: null }],
    });
    await expect.poll(() => label.textContent(), FIVE_S).toBe('Busy');
    await page.keyboard.press('Escape');
    await trigger.click();
    expect(await checked()).toBe('online');
    await menu.locator('[part=input]').fill('in a meeting');
    await menu.locator('[part=save]').click();
    await expect.poll(async () => (await events(page)).at(-1), FIVE_S).toEqual({ type: 'beacon-status-set', detail: { status: 'online', customMessage: 'in a meeting' } });
    // The schedule ends: Online again, the Busy was the schedule's only.
    await api(beacon.baseUrl, ivy.token, 'PUT', '/users/me/status/schedule', { time_zone: 'UTC', rules: [] });
    await expect.poll(() => label.textContent(), FIVE_S).toBe('Online');
  });

  it('<beacon-status-menu> leaves a message that clears itself alone: choosing a status, or saving the message unchanged, keeps when it clears', async () => {
    const pia = await register('pia_dropin', 'Pia Expiring');
    type Own = { status: string; custom_message: string | null; custom_message_expires_at: string | null };
    const own = () => api<Own>(beacon.baseUrl, pia.token, 'GET', `/users/${pia.id}/status`);
    await api(beacon.baseUrl, pia.token, 'PUT', '/users/me/status', { status: 'online', custom_message: 'In a meeting', expires_at: new Date(Date.now() + 30 * 60_000).toISOString() });
    const before = await own();
    expect(before.custom_message_expires_at).not.toBeNull();
    const page = await open(pia.username, users.a.id);
    const menu = page.locator('beacon-status-menu');
    const trigger = menu.locator('[part=trigger]');
    await expect.poll(() => trigger.locator('[part=label]').textContent(), FIVE_S).toBe('Online');
    await trigger.click();
    await menu.locator('[role=radio][data-status=busy]').click();
    await expect.poll(() => events(page), FIVE_S).toEqual([{ type: 'beacon-status-set', detail: { status: 'busy', customMessage: 'In a meeting' } }]);
    expect(await own()).toMatchObject({ status: 'busy', custom_message: 'In a meeting', custom_message_expires_at: before.custom_message_expires_at });
    // "Save message" with the message as it is: still clearing at the same time.
    expect(await menu.locator('[part=input]').inputValue()).toBe('In a meeting');
    await menu.locator('[part=save]').click();
    await expect.poll(async () => (await events(page)).length, FIVE_S).toBe(2);
    expect((await events(page))[1]).toEqual({ type: 'beacon-status-set', detail: { status: 'busy', customMessage: 'In a meeting' } });
    expect(await own()).toMatchObject({ status: 'busy', custom_message: 'In a meeting', custom_message_expires_at: before.custom_message_expires_at });
    // Another message is a new one: it never clears (the menu offers no time to clear it at).
    await menu.locator('[part=input]').fill('Back at 3');
    await menu.locator('[part=save]').click();
    await expect.poll(async () => (await events(page)).length, FIVE_S).toBe(3);
    expect(await own()).toMatchObject({ status: 'busy', custom_message: 'Back at 3', custom_message_expires_at: null });
  });

  it('<beacon-status-menu> shows the status the user has now: the last choice, never an answer for a connection replaced meanwhile', async () => {
    const quin = await register('quin_dropin', 'Quin Late');
    const rex = await register('rex_dropin', 'Rex Next');
    const page = await open(quin.username, users.a.id);
    const menu = page.locator('beacon-status-menu');
    const label = menu.locator('[part=trigger] [part=label]');
    const checked = () => menu.locator('[role=radio][aria-checked=true]').getAttribute('data-status');
    /** Holds Beacon's answer to the next PUT of `status` (a slow path for that one request) until `release()`. */
    const holdStatus = (status: string) => holdAnswer(page, '**/beacon/api/v1/users/me/status', { match: (r) => r.postData()?.includes(`"${status}"`) === true });
    await expect.poll(() => label.textContent(), FIVE_S).toBe('Online');
    await menu.locator('[part=trigger]').click();

    // Busy, then Away while Busy's answer is slow: the SDK sends a user's own changes one after
    // another (Away waits for Busy's answer), so Beacon and the menu both end on Away.
    const busy = await holdStatus('busy');
    await menu.locator('[role=radio][data-status=busy]').click();
    await busy.reached;
    await menu.locator('[role=radio][data-status=away]').click();
    busy.release();
    await busy.answered;
    await expect.poll(() => label.textContent(), FIVE_S).toBe('Away');
    await expect.poll(async () => (await events(page)).map((e) => (e.detail as { status: string }).status), FIVE_S).toEqual(['busy', 'away']);
    expect([await label.textContent(), await checked()]).toEqual(['Away', 'away']);
    expect(await api<{ status: string }>(beacon.baseUrl, quin.token, 'GET', `/users/${quin.id}/status`)).toMatchObject({ status: 'away' });

    // Busy again, and before its answer the page signs in as Rex (connect() replaces the connection).
    const again = await holdStatus('busy');
    await menu.locator('[role=radio][data-status=busy]').click();
    await again.reached;
    await page.evaluate(`(async () => { (await import('/beacon/sdk/beacon-elements.js')).connect({ baseUrl: '/beacon', token: ${JSON.stringify(rex.token)} }); })()`);
    await expect.poll(() => label.textContent(), FIVE_S).toBe('Online');
    // Quin's Busy on its way is not Rex's: nothing shows as saving in Rex's menu.
    expect(await menu.locator('[role=radiogroup]').getAttribute('aria-busy')).toBeNull();
    again.release();
    await again.answered;
    // The page has read Quin's answer and done all it does with it (the element's handling is
    // promise continuations of that read).
    await again.handled();
    // Rex's status, not Quin's answer; and no status set by Rex.
    expect([await label.textContent(), await menu.getAttribute('data-status')]).toEqual(['Online', 'online']);
    expect(await events(page)).toHaveLength(2);
  });

  it('<beacon-friend-list> and <beacon-status-menu> keep nothing of the previous user when the page signs in another user or signs out', async () => {
    const vic = await register('vic_dropin', 'Vic Shared');
    const wes = await register('wes_dropin', 'Wes Private');
    const xan = await register('xan_dropin', 'Xan Next');
    await befriend(vic, wes);
    const page = await open(vic.username, wes.id);
    await open(wes.username, vic.id);
    // Vic's message, saved in her status menu (its field keeps it when the panel closes).
    const menu = page.locator('beacon-status-menu');
    await expect.poll(() => menu.getAttribute('data-connection'), FIVE_S).toBe('connected');
    await menu.locator('[part=trigger]').click();
    await menu.locator('[part=input]').fill('At the dentist');
    await menu.locator('[part=save]').click();
    await expect.poll(async () => (await api<{ custom_message: string | null }>(beacon.baseUrl, vic.token, 'GET', '/users/me/status')).custom_message, FIVE_S).toBe('At the dentist');
    await page.keyboard.press('Escape');
    const live = page.locator('beacon-friend-list [aria-live=polite]');
    await expect.poll(() => row(page, wes.id).getAttribute('data-status'), FIVE_S).toBe('online');
    await api(beacon.baseUrl, wes.token, 'PUT', '/users/me/status', { status: 'busy' });
    await expect.poll(() => live.textContent(), FIVE_S).toContain('Wes Private');
    // The same tab, another user (a shared computer): Vic's friend is no news of Xan's.
    await page.evaluate(`(async () => { (await import('/beacon/sdk/beacon-elements.js')).connect({ baseUrl: '/beacon', token: ${JSON.stringify(xan.token)} }); })()`);
    await expect.poll(() => page.locator('beacon-friend-list').getAttribute('data-state'), FIVE_S).toBe('empty');
    expect(await live.textContent()).toBe('');
    // Nor does Xan's status menu hold Vic's message, in its closed panel's field.
    expect(await page.locator('beacon-status-menu [part=input]').inputValue()).toBe('');
    // And signed out: the list follows no connection, and says nothing of the last one.
    await page.evaluate(`(async () => { const m = await import('/beacon/sdk/beacon-elements.js'); m.connect({ baseUrl: '/beacon', token: ${JSON.stringify(vic.token)} }); })()`);
    await expect.poll(() => row(page, wes.id).getAttribute('data-status'), FIVE_S).toBe('busy');
    await api(beacon.baseUrl, wes.token, 'PUT', '/users/me/status', { status: 'away' });
    await expect.poll(() => live.textContent(), FIVE_S).toContain('Wes Private');
    await page.evaluate(`(async () => (await import('/beacon/sdk/beacon-elements.js')).disconnect())()`);
    await expect.poll(() => page.locator('beacon-friend-list').getAttribute('data-state'), FIVE_S).toBe('disconnected');
    expect(await live.textContent()).toBe('');
  });

  it('<beacon-status-menu> marks the status on its way busy, visibly and for assistive technology, until its answer', async () => {
    const vea = await register('vea_dropin', 'Vea Waiting');
    const page = await open(vea.username, users.a.id);
    const menu = page.locator('beacon-status-menu');
    const label = menu.locator('[part=trigger] [part=label]');
    await expect.poll(() => label.textContent(), FIVE_S).toBe('Online');
    // A slow network: Beacon's answer to Busy is held until released.
    const held = await holdAnswer(page, '**/beacon/api/v1/users/me/status');
    await menu.locator('[part=trigger]').click();
    const busy = menu.getByRole('radio', { name: 'Busy — Do Not Disturb', exact: true }); // its name stays its own
    const group = menu.locator('[role=radiogroup]');
    const saving = busy.locator('[part=pending]');
    expect([await busy.getAttribute('aria-busy'), await group.getAttribute('aria-busy'), await saving.isVisible()]).toEqual([null, null, false]);
    await busy.click();
    await expect.poll(() => busy.getAttribute('aria-busy'), FIVE_S).toBe('true');
    expect(await group.getAttribute('aria-busy')).toBe('true');
    expect(await menu.locator('[role=radio][data-status=away]').getAttribute('aria-busy')).toBeNull();
    // Seen in words, in the element's own styles (not the host page's), not only in a tint.
    expect(await saving.isVisible()).toBe(true);
    expect(await saving.textContent()).toBe('Saving…');
    await expectAccessible(page, 'host page, status menu with a change on its way');
    held.release();
    await expect.poll(() => busy.getAttribute('aria-busy'), FIVE_S).toBeNull();
    expect(await group.getAttribute('aria-busy')).toBeNull();
    expect(await saving.isVisible()).toBe(false);
    expect([await busy.getAttribute('aria-checked'), await label.textContent()]).toEqual(['true', 'Busy']);
  });

  it('<beacon-status-menu> says a refused status change out loud at each press, and not again when it opens again', async () => {
    const uma = await register('uma_dropin', 'Uma Refused');
    const page = await open(uma.username, users.a.id);
    const menu = page.locator('beacon-status-menu');
    const trigger = menu.locator('[part=trigger]');
    await expect.poll(() => trigger.locator('[part=label]').textContent(), FIVE_S).toBe('Online');
    await trigger.click();
    // The menu's error line: live, and each text it takes in order with when (one written twice
    // in one task, which no screen reader hears again, shows as one).
    const line = menu.locator('[part=error]');
    expect(await line.getAttribute('role')).toBe('alert');
    const { log, said } = await recordLiveLine(line);
    await refuseStatusChanges(page, 2);
    const tooMany = 'Too many attempts. Wait a moment and try again.';
    const away = menu.locator('[role=radio][data-status=away]');
    await away.click();
    await expect.poll(said, FIVE_S).toEqual([tooMany]);
    // Pressed again: emptied first, long enough for the empty line to reach assistive technology.
    await away.click();
    await expect.poll(said, FIVE_S).toEqual([tooMany, '', tooMany]);
    const [, emptied, again] = await log();
    expect(again!.at - emptied!.at).toBeGreaterThanOrEqual(90);
    // Closed and opened again: the old error goes.
    await page.keyboard.press('Escape');
    await trigger.click();
    await expect.poll(said, FIVE_S).toEqual([tooMany, '', tooMany, '']);
    await away.click();
    await expect.poll(() => trigger.locator('[part=label]').textContent(), FIVE_S).toBe('Away');
    // The element handled the answer (it says so last, with beacon-status-set); a line it wrote
    // meanwhile would show after ANNOUNCE_DELAY_MS (announce() writes then), so before a timer of
    // that length set in the page now fires (timers of one length fire in the order set).
    await expect.poll(async () => (await events(page)).at(-1), FIVE_S).toEqual({ type: 'beacon-status-set', detail: { status: 'away', customMessage: null } });
    await page.evaluate((ms) => new Promise<void>((r) => setTimeout(r, ms)), ANNOUNCE_DELAY_MS);
    expect(await said()).toEqual([tooMany, '', tooMany, '']);
  });

  it('<beacon-status-menu> is disabled, saying why, while not connected: signed out, connecting, Beacon unreachable, the session ended', async () => {
    const jon = await register('jon_dropin', 'Jon Connecting');
    const { context, reach } = await unreachableBeacon();
    const page = await openSignedOut(users.a.id, context);
    const menu = page.locator('beacon-status-menu');
    const trigger = menu.locator('[part=trigger]');
    /** The trigger's state and what it says: [unavailable (aria-disabled), accessible text, data-connection]. */
    const says = () => trigger.evaluate((b: HTMLButtonElement) => [b.getAttribute('aria-disabled') === 'true', b.textContent, b.getRootNode() instanceof ShadowRoot ? (b.getRootNode() as ShadowRoot).host.getAttribute('data-connection') : null]);
    expect(await says()).toEqual([true, 'Your status: Status unavailable (not connected) ▾', 'offline']);

    // Beacon unreachable: connecting, then offline while the client keeps trying; never a usable "Online".
    const seen: unknown[] = [];
    await page.exposeFunction('menuSaid', (v: unknown) => seen.push(v));
    await page.evaluate(() => {
      const b = document.querySelector('beacon-status-menu')!.shadowRoot!.querySelector('[part=trigger]') as HTMLButtonElement;
      new MutationObserver(() => void (window as unknown as { menuSaid(v: unknown): void }).menuSaid([b.getAttribute('aria-disabled') === 'true', b.textContent])).observe(b, { childList: true, subtree: true, attributes: true });
    });
    await page.evaluate(`(async () => (await import('/beacon/sdk/beacon-elements.js')).connect({ baseUrl: '/beacon', token: ${JSON.stringify(jon.token)} }))()`);
    await expect.poll(says, { timeout: 15_000, interval: 100 }).toEqual([true, 'Your status: Status unavailable (offline) ▾', 'offline']);
    expect(seen.filter((v) => !(v as [boolean])[0])).toEqual([]);
    expect(seen.map((v) => (v as [boolean, string])[1])).toContain('Your status: Connecting… ▾');

    // Beacon answers: usable, showing the status.
    reach();
    await expect.poll(says, { timeout: 15_000, interval: 100 }).toEqual([false, 'Your status: Online ▾', 'connected']);
    await trigger.click();
    expect(await trigger.getAttribute('aria-expanded')).toBe('true');

    // The session ends (signed out elsewhere: 4000): disabled, the panel closed, not "Online" for good.
    // Focus was in the open panel: it goes to the button, not to the page body.
    const focused = () => page.evaluate(() => {
      const host = document.activeElement;
      return [host?.localName, host?.shadowRoot?.activeElement?.getAttribute('part') ?? null];
    });
    expect((await focused())[0]).toBe('beacon-status-menu');
    await api(beacon.baseUrl, jon.token, 'POST', '/auth/logout');
    await expect.poll(says, FIVE_S).toEqual([true, 'Your status: Status unavailable (signed out of Beacon) ▾', 'offline']);
    expect(await trigger.getAttribute('aria-expanded')).toBe('false');
    expect(await focused()).toEqual(['beacon-status-menu', 'trigger']);
    // Enter on it opens nothing while it is unavailable.
    await page.keyboard.press('Enter');
    expect(await trigger.getAttribute('aria-expanded')).toBe('false');
  });

  it('<beacon-friend-list> keeps keyboard focus on a row that moves when that friend\'s status changes', async () => {
    const kim = await register('kim_dropin', 'Kim Focus');
    const amy = await register('amy_dropin', 'Amy Early');
    const zed = await register('zed_dropin', 'Zed Late');
    await befriend(kim, amy);
    await befriend(kim, zed);
    const page = await open(kim.username, users.a.id);
    await row(page, zed.id).waitFor({ timeout: 5_000 });
    const order = () => page.locator('beacon-friend-list li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-user-id')));
    expect(await order()).toEqual([String(amy.id), String(zed.id)]);
    await row(page, zed.id).locator('button').focus();
    // Zed comes online: their row moves to the top; the focus goes with it, not to the page body.
    const socket = await openSocket(beacon.baseUrl, zed.token);
    try {
      await expect.poll(order, FIVE_S).toEqual([String(zed.id), String(amy.id)]);
      const focused = await page.evaluate(() => {
        const host = document.activeElement;
        const inner = host?.shadowRoot?.activeElement;
        return [host?.localName, inner?.closest('li')?.getAttribute('data-user-id') ?? null];
      });
      expect(focused).toEqual(['beacon-friend-list', String(zed.id)]);
      await page.keyboard.press('Enter');
      await expect.poll(async () => (await events(page)).at(-1), FIVE_S).toEqual({ type: 'beacon-friend-select', detail: { userId: zed.id, username: zed.username } });
    } finally {
      socket.close();
    }
  });

  it('<beacon-status> says "Unknown user" for an id no Beacon user can have (a host\'s own id above 2^31 - 1) and for one nobody has', async () => {
    const page = await open(users.c.username, users.a.id);
    const watched = page.locator('#watched');
    await expect.poll(() => state(watched), FIVE_S).toEqual(['ready', 'offline', 'Offline']);
    for (const id of ['9007199254740000', '2147483648', '2147483647', '0', 'abc']) {
      await watched.evaluate((el, v) => el.setAttribute('user-id', v), id);
      await expect.poll(() => state(watched), FIVE_S).toEqual(['error', 'unknown', 'Unknown user']);
    }
  });
});
