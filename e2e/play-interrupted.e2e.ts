/**
 * A practice match on the Play page that is interrupted, as a friend sees it in Chromium: the
 * player reloads mid-match, or closes the tab with the match while another tab of theirs stays
 * open. Either way the page holding the match is gone, so the friend's screen must stop saying
 * "In game · Playing Pong" (and the player's own header "In game"), and not come back to it.
 * Leaving the page just after starting a match ends it too, however the network orders the two
 * declarations (`playing_pong`, then `browsing`). A match left in a background tab (which the
 * browser stops drawing, and whose in-game player is never asked "Still there?") ends after
 * 30 s there, so friends do not see "Playing Pong" for hours while the player is elsewhere.
 * The server runs a 1 s offline grace: every wait below is several graces long.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { launchChromium } from './helpers/browser.js';
import { startServer, type ServerHandle } from './helpers/server.js';
import { befriendOverApi, registerUser } from './helpers/api-users.js';
import { friendCard, goTo, signedInContext } from './helpers/ui.js';

const GRACE_MS = 1_000; // e2e/helpers/server.ts
const SETTLE = { timeout: 8 * GRACE_MS, interval: 100 };

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

async function signedIn(token: string): Promise<BrowserContext> {
  const context = await signedInContext(browser, token);
  contexts.push(context);
  return context;
}

async function open(context: BrowserContext, route: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${server.baseUrl}/#/${route}`);
  await page.locator('beacon-connection-state[data-state=connected]').waitFor({ timeout: 15_000 });
  return page;
}

/** Bob and Alice, friends; Alice watching Bob on her Friends page. */
async function pair(tag: string): Promise<{ bob: { token: string }; bobCard: Locator; bobName: string }> {
  const bobName = `bob_${tag}`;
  const alice = await registerUser(server.baseUrl, `alice_${tag}`, 'Alice');
  const bob = await registerUser(server.baseUrl, bobName, 'Bob');
  await befriendOverApi(server.baseUrl, alice, bob);
  const alicePage = await open(await signedIn(alice.token), 'friends');
  return { bob, bobCard: friendCard(alicePage, bobName), bobName };
}

async function startMatch(page: Page, bobCard: Locator): Promise<void> {
  await page.getByRole('button', { name: 'Start match' }).click();
  await expect.poll(() => bobCard.getAttribute('data-status'), SETTLE).toBe('in_game');
  expect(await bobCard.textContent()).toContain('Playing Pong');
}

/** Alice sees Bob online (not in game) from now on: it turned, and it stays so for several graces. */
async function expectOnlineForGood(bobCard: Locator): Promise<void> {
  await expect.poll(() => bobCard.getAttribute('data-status'), SETTLE).toBe('online');
  await new Promise((r) => setTimeout(r, 3 * GRACE_MS));
  expect(await bobCard.getAttribute('data-status')).toBe('online');
  expect(await bobCard.textContent()).not.toContain('Playing Pong');
}

describe('Play page: an interrupted practice match', () => {
  it('a reload mid-match ends it: the friend sees the player online, not in game', async () => {
    const { bob, bobCard } = await pair('reload');
    const play = await open(await signedIn(bob.token), 'play');
    await startMatch(play, bobCard);

    await play.reload();
    await play.locator('beacon-connection-state[data-state=connected]').waitFor({ timeout: 15_000 });
    // Bob's page shows no match running…
    await play.getByRole('button', { name: 'Start match' }).waitFor();
    // …and so does what Alice sees, and Bob's own header.
    await expectOnlineForGood(bobCard);
    expect(await play.locator('[data-part=self-status]').first().textContent()).not.toMatch(/in game/i);
  });

  it('leaving the page just after starting a match ends it, though the start is slower on the network', async () => {
    const { bob, bobCard } = await pair('leave');
    const play = await open(await signedIn(bob.token), 'play');
    // The first declaration (the match's start) is slow on the network: it reaches the server
    // once the next one was answered, or after 2 s (a client that waits for its answer first).
    let declarations = 0;
    let answered = 0;
    let nextAnswered = (): void => undefined;
    const overtaken = new Promise<void>((r) => (nextAnswered = r));
    play.on('requestfinished', (request) => {
      if (!request.url().endsWith('/users/me/activity')) return;
      answered++;
      if (request.postDataJSON()?.activity === 'browsing') nextAnswered();
    });
    await play.route('**/api/v1/users/me/activity', async (route) => {
      if (declarations++ === 0) await Promise.race([overtaken, new Promise((r) => setTimeout(r, 2_000))]);
      await route.continue();
    });
    await play.getByRole('button', { name: 'Start match' }).click();
    await new Promise((r) => setTimeout(r, 200));
    await goTo(play, 'Friends'); // the match ends with the page
    await expect.poll(() => answered, SETTLE).toBe(2);
    // The last declared (browsing) holds: Alice sees Bob online, and so does Bob's own header.
    await expectOnlineForGood(bobCard);
    expect(await play.locator('[data-part=self-status]').first().textContent()).not.toMatch(/in game/i);
  });

  it('a match left in a background tab ends after 30 s there: the friend sees the player online, and the page says why on return', async () => {
    const { bob, bobCard } = await pair('background');
    const context = await signedIn(bob.token);
    const play = await context.newPage();
    // A page clock the test moves on (the time in the background); it runs as usual until then.
    await play.clock.install();
    await play.goto(`${server.baseUrl}/#/play`);
    await play.locator('beacon-connection-state[data-state=connected]').waitFor({ timeout: 15_000 });
    await startMatch(play, bobCard);
    // Headless Chromium never hides a page: the tab goes to the background as the page sees it.
    const visibility = (state: 'hidden' | 'visible'): Promise<void> =>
      play.evaluate((s) => {
        Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => s });
        document.dispatchEvent(new Event('visibilitychange'));
      }, state);

    // Away for 20 s and back: the match goes on.
    await visibility('hidden');
    await play.clock.fastForward('00:20');
    await visibility('visible');
    await play.clock.fastForward('00:20');
    await new Promise((r) => setTimeout(r, 3 * GRACE_MS));
    expect(await bobCard.getAttribute('data-status')).toBe('in_game');
    await play.getByRole('button', { name: 'Give up' }).waitFor();

    // Away for good: 30 s after the tab went to the background the match ends.
    await visibility('hidden');
    await play.clock.fastForward('00:31');
    // Before: "In game · Playing Pong" for as long as the tab stayed open.
    await expectOnlineForGood(bobCard);
    await visibility('visible');
    await play.getByRole('button', { name: 'Play again' }).waitFor();
    await expect
      .poll(() => play.locator('[data-part=play-note]').textContent(), SETTLE)
      .toBe('Your match ended while Beacon was in the background, so friends no longer see you playing.');
  });

  it('closing the tab with the match ends it while another tab stays open', async () => {
    const { bob, bobCard } = await pair('twotabs');
    const context = await signedIn(bob.token);
    const friendsTab = await open(context, 'friends');
    const play = await open(context, 'play');
    await startMatch(play, bobCard);
    await expect.poll(() => friendsTab.locator('[data-part=self-status]').first().textContent(), SETTLE).toMatch(/in game/i);

    await play.close();
    await expectOnlineForGood(bobCard);
    expect(await friendsTab.locator('[data-part=self-status]').first().textContent()).not.toMatch(/in game/i);
  });
});
