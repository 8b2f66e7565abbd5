/**
 * A laptop that slept: its socket still looks open to the browser, but the path under it died
 * silently (the server dropped it, the Wi-Fi or NAT changed), and friends changed meanwhile.
 * On waking the page must not go on saying "Live" over the statuses of before the sleep: it
 * checks the socket at once and reconnects, instead of a whole heartbeat interval (25 s) later.
 * The page reaches Beacon through a TCP proxy this file controls (test/helpers/tcp-proxy.ts), which
 * can kill the path of every open connection without a close (no FIN, no RST), as a lost network does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './helpers/browser.js';
import { startServer, type ServerHandle } from './helpers/server.js';
import { api, befriendOverApi, openSocket, registerUser } from './helpers/api-users.js';
import { connectionState, friendCard } from './helpers/ui.js';
import { startTcpProxy, type TcpProxy } from '../test/helpers/tcp-proxy.js';

let server: ServerHandle;
let proxy: TcpProxy;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;
let amy: { token: string; id: number };
let amySocket: WebSocket;

beforeAll(async () => {
  // The proxy's address is the page's origin, allowed before the server behind it starts.
  proxy = await startTcpProxy('127.0.0.1', () => server.port);
  server = await startServer({ BEACON_ALLOWED_ORIGINS: `http://127.0.0.1:${proxy.port}` });
  browser = await launchChromium();
  amy = await registerUser(server.baseUrl, 'amy', 'Amy Stone');
  const ben = await registerUser(server.baseUrl, 'ben', 'Ben Ward');
  await befriendOverApi(server.baseUrl, amy, ben);
  amySocket = await openSocket(server.baseUrl, amy.token);
  ctx = await browser.newContext();
  await ctx.addInitScript((t) => localStorage.setItem('beacon.token', t), ben.token);
  page = await ctx.newPage();
});

afterAll(async () => {
  amySocket?.close();
  await ctx?.close();
  await browser?.close();
  await proxy?.close();
  await server?.stop();
});

describe('waking up after a sleep', () => {
  it('checks the socket at once and shows what changed meanwhile, not the statuses of before the sleep as live', async () => {
    await page.clock.install();
    await page.goto(`http://127.0.0.1:${proxy.port}/#/friends`);
    await expect.poll(() => connectionState(page), { timeout: 10_000 }).toBe('connected');
    await expect.poll(() => friendCard(page, 'amy').getAttribute('data-status'), { timeout: 5_000 }).toBe('online');

    // The lid closes: the connection dies without a word, and Amy changes meanwhile.
    proxy.killPaths();
    await api(server.baseUrl, amy.token, 'PUT', '/users/me/status', { status: 'busy', custom_message: 'In a meeting' });
    // Five minutes later the lid opens (no timer ran meanwhile; the browser still thinks the socket open).
    await page.clock.fastForward('05:00');
    // Within the check's 5 s and a reconnect, well before the 25 s heartbeat deadline (the bound
    // is the poll's: 12 s leaves room for a loaded machine and still fails without the check).
    await expect.poll(() => friendCard(page, 'amy').getAttribute('data-status'), { timeout: 12_000, interval: 100 }).toBe('busy');
    expect(await connectionState(page)).toBe('connected');
  });
});
