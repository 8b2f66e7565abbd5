/**
 * The Play page in Chromium says who really sees "Playing Pong": with the activity shared
 * only with close friends, a plain friend's screen shows "In game" and nothing more, and
 * the page says so; appearing offline mid-match (from the header's status menu, the page
 * left open) changes what the page says as the friend's screen turns to offline.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { launchChromium } from './helpers/browser.js';
import { startServer, type ServerHandle } from './helpers/server.js';
import { api, befriendOverApi, registerUser } from './helpers/api-users.js';
import { closeStatusMenu, friendCard, openStatusMenu, signedInContext } from './helpers/ui.js';

const FIVE_S = { timeout: 5_000, interval: 100 };
const textOf = (l: Locator) => (): Promise<string | null> => l.textContent({ timeout: 1_000 }).catch(() => null);

let server: ServerHandle;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  server = await startServer();
  browser = await launchChromium();
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  await server?.stop();
});

async function signedIn(token: string): Promise<Page> {
  const context = await signedInContext(browser, token);
  contexts.push(context);
  return context.newPage();
}

describe('Play page: who sees "Playing Pong"', () => {
  it('says plain friends see only "In game" when the activity is for close friends, and follows a switch to appear offline', async () => {
    const pia = await registerUser(server.baseUrl, 'pia_play', 'Pia Play');
    const rex = await registerUser(server.baseUrl, 'rex_play', 'Rex Play');
    await befriendOverApi(server.baseUrl, rex, pia); // a plain friend of Pia's
    await api(server.baseUrl, pia.token, 'PUT', '/users/me/status/settings', { activity_visibility: 'close_friends' });

    const rexPage = await signedIn(rex.token);
    await rexPage.goto(`${server.baseUrl}/#/friends`);
    const piaCard = friendCard(rexPage, 'pia_play');

    const page = await signedIn(pia.token);
    await page.goto(`${server.baseUrl}/#/play`);
    await page.locator('beacon-connection-state[data-state=connected]').waitFor({ timeout: 15_000 });
    const intro = page.locator('[data-part=play-audience]');
    await expect.poll(textOf(intro), FIVE_S).toContain('Other friends see only “In game”');
    expect(await page.locator('main').textContent()).not.toMatch(/Friends see you as “Playing Pong”/);

    await page.getByRole('button', { name: 'Start match' }).click();
    // The friend's screen: In game, in words, and no activity.
    await expect.poll(() => piaCard.getAttribute('data-status'), FIVE_S).toBe('in_game');
    expect(await piaCard.locator('[data-part=status-label]').textContent()).toBe('In game');
    expect(await piaCard.locator('[data-part=activity]').count()).toBe(0);
    // What the page says during the match agrees with that screen.
    const note = page.locator('[data-part=play-note]');
    await expect.poll(textOf(note), FIVE_S).toMatch(/^Match on\. Your close friends see you as “Playing Pong”\. Other friends see only “In game”/);
    expect(await note.textContent()).not.toContain('Your friends see you as “Playing Pong”');

    // Appear offline from the header, the match still running and the page open.
    const menu = await openStatusMenu(page);
    await menu.getByRole('switch', { name: /Appear offline/ }).check();
    await closeStatusMenu(page);
    await expect.poll(() => piaCard.getAttribute('data-status'), FIVE_S).toBe('offline');
    expect(await piaCard.locator('[data-part=status-label]').textContent()).toBe('Offline');
    await expect.poll(textOf(note), FIVE_S).toBe('Match on. Nobody sees that you are playing: you appear offline to everyone.');
    expect(await intro.textContent()).toContain('Nobody sees that you are playing');
  });
});
