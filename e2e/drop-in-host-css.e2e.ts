/**
 * Beacon's drop-in elements inside a host page whose own CSS sets inherited text properties on
 * the container they are put in (a header in capitals, a right-aligned sidebar, a `nowrap`
 * toolbar): inherited properties cross the shadow boundary, so before, a friend's name showed in
 * capitals ("bo_css" as "BO_CSS", the name of someone else), rows were indented, spaced and
 * right-aligned as the page's text, and a long message ran out of the list on one line. Only the
 * documented theme (font, colour, `--beacon-*`, `::part()`) comes from the page now.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import { launchChromium } from './helpers/browser.js';
import { freePort, startServer, type ServerHandle } from './helpers/server.js';
import { startHostSite, type HostSite } from './helpers/host-site.js';
import { api, befriendOverApi, openSocket, registerUser } from './helpers/api-users.js';

const PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Pong Club</title>
<style>
  body { font-family: Georgia, serif; color: rgb(20, 30, 40); }
  aside { width: 320px; text-transform: uppercase; letter-spacing: 6px; word-spacing: 12px; text-align: right; text-indent: 40px; white-space: nowrap; }
</style></head>
<body>
<aside><beacon-status-menu></beacon-status-menu><beacon-friend-list></beacon-friend-list><beacon-status id="watched" show-message></beacon-status></aside>
<script type="module">
  import { connect } from '/beacon/sdk/beacon-elements.js';
  const q = new URLSearchParams(location.search);
  document.getElementById('watched').setAttribute('user-id', q.get('watch'));
  connect({ baseUrl: '/beacon', token: q.get('t') });
</script>
</body>
</html>`;

let beacon: ServerHandle;
let host: HostSite;
let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  const hostPort = await freePort();
  beacon = await startServer({ BEACON_ALLOWED_ORIGINS: `http://127.0.0.1:${hostPort}` });
  host = await startHostSite(hostPort, beacon.port, PAGE);
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1024, height: 800 } });
});

afterAll(async () => {
  await context?.close().catch(() => undefined);
  await browser?.close();
  await host?.close();
  await beacon?.stop();
});

describe("drop-in elements in a container of the host page's own text styles", () => {
  it("show names and messages as written, laid out as their own, with the page's font and colour", async () => {
    const alice = await registerUser(beacon.baseUrl, 'alice_css', 'Alice Css');
    const bob = await registerUser(beacon.baseUrl, 'bo_css', 'bo_css');
    await befriendOverApi(beacon.baseUrl, alice, bob);
    // Online, so that his friends see his message.
    const bobSocket = await openSocket(beacon.baseUrl, bob.token);
    await api(beacon.baseUrl, bob.token, 'PUT', '/users/me/status', { status: 'busy', custom_message: 'Practising serves all afternoon before the club tournament tonight' });
    const page = await context.newPage();
    await page.goto(`${host.baseUrl}/?watch=${bob.id}&t=${encodeURIComponent(alice.token)}`);
    const name = page.locator(`beacon-friend-list li[data-user-id="${bob.id}"] [part=name]`);
    await name.waitFor();
    const styleOf = (selector: string) =>
      page.locator(selector).first().evaluate((el) => {
        const s = getComputedStyle(el);
        return { transform: s.textTransform, letters: s.letterSpacing, words: s.wordSpacing, align: s.textAlign, indent: s.textIndent, wrap: s.whiteSpace, font: s.fontFamily, color: s.color };
      });
    const own = { transform: 'none', letters: 'normal', words: '0px', align: 'start', indent: '0px', wrap: 'normal', font: 'Georgia, serif', color: 'rgb(20, 30, 40)' };
    expect(await styleOf(`beacon-friend-list li[data-user-id="${bob.id}"] [part=name]`)).toEqual(own);
    expect(await styleOf(`beacon-friend-list li[data-user-id="${bob.id}"] [part=message]`)).toEqual({ ...own, color: 'rgb(82, 82, 91)' });
    expect(await styleOf('beacon-status [part=label]')).toEqual(own);
    expect(await styleOf('beacon-status [part=message]')).toEqual({ ...own, color: 'rgb(82, 82, 91)' });
    expect(await styleOf('beacon-status-menu [part=trigger]')).toMatchObject({ transform: 'none', letters: 'normal', indent: '0px', wrap: 'normal' });
    // The long message wraps inside the list (320 px wide) rather than running out of it on one line.
    const message = page.locator(`beacon-friend-list li[data-user-id="${bob.id}"] [part=message]`);
    const [list, msg] = await Promise.all([page.locator('beacon-friend-list').boundingBox(), message.boundingBox()]);
    expect(msg!.x + msg!.width).toBeLessThanOrEqual(list!.x + list!.width + 1);
    bobSocket.close();
  });
});
