/**
 * Text a friend controls paints only inside its own box, in Chromium: a display name and a
 * custom message made of letters with long stacks of combining marks (within the length
 * limit, which counts graphemes) leave every pixel outside their boxes as it would be without
 * them (the name, the status line, the next card), while an ordinary message with accents
 * and emoji, a name and an @username are not clipped at all, wherever a subpixel layout puts
 * them. An avatar's initials are whole graphemes (a letter with all its marks, a whole emoji),
 * and a letter's stack of marks paints nothing outside the avatar.
 * Screenshots are compared pixel for pixel, so the browser redraws whole tiles (no partial
 * raster, helpers/browser.ts): a partial redraw changed an avatar's round edge by a few levels.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { launchChromium } from './helpers/browser.js';
import { startServer, type ServerHandle } from './helpers/server.js';
import { api, connectedFriend, registerUser, type ApiUser } from './helpers/api-users.js';
import { friendCard } from './helpers/ui.js';

/** `count` copies of `base` each carrying `marks` combining marks from U+0300–U+036F. */
function zalgo(base: string, marks: number, count: number): string {
  let letter = base;
  for (let i = 0; i < marks; i++) letter += String.fromCodePoint(0x300 + (i % 0x70));
  return letter.repeat(count);
}

const FAMILY = '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}';
/** The 22 combining marks U+0300–U+0315, all drawn above their letter. */
const ABOVE = Array.from({ length: 22 }, (_, i) => String.fromCodePoint(0x300 + i)).join('');

let server: ServerHandle;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;
let uma: { token: string; id: number };
const friends: ApiUser[] = [];

beforeAll(async () => {
  server = await startServer();
  browser = await launchChromium();
  uma = await registerUser(server.baseUrl, 'uma_zal', 'Uma Zal');
  const zed = await connectedFriend(server.baseUrl, 'zed_zal', 'Zed', uma.token);
  await api(server.baseUrl, zed.token, 'PATCH', '/users/me', { display_name: zalgo('Z', 12, 3) });
  await api(server.baseUrl, zed.token, 'PUT', '/users/me/status', { status: 'online', custom_message: zalgo('H', 159, 6) });
  const amy = await connectedFriend(server.baseUrl, 'amy_zal', 'Amy', uma.token);
  await api(server.baseUrl, amy.token, 'PUT', '/users/me/status', { status: 'online', custom_message: 'Ça déjà vu — Ấp Ǘ gjpqy 🎉👍🏽🇫🇷' });
  const fam = await connectedFriend(server.baseUrl, 'fam_zal', `${FAMILY} Fam`, uma.token);
  // One letter under the most marks a name may hold (40 characters), all of them above it.
  const tal = await connectedFriend(server.baseUrl, 'tal_zal', `T${ABOVE.repeat(2).slice(0, 39)}`, uma.token);
  friends.push(zed, amy, fam, tal);
  ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, reducedMotion: 'reduce' });
  await ctx.addInitScript((t) => localStorage.setItem('beacon.token', t), uma.token);
  page = await ctx.newPage();
  await page.goto(`${server.baseUrl}/#/friends`);
  await page.locator('beacon-connection-state[data-state=connected]').waitFor({ timeout: 15_000 });
  await friendCard(page, 'zed_zal').locator('[data-part=message]').waitFor();
  await friendCard(page, 'amy_zal').locator('[data-part=message]').waitFor();
  await friendCard(page, 'fam_zal').waitFor();
  await friendCard(page, 'tal_zal').waitFor();
});

afterAll(async () => {
  for (const f of friends) f.socket?.close();
  await ctx?.close();
  await browser?.close();
  await server?.stop();
});

/** The page around `el` (room above and below for what could spill), as pixels. */
async function around(el: Locator, pad: number, mask: Locator[] = []): Promise<Buffer> {
  const box = await el.boundingBox();
  if (!box) throw new Error('no box');
  const top = Math.max(0, box.y - pad);
  const clip = { x: 0, y: top, width: 1280, height: Math.min(900 - top, box.y + box.height + pad - top) };
  return page.screenshot({ clip, mask, animations: 'disabled', caret: 'hide' });
}

describe('user text stays in its box', () => {
  it('a name and a message of stacked combining marks paint nothing outside their own boxes', async () => {
    const card = friendCard(page, 'zed_zal');
    const own = [card.locator('[data-part=name]'), card.locator('[data-part=message]')];
    // Everything but the two boxes themselves, with the text drawn and then without it.
    const drawn = await around(card, 300, own);
    for (const el of own) await el.evaluate((e) => ((e as HTMLElement).style.visibility = 'hidden'));
    const without = await around(card, 300, own);
    for (const el of own) await el.evaluate((e) => ((e as HTMLElement).style.visibility = ''));
    expect(drawn.equals(without)).toBe(true);
  });

  it('an ordinary message with accents and emoji, a plain name and its @username, show whole at any subpixel position', async () => {
    const card = friendCard(page, 'amy_zal');
    const list = page.locator('beacon-friend-list');
    // Where the cards fall depends on what is above the list: at whole pixels and between them
    // (a glyph's edge then lands part-way into a pixel row), nothing of them is cut off.
    for (const shift of [0, 0.25, 0.375, 0.5]) {
      await list.evaluate((e, y) => Object.assign((e as HTMLElement).style, { position: 'relative', top: `${y}px` }), shift);
      for (const part of ['message', 'name', 'username']) {
        const el = card.locator(`[data-part=${part}]`);
        const clipped = await around(el, 24);
        await el.evaluate((e) => ((e as HTMLElement).style.overflow = 'visible'));
        const unclipped = await around(el, 24);
        await el.evaluate((e) => ((e as HTMLElement).style.overflow = ''));
        expect(unclipped.equals(clipped), `${part} is clipped ${shift} px down`).toBe(true);
      }
    }
    await list.evaluate((e) => Object.assign((e as HTMLElement).style, { position: '', top: '' }));
  });

  it('an avatar shows whole graphemes, and a stack of marks on its initial stays inside it', async () => {
    const avatar = (username: string) => friendCard(page, username).locator(':scope > div').first();
    // Two whole letters, each with its 12 marks; a family emoji whole, then the next word's letter.
    expect(await avatar('zed_zal').textContent()).toBe(zalgo('Z', 12, 2));
    expect(await avatar('fam_zal').textContent()).toBe(`${FAMILY}F`);
    expect(await avatar('tal_zal').textContent()).toBe(`T${ABOVE.repeat(2).slice(0, 39)}`);
    // The marks stack upwards: the page just above the avatar is the same with its letter drawn or not.
    const box = await avatar('tal_zal').boundingBox();
    if (!box) throw new Error('no box');
    const above = () => page.screenshot({ clip: { x: box.x, y: box.y - 120, width: box.width, height: 120 }, animations: 'disabled', caret: 'hide' });
    const drawn = await above();
    await avatar('tal_zal').evaluate((e) => ((e as HTMLElement).style.color = 'transparent'));
    const without = await above();
    await avatar('tal_zal').evaluate((e) => ((e as HTMLElement).style.color = ''));
    expect(drawn.equals(without)).toBe(true);
  });
});
