/**
 * The Play page in Chromium says who really sees "Playing Pong": with the activity shared
 * only with close friends, a plain friend's screen shows "In game" and nothing more, and
 * the page says so; appearing offline mid-match (from the header's status menu, the page
 * left open) changes what the page says as the friend's screen turns to offline. A practice
 * started during a game server's tournament says friends see the tournament, and becomes what
 * they see once the tournament ends, also when it ends while the page's start is being refused
 * (the 409 read after the page already heard the tournament end).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Locator, Page, Route } from 'playwright-core';
import { launchChromium } from './helpers/browser.js';
import { startServer, type ServerHandle } from './helpers/server.js';
import { api, befriendOverApi, registerUser } from './helpers/api-users.js';
import { closeStatusMenu, friendCard, openStatusMenu, signedInContext } from './helpers/ui.js';
import { holdAnswer } from './helpers/held-answer.js';

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

/** The user's Play page, once its socket is connected. */
async function playPage(token: string): Promise<Page> {
  const page = await signedIn(token);
  await page.goto(`${server.baseUrl}/#/play`);
  await page.locator('beacon-connection-state[data-state=connected]').waitFor({ timeout: 15_000 });
  return page;
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

    const page = await playPage(pia.token);
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

describe('Play page during a game server’s match', () => {
  /** A game server's event for `ids` (the e2e server's service token). */
  const gameEvent = async (event: string, ids: number[], matchId = 'cup-1'): Promise<void> => {
    const res = await fetch(`${server.baseUrl}/api/v1/games/events`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Service-Token': 'e2e-service-token-0123456789' },
      body: JSON.stringify({ event, match_id: matchId, player_ids: ids }),
    });
    expect(res.status).toBe(200);
  };

  it('says the tournament is what friends see, not "That already exists", and friends see Playing Pong once it ends', async () => {
    const tom = await registerUser(server.baseUrl, 'tom_cup', 'Tom Cup');
    const fay = await registerUser(server.baseUrl, 'fay_watch', 'Fay Watch');
    await befriendOverApi(server.baseUrl, tom, fay);
    const fayPage = await signedIn(fay.token);
    await fayPage.goto(`${server.baseUrl}/#/friends`);
    const tomCard = friendCard(fayPage, 'tom_cup');
    await gameEvent('tournament_started', [tom.id]);
    await expect.poll(() => tomCard.getAttribute('data-status').catch(() => null), FIVE_S).toBe('in_game');

    const page = await playPage(tom.token);
    await page.getByRole('button', { name: 'Start match' }).click();
    const note = page.locator('[data-part=play-note]');
    await expect.poll(textOf(note), FIVE_S).toBe('A game server has you in a match: friends see that match, not this practice, until it ends.');

    await gameEvent('tournament_ended', [tom.id]);
    // The practice match still runs: friends now see it.
    await expect.poll(() => tomCard.locator('[data-part=activity]').textContent().catch(() => null), FIVE_S).toContain('Playing Pong');
    expect(await tomCard.getAttribute('data-status')).toBe('in_game');
    await expect.poll(textOf(note), FIVE_S).toMatch(/^Match on\./);
  });

  it('a tournament that ends between the refusal (409) and the page reading it: the practice is declared, not said to be held', async () => {
    const ivy = await registerUser(server.baseUrl, 'ivy_race', 'Ivy Race');
    const fay = await registerUser(server.baseUrl, 'fay_race', 'Fay Race');
    await befriendOverApi(server.baseUrl, ivy, fay);
    const fayPage = await signedIn(fay.token);
    await fayPage.goto(`${server.baseUrl}/#/friends`);
    const ivyCard = friendCard(fayPage, 'ivy_race');
    await gameEvent('tournament_started', [ivy.id]);

    const page = await playPage(ivy.token);
    const self = page.locator('beacon-status-menu [data-part=self-status]');
    await expect.poll(textOf(self), FIVE_S).toBe('In game');
    // The server refuses the practice (409), and its answer is held on its way back…
    const held = await holdAnswer(page, '**/api/v1/users/me/activity', { method: 'POST' });
    await page.getByRole('button', { name: 'Start match' }).click();
    await held.reached;
    // …while the tournament ends and the page hears it (its own status leaves "In game").
    await gameEvent('tournament_ended', [ivy.id]);
    await expect.poll(textOf(self), FIVE_S).not.toBe('In game');
    held.release();
    await held.handled();
    const note = page.locator('[data-part=play-note]');
    // The truth: no game server's match holds the activity any more, the practice runs and friends see it.
    await expect.poll(textOf(note), FIVE_S).toMatch(/^Match on\./);
    await expect.poll(() => ivyCard.locator('[data-part=activity]').textContent().catch(() => null), FIVE_S).toContain('Playing Pong');
    expect(await ivyCard.getAttribute('data-status')).toBe('in_game');
  });

  it('refused again (a second 409) by a match that ends before the page reads that refusal: the page asks again, not stuck on "held"', async () => {
    const una = await registerUser(server.baseUrl, 'una_race', 'Una Race');
    const fay = await registerUser(server.baseUrl, 'fay_race2', 'Fay Race');
    await befriendOverApi(server.baseUrl, una, fay);
    await gameEvent('tournament_started', [una.id], 'cup-a');

    const page = await playPage(una.token);
    const self = page.locator('beacon-status-menu [data-part=self-status]');
    await expect.poll(textOf(self), FIVE_S).toBe('In game');
    // The first refusal (409) is held on its way back while the first tournament ends: read
    // with the own view out of "In game", it makes the page ask again.
    const first = await holdAnswer(page, '**/api/v1/users/me/activity', { method: 'POST' });
    await page.getByRole('button', { name: 'Start match' }).click();
    await first.reached;
    await gameEvent('tournament_ended', [una.id], 'cup-a');
    await expect.poll(textOf(self), FIVE_S).not.toBe('In game');
    // That second ask waits before the server until a second tournament holds the activity,
    // and the server's second refusal waits on its way back until that one ended too.
    const gate = (): { open: () => void; opened: Promise<void> } => {
      let open!: () => void;
      const opened = new Promise<void>((r) => (open = r));
      return { open, opened };
    };
    const [asked, toServer, refusedAgain, back] = [gate(), gate(), gate(), gate()];
    let seen = false;
    const second = async (route: Route): Promise<void> => {
      if (seen || route.request().method() !== 'POST') return route.fallback();
      seen = true;
      asked.open();
      await toServer.opened;
      const response = await route.fetch();
      refusedAgain.open();
      await back.opened;
      await route.fulfill({ response });
      // Not removed: the page's next declaration could be paused in it as the page's interception goes off, and never leave (helpers/held-answer.ts).
    };
    await page.route('**/api/v1/users/me/activity', second);
    first.release();
    await first.handled();
    await asked.opened;
    await gameEvent('tournament_started', [una.id], 'cup-b');
    await expect.poll(textOf(self), FIVE_S).toBe('In game');
    toServer.open();
    await refusedAgain.opened;
    await gameEvent('tournament_ended', [una.id], 'cup-b');
    await expect.poll(textOf(self), FIVE_S).not.toBe('In game');
    back.open();
    // No frame is to come: the page sees at once that no match holds it and declares the practice.
    const note = page.locator('[data-part=play-note]');
    await expect.poll(textOf(note), FIVE_S).toMatch(/^Match on\./);
    const seenByFay = await api<{ status: string; activity: string | null }>(server.baseUrl, fay.token, 'GET', `/users/${una.id}/status`);
    expect(seenByFay).toMatchObject({ status: 'in_game', activity: 'playing_pong' });
  });
});
