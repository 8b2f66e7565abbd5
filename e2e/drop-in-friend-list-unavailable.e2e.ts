/**
 * Finding (drop-in elements on a site that embeds Beacon and lists friends itself): while the
 * site's friends port failed, Beacon closed the socket 1011 `friend list unavailable` (REST
 * answered 503) and <beacon-friend-list> said "Could not reach Beacon. It keeps trying in the
 * background.": untrue, Beacon answered. The close reason reaches the page (the browser passes
 * it on with the close), so the SDK keeps it (`client.unavailableReason`) and the list now says
 * the site's friend list is unavailable, still with "Retry now", still retrying by itself: once
 * the site's list answers again, the friends show without the user doing anything.
 * Beacon runs embedded in this process (the site's own Fastify app with the `beacon` plugin under
 * /beacon), its friends port the site's and failing on demand; the elements come from its
 * /beacon/sdk bundle.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Locator } from 'playwright-core';
import { beacon } from '../src/server/index.js';
import { MemoryHost } from '../test/helpers/memory-host.js';
import { launchChromium } from './helpers/browser.js';
import { expectAccessible } from './helpers/axe.js';

/** The site's page: its own heading, Beacon's friend list, connect() with the site's token. */
const PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Pong Club</title></head>
<body>
<main>
  <h1>Pong Club</h1>
  <h2>Friends</h2>
  <beacon-friend-list></beacon-friend-list>
</main>
<script type="module">
  import { connect } from '/beacon/sdk/beacon-elements.js';
  connect({ baseUrl: '/beacon', token: sessionStorage.getItem('site-token') });
</script>
</body>
</html>`;

let site: FastifyInstance;
let baseUrl: string;
let browser: Browser;
let context: BrowserContext;
let aliceToken: string;
/** Whether the site's friends port fails now. */
const port = { fails: true };

beforeAll(async () => {
  const host = new MemoryHost();
  aliceToken = host.addUser('a-1', 'Alice');
  host.addUser('b-2', 'Bob');
  host.befriend('a-1', 'b-2');
  site = Fastify();
  site.get('/', (_request, reply) => reply.type('text/html; charset=utf-8').send(PAGE));
  await site.register(beacon, {
    prefix: '/beacon',
    identity: host.identity,
    friends: {
      friendsOf: async (id) => {
        if (port.fails) throw new Error('site database unavailable');
        return host.friends.friendsOf(id);
      },
    },
    profiles: host.profiles,
    config: { databaseUrl: 'sqlite::memory:' },
  });
  baseUrl = await site.listen({ port: 0, host: '127.0.0.1' });
  browser = await launchChromium();
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await site?.close();
});

/** What the friend list says: its data-state, its data-connection, its words (state box), and its buttons. */
const listSays = (list: Locator) =>
  list.evaluate((e) => {
    const root = e.shadowRoot!;
    return {
      state: e.getAttribute('data-state'),
      connection: e.getAttribute('data-connection'),
      text: root.querySelector('[part=state]')?.textContent ?? null,
      buttons: [...root.querySelectorAll('[part=state] button')].map((b) => b.textContent),
    };
  });

describe("<beacon-friend-list> while the site's friend list is unavailable", () => {
  it('says so, not "Could not reach Beacon", offers Retry now, and shows the friends by itself once the site answers', async () => {
    context = await browser.newContext({ viewport: { width: 1024, height: 800 } });
    await context.addInitScript((t) => sessionStorage.setItem('site-token', t), aliceToken);
    const page = await context.newPage();
    await page.goto(`${baseUrl}/`);
    const list = page.locator('beacon-friend-list');
    await expect.poll(() => listSays(list), { timeout: 15_000, interval: 100 }).toEqual({
      state: 'error',
      connection: 'offline',
      text: 'Your friend list is unavailable right now: the site could not provide it. It keeps trying in the background.Retry now',
      buttons: ['Retry now'],
    });
    // Said as an alert, as the unreachable box is.
    expect(await list.getByRole('alert').textContent()).toContain('Your friend list is unavailable right now');
    await expectAccessible(page, "host page, the site's friend list unavailable");

    // The site's list answers again: the client's own retries (the socket's backoff, the polls) find it.
    port.fails = false;
    await expect.poll(() => listSays(list), { timeout: 30_000, interval: 100 }).toMatchObject({ state: 'ready', buttons: [] });
    await expect.poll(() => list.getByRole('list', { name: 'Friends' }).textContent(), { timeout: 5_000, interval: 100 }).toContain('Bob');
  });
});
