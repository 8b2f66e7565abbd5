/**
 * PENDING (rename to pong-site.e2e.ts once @beacon-presence/elements is merged and the
 * tarballs are installed in examples/pong-site): two people use the example Pong site in
 * Chromium — its own register form, its own friends form — and Beacon's elements on its page
 * show each other's presence, with Beacon embedded in the site.
 */
import { spawn, type ChildProcess } from 'node:child_process';
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
  site = spawn('npx', ['tsx', 'src/main.ts', 'embedded'], {
    cwd: `${REPO_ROOT}/examples/pong-site`,
    env: { ...process.env, PORT: String(PORT), SITE_DB: ':memory:', BEACON_DATABASE_URL: 'sqlite::memory:' },
    stdio: 'inherit',
  });
  for (let i = 0; i < 100; i++) {
    if (await fetch(SITE).then((r) => r.ok, () => false)) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  site?.kill('SIGTERM');
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
    await expect.poll(() => bob.locator('beacon-friend-list').innerText(), FIVE_S).toMatch(/online/i);
    await bob.close();
    await expect.poll(() => alice.locator('beacon-friend-list').innerText(), { timeout: 20_000, interval: 200 }).toMatch(/offline/i);
  });
});
