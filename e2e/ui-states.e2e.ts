/**
 * The friend list in every status, on a phone, in forced-colors (high contrast) mode and
 * with reduced motion, against a scripted API. Screenshots go to e2e/screenshots.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium } from './helpers/browser.js';
import { startServer, type ServerHandle } from './helpers/server.js';
import { useFixtureApi } from './helpers/fixtures.js';
import { friendCard, shot, newPage, recordLiveLine } from './helpers/ui.js';
import { expectAccessible } from './helpers/axe.js';

let server: ServerHandle;
let browser: Browser;

beforeAll(async () => {
  server = await startServer();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('friend list presentation', () => {
  it('shows every status as a shape and words, sorted, on desktop', async () => {
    const page = await newPage(browser, { viewport: { width: 1280, height: 860 } });
    await useFixtureApi(page);
    await page.goto(`${server.baseUrl}/#/friends`);
    await expect.poll(() => page.locator('beacon-friend-card').count(), { timeout: 15_000 }).toBe(8);
    const order = await page.locator('beacon-friend-list beacon-friend-card').evaluateAll((els) => els.map((e) => e.getAttribute('data-status')));
    expect(order).toEqual(['online', 'in_game', 'in_game', 'busy', 'away', 'offline', 'offline']);
    expect(await friendCard(page, 'ines').locator('[data-part=status-label]').textContent()).toBe('Busy — Do Not Disturb');
    expect(await friendCard(page, 'zoe_k').locator('[data-part=activity]').textContent()).toBe('In Tournament');
    expect(await friendCard(page, 'lena').locator('[data-part=last-seen]').textContent()).toBe('last seen 5 minutes ago');
    expect(await friendCard(page, 'oscar').locator('[data-part=last-seen]').textContent()).toBe('last seen yesterday');
    // The fixture API answers and the socket is refused: "Polling" once an attempt failed while the
    // API answered (the one made right after the first poll, a moment after the cards appear).
    await expect.poll(() => page.locator('beacon-connection-state').textContent(), { timeout: 5_000 }).toContain('Polling');
    await shot(page, 'friend-list-all-statuses', true);
    await expectAccessible(page, 'friends, all tab, polling');

    await page.getByRole('tab', { name: /^Online/ }).click();
    await expect.poll(() => page.locator('beacon-friend-list beacon-friend-card').count()).toBe(5);
    expect(await page.getByRole('tab', { name: /^Online/ }).getAttribute('aria-selected')).toBe('true');
    await expectAccessible(page, 'friends, online tab');
    await page.getByRole('tab', { name: /^All/ }).click();
    await page.close();
  });

  it('fits a 360 px phone and stays usable by keyboard', async () => {
    const page = await newPage(browser, { viewport: { width: 360, height: 780 }, isMobile: true, hasTouch: true });
    await useFixtureApi(page);
    await page.goto(`${server.baseUrl}/#/friends`);
    await expect.poll(() => page.locator('beacon-friend-card').count(), { timeout: 15_000 }).toBe(8);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await shot(page, 'mobile-friend-list', true);
    await expectAccessible(page, 'friends on a phone');

    await page.locator('beacon-status-menu [data-part=trigger]').click();
    await expect.poll(() => page.locator('beacon-status-menu [role=radio][value=online]').evaluate((e) => e === document.activeElement)).toBe(true);
    await shot(page, 'mobile-status-menu');
    await expectAccessible(page, 'status menu on a phone');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('beacon-status-menu [data-part=trigger]').getAttribute('aria-expanded')).toBe('false');
    await page.close();
  });

  it('lays out every page without sideways scrolling on a 360 px phone', async () => {
    const page = await newPage(browser, { viewport: { width: 360, height: 780 }, isMobile: true, hasTouch: true });
    await useFixtureApi(page);
    for (const route of ['requests', 'privacy', 'play'] as const) {
      await page.goto(`${server.baseUrl}/#/${route}`);
      await page.locator('main h1').waitFor();
      await page.waitForLoadState('networkidle');
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, `${route} overflows`).toBeLessThanOrEqual(0);
      await expectAccessible(page, `${route} on a phone`);
      await page.screenshot({ path: `e2e/screenshots/mobile-${route}.png`, fullPage: true });
    }
    await page.close();
  });

  it('is usable with the keyboard alone: skip link, menu with Escape, visible focus', async () => {
    const page = await newPage(browser, { viewport: { width: 1280, height: 800 } });
    await useFixtureApi(page);
    await page.goto(`${server.baseUrl}/#/friends`);
    await expect.poll(() => page.locator('beacon-friend-card').count(), { timeout: 15_000 }).toBe(8);
    const active = () => page.evaluate(() => document.activeElement?.textContent?.trim() ?? '');

    // Navigation put focus on the page heading; the skip link is reachable backwards from it.
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('H1');
    for (let i = 0; i < 15 && (await active()) !== 'Skip to content'; i++) await page.keyboard.press('Shift+Tab');
    expect(await active()).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');

    const trigger = page.locator('beacon-status-menu [data-part=trigger]');
    await trigger.focus();
    const outline = await trigger.evaluate((e) => getComputedStyle(e).outlineStyle);
    expect(outline).not.toBe('none');
    await page.keyboard.press('Enter');
    expect(await trigger.getAttribute('aria-expanded')).toBe('true');
    await page.keyboard.press('Escape');
    expect(await trigger.getAttribute('aria-expanded')).toBe('false');
    expect(await trigger.evaluate((e) => e === document.activeElement)).toBe(true);

    // Tabs follow the WAI-ARIA pattern: arrows switch and show the state by more than colour.
    const all = page.getByRole('tab', { name: /^All/ });
    await all.focus();
    await page.keyboard.press('ArrowLeft');
    const online = page.getByRole('tab', { name: /^Online/ });
    expect(await online.getAttribute('aria-selected')).toBe('true');
    expect(await online.evaluate((e) => e === document.activeElement)).toBe(true);
    expect(await online.evaluate((e) => getComputedStyle(e).borderBottomStyle)).toBe('solid');
    await page.keyboard.press('ArrowRight');
    await page.close();
  });

  for (const [size, opts] of [
    ['a desktop', { viewport: { width: 1280, height: 520 } }],
    ['a phone', { viewport: { width: 360, height: 560 }, isMobile: true, hasTouch: true }],
  ] as const) {
    it(`never leaves what is focused or scrolled to under the sticky header, on ${size} (WCAG 2.4.11)`, async () => {
      const page = await newPage(browser, opts);
      await useFixtureApi(page);
      await page.goto(`${server.baseUrl}/#/friends`);
      await expect.poll(() => page.locator('beacon-friend-card').count(), { timeout: 15_000 }).toBe(8);
      /** How far `selector`'s element (else the focused one) starts above the header's bottom edge: > 0 is hidden under it. */
      const under = (selector?: string) => page.evaluate((sel) => {
        const e = sel ? document.querySelector(sel) : document.activeElement;
        const header = document.querySelector('header')!;
        if (!(e instanceof HTMLElement) || e === document.body || header.contains(e)) return 0;
        return header.getBoundingClientRect().bottom - e.getBoundingClientRect().top;
      }, selector);
      const toBottom = () => page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
      // Focus from script, and scrollIntoView, of a control near the top of the page.
      await toBottom();
      await page.locator('#friend-filter').focus();
      expect(await under()).toBeLessThanOrEqual(0);
      await toBottom();
      await page.locator('#friend-filter').evaluate((e) => e.scrollIntoView());
      expect(await under('#friend-filter')).toBeLessThanOrEqual(0);
      // The keyboard, backwards from the bottom of the page: every stop shows below the header.
      await toBottom();
      await page.locator('main').locator('button:visible, a[href]:visible, input:visible, select:visible').last().focus();
      const hidden: string[] = [];
      for (let i = 0; i < 80; i++) {
        await page.keyboard.press('Shift+Tab');
        const inHeader = await page.evaluate(() => document.querySelector('header')!.contains(document.activeElement) || document.activeElement === document.body);
        if (inHeader) break;
        const px = await under();
        if (px > 0) hidden.push(`${await page.evaluate(() => `${document.activeElement?.tagName} ${(document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent ?? '').trim().slice(0, 30)}`)} (${px} px)`);
      }
      expect(hidden).toEqual([]);
      await page.close();
    });
  }

  it('keeps statuses distinguishable in forced-colors mode', async () => {
    const page = await newPage(browser, { viewport: { width: 900, height: 760 } });
    await page.emulateMedia({ forcedColors: 'active', reducedMotion: 'reduce' });
    await useFixtureApi(page);
    await page.goto(`${server.baseUrl}/#/friends`);
    await expect.poll(() => page.locator('beacon-friend-card').count(), { timeout: 15_000 }).toBe(8);
    const border = await page.locator('beacon-friend-list beacon-status-dot').first().evaluate((e) => getComputedStyle(e).borderTopStyle);
    expect(border).toBe('solid');
    await shot(page, 'forced-colors');
    await page.close();
  });

  it('says a privacy change is saved without naming an audience it does not concern', async () => {
    const page = await newPage(browser, { viewport: { width: 1100, height: 900 } });
    await useFixtureApi(page);
    // The fixture answers a change with the settings changed (a later route is tried first).
    let settings: Record<string, string> | null = null;
    await page.route('**/api/v1/users/me/status/settings', async (route) => {
      if (route.request().method() !== 'PUT') return route.fallback();
      settings ??= await (await route.fetch({ method: 'GET' })).json();
      settings = { ...settings, ...(route.request().postDataJSON() as Record<string, string>) };
      return route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(settings) });
    });
    await page.goto(`${server.baseUrl}/#/privacy`);
    await page.locator('#privacy-status_visibility').waitFor({ timeout: 15_000 });
    const saved = await recordLiveLine(page.locator('[data-part=saved]'));
    // Friends to Everyone: strangers are who see the change, not only friends.
    await page.selectOption('#privacy-status_visibility', 'public');
    await expect.poll(saved.said, { timeout: 5000 }).toEqual(['Saving…', 'Saved. It applies right away.']);
    expect(await page.locator('#privacy-status_visibility').inputValue()).toBe('public');
    // Narrowed to close friends: friends are who stop seeing it.
    await page.selectOption('#privacy-activity_visibility', 'close_friends');
    await expect.poll(saved.said, { timeout: 5000 }).toEqual(['Saving…', 'Saved. It applies right away.', 'Saving…', 'Saved. It applies right away.']);
    await page.close();
  });

  it('previews your card as a friend, a close friend and a stranger', async () => {
    const page = await newPage(browser, { viewport: { width: 1100, height: 1100 } });
    await useFixtureApi(page);
    await page.goto(`${server.baseUrl}/#/privacy`);
    const preview = page.locator('[data-part=preview] beacon-friend-card');
    await expect.poll(() => preview.getAttribute('data-status'), { timeout: 15_000 }).toBe('online');
    await page.getByRole('button', { name: 'As a stranger' }).click();
    await expect.poll(() => preview.getAttribute('data-status')).toBe('offline');
    expect(await preview.locator('[data-part=message]').count()).toBe(0);
    await page.getByRole('button', { name: 'As a close friend' }).click();
    await expect.poll(() => preview.locator('[data-part=message]').textContent()).toContain('Up for a rematch');
    // Last seen is for close friends only in the fixture settings.
    const offline = page.locator('[data-part=preview-offline] beacon-friend-card');
    // Others see last_seen to the minute (docs/protocol.md §9), so the preview may read one minute more.
    expect(await offline.locator('[data-part=last-seen]').textContent()).toMatch(/^last seen [56] minutes ago$/);
    await page.getByRole('button', { name: 'As a friend' }).click();
    await expect.poll(() => offline.locator('[data-part=last-seen]').count()).toBe(0);
    await page.getByRole('button', { name: 'As a close friend' }).click();
    await shot(page, 'privacy-preview');
    await expectAccessible(page, 'privacy preview');
    await page.close();
  });
});
