/**
 * The held-answer helper itself (e2e/helpers/held-answer.ts): handled() settles once the page
 * has read the held answer, and says why, instead of hanging to the test's timeout, when it
 * cannot know (a cross-origin answer, a page navigated since).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './helpers/browser.js';
import { holdAnswer } from './helpers/held-answer.js';

let browser: Browser;
let page: Page;
/** Two origins (two ports): a page, and an API any origin may read (CORS). */
const servers: Server[] = [];
let here: string;
let elsewhere: string;

async function serve(): Promise<string> {
  const server = createServer((req, res) => {
    if (req.url === '/') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>held</title>');
    res.writeHead(200, { 'content-type': 'application/json', 'access-control-allow-origin': '*' }).end(JSON.stringify({ path: req.url }));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The page fetches `url` and reads its body, without waiting for it here. */
const fetchInPage = (url: string) => void page.evaluate((u) => fetch(u).then((r) => r.json()), url).catch(() => undefined);

beforeAll(async () => {
  [here, elsewhere] = [await serve(), await serve()];
  browser = await launchChromium();
  page = await browser.newPage();
});

afterAll(async () => {
  await browser?.close();
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
});

/** Each test's own bound: a handled() that hangs fails it soon, not at the suite's 90 s. */
const SOON = { timeout: 10_000 };

describe('holdAnswer().handled()', () => {
  it('settles once the page has read the held answer', SOON, async () => {
    await page.goto(`${here}/`);
    const held = await holdAnswer(page, `${here}/read`, { method: 'GET' });
    fetchInPage(`${here}/read`);
    await held.reached;
    held.release();
    await held.answered;
    await held.handled();
  });

  it('says at once that the page navigated since holdAnswer(), instead of failing on its missing reader', SOON, async () => {
    await page.goto(`${here}/`);
    const held = await holdAnswer(page, `${here}/gone`, { method: 'GET' });
    fetchInPage(`${here}/gone`);
    await held.reached;
    held.release();
    await held.answered;
    await page.goto(`${here}/?again`);
    await expect(held.handled()).rejects.toThrow(/navigated since holdAnswer\(\)/);
  });

  it('gives up after its timeout, saying why, when the answer is cross-origin (its header is not exposed to the page)', SOON, async () => {
    await page.goto(`${here}/`);
    const held = await holdAnswer(page, `${elsewhere}/far`, { method: 'GET' });
    fetchInPage(`${elsewhere}/far`);
    await held.reached;
    held.release();
    await held.answered;
    await expect(held.handled(300)).rejects.toThrow(/not read .* within 300 ms.*same-origin/s);
  });
});

describe('holdAnswer().answered', () => {
  it('rejects, saying why, when the page aborts the held request, instead of waiting forever', SOON, async () => {
    await page.goto(`${here}/`);
    const held = await holdAnswer(page, `${here}/aborted`, { method: 'GET' });
    await page.evaluate((u) => {
      const controller = new AbortController();
      (window as Window & { e2eAbort?: () => void }).e2eAbort = () => controller.abort();
      void fetch(u, { signal: controller.signal }).catch(() => undefined);
    }, `${here}/aborted`);
    await held.reached;
    await page.evaluate(() => (window as Window & { e2eAbort?: () => void }).e2eAbort?.());
    held.release();
    await expect(held.answered).rejects.toThrow(/could not hand over the answer to GET .*\/aborted/);
  });
});
