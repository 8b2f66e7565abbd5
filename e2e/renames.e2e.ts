/**
 * A host site renames a player, and their friend's screen says so at once: Beacon runs as a
 * sidecar on the host's JWTs, the host's page shows <beacon-friend-list>, and the host tells
 * Beacon of the new name through the service API (PUT /service/users). No reload, no reconnect.
 */
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './helpers/browser.js';
import { freePort, startServer, type ServerHandle } from './helpers/server.js';
import { startHostSite, type HostSite } from './helpers/host-site.js';

const FIVE_S = { timeout: 5_000, interval: 100 };
const SECRET = 'e2e-host-site-secret-0123456789abcdef';
const SERVICE = 'e2e-rename-service-token-0123456789';

/** The host's page: its own login has already happened; it hands Beacon's elements its token (never in the URL). */
const PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Pong Club</title></head>
<body>
<main>
  <h1>Friends</h1>
  <beacon-friend-list></beacon-friend-list>
</main>
<script type="module">
  import { connect } from '/beacon/sdk/beacon-elements.js';
  connect({ baseUrl: '/beacon', token: window.hostToken });
</script>
</body>
</html>`;

let beacon: ServerHandle;
let host: HostSite;
let browser: Browser;
const contexts: BrowserContext[] = [];

const sign = (sub: string, name: string) =>
  new SignJWT({ name }).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuedAt().setExpirationTime('1h').sign(new TextEncoder().encode(SECRET));

async function service(method: 'PUT', path: string, body: object): Promise<unknown> {
  const res = await fetch(`${beacon.baseUrl}/api/v1/service${path}`, { method, headers: { 'x-service-token': SERVICE, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** A browser context on the host page, signed in as the host's user `sub`. */
async function open(sub: string, name: string): Promise<Page> {
  const context = await browser.newContext();
  contexts.push(context);
  await context.addInitScript((token) => ((window as unknown as { hostToken: string }).hostToken = token), await sign(sub, name));
  const page = await context.newPage();
  await page.goto(host.baseUrl);
  await page.locator('beacon-friend-list').getByRole('list', { name: 'Friends' }).or(page.locator('beacon-friend-list [data-state=empty]')).waitFor();
  return page;
}

const names = (page: Page) => page.locator('beacon-friend-list [part=name]').allTextContents();

beforeAll(async () => {
  const hostPort = await freePort();
  beacon = await startServer({ BEACON_AUTH_JWT_SECRET: SECRET, BEACON_SERVICE_TOKEN: SERVICE, BEACON_ALLOWED_ORIGINS: `http://127.0.0.1:${hostPort}` });
  host = await startHostSite(hostPort, beacon.port, PAGE);
  browser = await launchChromium();
  await service('PUT', '/friendships', { pairs: [{ a: 'alice', b: 'bob' }] });
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  await host?.close();
  await beacon?.stop();
});

describe('a rename on the host site', () => {
  it('shows in the friend’s list at once, and the friend stays online', async () => {
    const bob = await open('bob', 'Bob');
    const alice = await open('alice', 'Alice');
    await expect.poll(() => names(alice), FIVE_S).toEqual(['Bob']);

    await service('PUT', '/users', { users: [{ id: 'bob', name: 'Robert' }] });
    await expect.poll(() => names(alice), FIVE_S).toEqual(['Robert']);
    const row = alice.locator('beacon-friend-list li[data-user-id]').first();
    expect(await row.getAttribute('data-status')).toBe('online');
    // Bob's own page kept its socket: the rename did not reconnect anyone.
    expect(await bob.locator('beacon-friend-list').getAttribute('data-connection')).toBe('connected');
    expect(await alice.locator('beacon-friend-list').getAttribute('data-connection')).toBe('connected');
  });
});
