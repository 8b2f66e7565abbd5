/**
 * The web app while its client catches up on missed events, in real Chromium: the page's socket
 * frames get their `seq` moved on by one (Playwright's routeWebSocket), so a friend's change
 * arrives after an apparently lost event, and the page's refetch (`friends/status?reconnect=1`)
 * is held. The socket stays open meanwhile (the server counts the user online, friends see them
 * online), so the page says "Catching up…", never "connection lost" nor that friends may see
 * the user offline, and keeps the status menu usable; once the refetch applies it is live again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './helpers/browser.js';
import { startServer, type ServerHandle } from './helpers/server.js';
import { api, connectedFriend, type ApiUser } from './helpers/api-users.js';
import { friendCard, openStatusMenu, PASSWORD } from './helpers/ui.js';
import { expectAccessible } from './helpers/axe.js';
import { lostEvent } from './helpers/lost-event.js';

const FIVE_S = { timeout: 5_000, interval: 50 };
/** The page's socket (the SDK's `/ws/status`), where a `seq` gap is made. */
const SOCKET = /\/ws\/status/;

let server: ServerHandle;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let cleo: { token: string; id: number };
let dan: ApiUser;

beforeAll(async () => {
  server = await startServer();
  browser = await launchChromium();
  const r = await api<{ token: string; user: { id: number } }>(server.baseUrl, null, 'POST', '/auth/register', { username: 'cleo', password: PASSWORD, display_name: 'Cleo Park' });
  cleo = { token: r.token, id: r.user.id };
  dan = await connectedFriend(server.baseUrl, 'dan_up', 'Dan Up', cleo.token);
});

afterAll(async () => {
  dan?.socket?.close();
  await context?.close();
  await browser?.close();
  await server?.stop();
});

/** What the page says of its connection: the header's state, words, glyph and title, and the notes. */
const connectionShown = (p: Page) =>
  p.evaluate(() => {
    const el = document.querySelector('beacon-connection-state');
    return {
      state: el?.getAttribute('data-state') ?? null,
      label: el?.querySelector('[data-part=label]')?.textContent ?? null,
      means: el?.querySelector('[data-part=means]')?.textContent ?? null,
      glyph: el?.querySelector('[aria-hidden=true]')?.textContent ?? null,
      title: el?.getAttribute('title') ?? null,
      listNote: document.querySelector('[data-part=stale]:not([hidden])')?.textContent ?? null,
      ownNote: document.querySelector('[data-part=own-stale]')?.textContent ?? null,
      menuDisabled: document.querySelector('beacon-status-menu [data-part=trigger]')?.getAttribute('aria-disabled') ?? null,
      text: document.body.innerText,
    };
  });

describe('the web app while the refetch after a lost event is in flight', () => {
  it('says "Catching up…" (no lost connection, no "seen offline"), keeps the status menu usable, and is live again once the refetch applied', async () => {
    const { routes, lose, release } = lostEvent(SOCKET);
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript((t) => localStorage.setItem('beacon.token', t), cleo.token);
    await routes(context);
    page = await context.newPage();
    await page.goto(`${server.baseUrl}/#/friends`);
    await page.locator('beacon-connection-state[data-state=connected]').waitFor({ timeout: 15_000 });
    await friendCard(page, 'dan_up').waitFor(FIVE_S);

    lose();
    await api(server.baseUrl, dan.token, 'PUT', '/users/me/status', { status: 'busy' });
    await expect.poll(() => connectionShown(page).then((s) => s.state), FIVE_S).toBe('catching_up');
    const shown = await connectionShown(page);
    expect(shown).toMatchObject({
      label: 'Catching up…',
      means: ' Some updates were missed; statuses shown may be out of date until they are read again.',
      glyph: '◐',
      menuDisabled: null,
    });
    expect(shown.title).not.toMatch(/lost/i);
    expect(shown.listNote).toMatch(/^⚠ Not live: catching up on missed updates\. Statuses as of /);
    expect(shown.ownNote).toMatch(/^⚠ Not live: catching up on missed updates\. Your status shown may be out of date\./);
    expect(shown.text).not.toMatch(/connection lost|reconnecting|may already see you as offline/i);
    await expectAccessible(page, 'web app catching up after a lost event');
    // The status menu is usable, and a change that fails says so in it (the server answers 500 here).
    await page.route('**/api/v1/users/me/status', (route) =>
      route.request().method() === 'PUT'
        ? route.fulfill({ status: 500, contentType: 'application/json', body: JSON.stringify({ code: 'INTERNAL_ERROR', message: 'boom' }) })
        : route.continue(),
    );
    const menu = await openStatusMenu(page);
    const error = menu.locator('[data-part=status-error]');
    expect(await error.textContent()).toBe('');
    await menu.locator('[role=radio][value=away]').click();
    await expect.poll(() => error.textContent(), FIVE_S).not.toBe('');
    await page.unroute('**/api/v1/users/me/status');
    await page.keyboard.press('Escape');
    // Still held: the words stay until the refetch applies.
    expect((await connectionShown(page)).state).toBe('catching_up');

    release();
    await expect.poll(() => connectionShown(page), FIVE_S).toMatchObject({ state: 'connected', label: 'Live', listNote: null, ownNote: null });
    expect((await connectionShown(page)).text).not.toMatch(/catching up/i);
    await expect.poll(() => friendCard(page, 'dan_up').textContent(), FIVE_S).toMatch(/Busy/);
  });
});
