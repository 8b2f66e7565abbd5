/**
 * Two people use the example Pong site in Chromium — its own register form, its own friends
 * form, its own match API — and Beacon's elements on its page (loaded from the embedded
 * Beacon's /sdk bundle) show each other's presence: online, busy set in <beacon-status-menu>,
 * in a match with the score, offline. The site runs from examples/pong-site with Beacon
 * installed from the packed tarballs (`npm run test:example` installs them; `npm test` runs
 * it before the e2e step).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './helpers/browser.js';
import { REPO_ROOT } from './helpers/server.js';

const PORT = 18_080 + Math.floor(Math.random() * 1000);
const SITE = `http://127.0.0.1:${PORT}`;
const FIVE_S = { timeout: 5_000, interval: 100 };
let site: ChildProcess;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(`${REPO_ROOT}/examples/pong-site/node_modules/@beacon-presence/server`)) {
    throw new Error('e2e: the example Pong site is not installed. Run `npm run test:example` first (`npm test` does).');
  }
  site = spawn('npx', ['tsx', 'src/main.ts', 'embedded'], {
    cwd: `${REPO_ROOT}/examples/pong-site`,
    env: { ...process.env, PORT: String(PORT), SITE_DB: ':memory:', BEACON_DATABASE_URL: 'sqlite::memory:' },
    stdio: 'inherit',
    // Its own process group: npx starts tsx, which starts node; stopping the group stops all three.
    detached: true,
  });
  for (let i = 0; ; i++) {
    if (await fetch(SITE).then((r) => r.ok, () => false)) break;
    if (site.exitCode !== null || i === 100) throw new Error(`e2e: the example Pong site did not start (exit code ${site.exitCode}); its output is above.`);
    await new Promise((r) => setTimeout(r, 200));
  }
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  // The group may be gone already (the site failed to start).
  if (site?.pid && site.exitCode === null) process.kill(-site.pid, 'SIGTERM');
});

async function signUp(name: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(SITE);
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Password').fill('a-long-password');
  await page.getByRole('button', { name: 'Register' }).click();
  await page.getByText(`Signed in as ${name}`).waitFor();
  return page;
}

/** The text of a friend's row in <beacon-friend-list> (open shadow roots are pierced). */
const friendRow = (page: Page, name: string) => () =>
  page.locator('beacon-friend-list').getByText(name, { exact: false }).first().textContent({ timeout: 1_000 }).catch(() => null);

describe('the Pong site page with Beacon elements', () => {
  it('shows two friends of the site each other’s presence through its own login', async () => {
    const alice = await signUp('alice');
    const bob = await signUp('bob');
    await alice.getByLabel('Add a friend').fill('bob');
    await alice.getByRole('button', { name: 'Add' }).click();
    await expect.poll(friendRow(alice, 'bob'), FIVE_S).toContain('bob');
    await expect.poll(friendRow(bob, 'alice'), FIVE_S).toContain('alice');
    await expect.poll(() => bob.locator('beacon-friend-list').locator('[part~=label]').first().textContent(), FIVE_S).toMatch(/^Online/);

    // Bob says he is busy in Beacon's status menu; Alice's list says so in words.
    await bob.locator('beacon-status-menu').getByRole('button', { name: /Your status/ }).click();
    await bob.getByRole('radio', { name: /^Busy/ }).click();
    await expect.poll(() => alice.locator('beacon-friend-list').locator('[part~=label]').first().textContent(), FIVE_S).toMatch(/^Busy/);

    // Bob plays Alice through the site's own match API; its Pong server reports to Beacon.
    const match = await bob.evaluate(async (opponent) => {
      const headers = { 'content-type': 'application/json', authorization: `Bearer ${sessionStorage.getItem('pong-token')}` };
      const res = await fetch('/api/matches', { method: 'POST', headers, body: JSON.stringify({ opponent_id: opponent }) });
      const { match_id } = (await res.json()) as { match_id: string };
      await fetch(`/api/matches/${match_id}/points`, { method: 'POST', headers: { authorization: headers.authorization } });
      return match_id;
    }, await alice.evaluate(() => Number(JSON.parse(atob(sessionStorage.getItem('pong-token')!.split('.')[1]!)).sub)));
    expect(match).toBeTruthy();
    await expect.poll(() => alice.locator('beacon-friend-list').locator('[part~=details]').first().textContent(), FIVE_S).toContain('score 1-0');
    await expect.poll(() => alice.locator('beacon-friend-list').locator('[part~=label]').first().textContent(), FIVE_S).toMatch(/match|game/i);

    // Bob wins the match (3 points): the site's Pong server reports its end, then Bob leaves.
    await bob.evaluate(async (id) => {
      const authorization = `Bearer ${sessionStorage.getItem('pong-token')}`;
      for (let i = 0; i < 2; i++) await fetch(`/api/matches/${id}/points`, { method: 'POST', headers: { authorization } });
    }, match);
    await expect.poll(() => alice.locator('beacon-friend-list').locator('[part~=label]').first().textContent(), FIVE_S).toMatch(/^Busy/);
    await bob.close();
    await expect.poll(() => alice.locator('beacon-friend-list').locator('[part~=label]').first().textContent(), { timeout: 20_000, interval: 200 }).toMatch(/^Offline/);
  });

  it('logs the device out of Beacon too when its "Log out" is pressed: Beacon refuses that token from then on', async () => {
    const carol = await signUp('carol');
    const token = await carol.evaluate(() => sessionStorage.getItem('pong-token'));
    const friendsStatus = (t: string | null) => fetch(`${SITE}/beacon/api/v1/users/me/friends/status`, { headers: { authorization: `Bearer ${t}` } }).then((r) => r.status);
    expect(await friendsStatus(token)).toBe(200);
    await carol.getByRole('button', { name: 'Log out' }).click();
    await carol.getByRole('button', { name: 'Log in' }).waitFor();
    // Forgotten in the browser alone, the token stayed good on Beacon (and a socket opened with it stayed open) until it expired.
    expect(await friendsStatus(token)).toBe(401);
  });
});
