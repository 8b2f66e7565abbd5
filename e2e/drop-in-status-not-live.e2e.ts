/**
 * <beacon-status> on a host page whose connection to Beacon is not live, in real Chromium. The
 * host site reaches Beacon through a TCP proxy this file controls (test/helpers/tcp-proxy.ts),
 * so the page's socket and API calls can be cut while the friend stays online on their own
 * connection. While the page is not live the friend's element shows the last known status as
 * such ("Online · as of 14:02"), never the live green dot; once the page's client stopped for
 * good (signed out, the token refused, the connection ended) it says the status is unknown.
 * The page's <beacon-friend-list> says the same of its rows: grey dots, "last known" in words.
 * A stranger's status (read over REST, no live channel) is read again every period while the
 * page is open, and shown as last known once its answer is two periods old.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { launchChromium } from './helpers/browser.js';
import { freePort, startServer, type ServerHandle } from './helpers/server.js';
import { startHostSite, type HostSite } from './helpers/host-site.js';
import { api, befriendOverApi, openSocket, registerUser } from './helpers/api-users.js';
import { PASSWORD } from './helpers/ui.js';
import { expectAccessible } from './helpers/axe.js';
import { lostEvent } from './helpers/lost-event.js';
import { startTcpProxy, type TcpProxy } from '../test/helpers/tcp-proxy.js';

const FIVE_S = { timeout: 5_000, interval: 50 };
/** The page's socket to Beacon (through the host's /beacon), where a `seq` gap is made. */
const SOCKET = /\/beacon\/ws\//;
/** Three refused socket attempts and a refused poll: `offline` (still trying). */
const TO_OFFLINE = { timeout: 15_000, interval: 100 };

/** The host's page: the watched player's status, and the elements' module on `window.beacon`. */
const PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Pong Club</title></head>
<body>
<header><h1>Pong Club</h1></header>
<main><p>Watched player: <beacon-status id="watched" show-message></beacon-status></p><beacon-friend-list id="list"></beacon-friend-list></main>
<script type="module">
  import * as beacon from '/beacon/sdk/beacon-elements.js';
  window.beacon = beacon;
  document.getElementById('watched').setAttribute('user-id', new URLSearchParams(location.search).get('watch') ?? '');
</script>
</body>
</html>`;

let beacon: ServerHandle;
let proxy: TcpProxy;
let host: HostSite;
let browser: Browser;
const contexts: BrowserContext[] = [];
let amy: { token: string; id: number };
let ben: { token: string; id: number };
let benSocket: WebSocket;

beforeAll(async () => {
  const hostPort = await freePort();
  proxy = await startTcpProxy('127.0.0.1', () => beacon.port);
  beacon = await startServer({ BEACON_ALLOWED_ORIGINS: `http://127.0.0.1:${hostPort}` });
  // The host site's /beacon goes through the proxy: cutting it cuts the page off Beacon, nothing else.
  host = await startHostSite(hostPort, proxy.port, PAGE);
  browser = await launchChromium();
  amy = await registerUser(beacon.baseUrl, 'amy_truth', 'Amy Truth');
  ben = await registerUser(beacon.baseUrl, 'ben_truth', 'Ben Truth');
  await befriendOverApi(beacon.baseUrl, amy, ben);
  // Ben is online on a connection of his own, straight to Beacon: the cut does not touch it.
  benSocket = await openSocket(beacon.baseUrl, ben.token);
});

afterEach(async () => {
  proxy.restore();
  await api(beacon.baseUrl, ben.token, 'PUT', '/users/me/status', { status: 'online' });
});

afterAll(async () => {
  benSocket?.close();
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  await host?.close();
  await proxy?.close();
  await beacon?.stop();
});

/** What a <beacon-status> shows: its host attributes, its words, its dot's parts and colour. */
interface Shown {
  state: string | null;
  status: string | null;
  connection: string | null;
  stale: boolean;
  words: string;
  dot: string | null;
  colour: string | null;
}

const shownBy = (el: Element): Shown => {
  const wrap = el.shadowRoot?.querySelector('[part=status]');
  const dot = wrap?.querySelector('svg') ?? null;
  return {
    state: el.getAttribute('data-state'),
    status: el.getAttribute('data-status'),
    connection: el.getAttribute('data-connection'),
    stale: el.hasAttribute('data-stale'),
    words: [...(wrap?.querySelectorAll('span') ?? [])].map((s) => s.textContent).join(' '),
    dot: dot?.getAttribute('part') ?? null,
    colour: dot ? getComputedStyle(dot).color : null,
  };
};

/** Amy's page watching Ben (or `watch`), connected with a fresh login of hers (its token returned); every change shown is recorded. */
async function openAmysPage(watch = ben.id, live: Partial<Shown> = { status: 'online', words: 'Online', dot: 'dot dot-online' }, opts: { clock?: boolean; routes?: (context: BrowserContext) => Promise<void> } = {}): Promise<{ page: Page; watched: Locator; token: string }> {
  const { token } = await api<{ token: string }>(beacon.baseUrl, null, 'POST', '/auth/login', { username: 'amy_truth', password: PASSWORD });
  const context = await browser.newContext();
  contexts.push(context);
  await opts.routes?.(context);
  await context.addInitScript(`(${String((read: (el: Element) => Shown) => {
    const w = window as unknown as { shown: Shown[] };
    w.shown = [];
    let last = '';
    const record = (): void => {
      const el = document.getElementById('watched');
      if (!el) return;
      const now = read(el);
      const key = JSON.stringify(now);
      if (key !== last) w.shown.push(now);
      last = key;
    };
    customElements.whenDefined('beacon-status').then(() => {
      const el = document.getElementById('watched');
      if (!el?.shadowRoot) return;
      const options = { subtree: true, childList: true, characterData: true, attributes: true };
      new MutationObserver(record).observe(el, options);
      new MutationObserver(record).observe(el.shadowRoot, options);
    });
  })})(${String(shownBy)})`);
  const page = await context.newPage();
  // A page clock the test can move on (a machine asleep overnight); it runs as usual until then.
  if (opts.clock) await page.clock.install();
  await page.goto(`${host.baseUrl}/?watch=${watch}`);
  await page.waitForFunction(() => 'beacon' in window);
  await page.evaluate((t) => (window as unknown as { beacon: { connect(o: object): unknown } }).beacon.connect({ baseUrl: '/beacon', token: t }), token);
  const watched = page.locator('#watched');
  await expect.poll(() => watched.evaluate(shownBy), FIVE_S).toMatchObject({ state: 'ready', connection: 'connected', stale: false, ...live });
  return { page, watched, token };
}

const recorded = (page: Page) => page.evaluate(() => (window as unknown as { shown: Shown[] }).shown);
const GREEN = 'rgb(22, 163, 74)';

/** The time of the page client's last answer from Beacon, as the element must say it. */
const lastAnswer = (page: Page) =>
  page.evaluate(() => {
    const at = (window as unknown as { beacon: { defaultConnection(): { client: { lastSyncAt: number | null } } | null } }).beacon.defaultConnection()?.client.lastSyncAt;
    return at == null ? null : new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  });


/** The page's reads of a stranger's status: the drop-ins read them several at once (GET /users/status?ids=…). */
function readsOfUser(id: number): (url: URL) => boolean {
  return (url) => url.pathname.endsWith('/beacon/api/v1/users/status') && (url.searchParams.get('ids') ?? '').split(',').includes(String(id));
}

/** A user who is no friend of Amy's, online and showing her status to anyone (a socket open). */
async function onlineStranger(username: string, displayName: string): Promise<{ user: Awaited<ReturnType<typeof registerUser>>; socket: WebSocket }> {
  const user = await registerUser(beacon.baseUrl, username, displayName);
  await api(beacon.baseUrl, user.token, 'PUT', '/users/me/status/settings', { status_visibility: 'public' });
  return { user, socket: await openSocket(beacon.baseUrl, user.token) };
}

/** How many reads of `id`'s status the page made so far (its resource timing entries). */
function readCount(page: Page, id: number): Promise<number> {
  return page.evaluate(
    (id) =>
      performance.getEntriesByType('resource').filter((e) => {
        const url = new URL(e.name);
        return url.pathname.endsWith('/users/status') && (url.searchParams.get('ids') ?? '').split(',').includes(String(id));
      }).length,
    id,
  );
}
describe('a friend\'s <beacon-status> while the page\'s connection is cut', () => {
  it('shows the last known status as such, with the time of the last answer, never as live; live again when the connection is back', async () => {
    const { page, watched } = await openAmysPage();
    const asOf = await lastAnswer(page);
    expect(asOf).not.toBeNull();
    const before = (await recorded(page)).length;

    proxy.cut();
    // Ben goes busy meanwhile: this page cannot know it.
    await api(beacon.baseUrl, ben.token, 'PUT', '/users/me/status', { status: 'busy' });
    const lastKnown = { state: 'ready', status: 'online', stale: true, words: `Online · as of ${asOf}`, dot: 'dot dot-stale' };
    // Reconnecting, or already offline on a slow machine: either way not live.
    await expect.poll(() => watched.evaluate(shownBy), FIVE_S).toMatchObject({ ...lastKnown, connection: expect.stringMatching(/^(reconnecting|offline)$/) });
    expect((await watched.evaluate(shownBy)).colour).not.toBe(GREEN);
    // Its properties say the same as its attributes: the last known status, not live.
    expect(await watched.evaluate((e) => [(e as unknown as { status: string }).status, (e as unknown as { stale: boolean }).stale])).toEqual(['online', true]);
    // Still so once Beacon is found unreachable (the client keeps trying).
    await expect.poll(() => watched.evaluate(shownBy), TO_OFFLINE).toMatchObject({ ...lastKnown, connection: 'offline' });
    expect(await watched.evaluate((e) => e.shadowRoot?.querySelector('[part=status]')?.getAttribute('title'))).toBe(`Ben Truth: Online, last known (as of \u2068${asOf}\u2069); not live (Offline)`);
    await expectAccessible(page, '<beacon-status> showing the last known status while offline');

    proxy.restore();
    await expect.poll(() => watched.evaluate(shownBy), { timeout: 15_000, interval: 100 }).toMatchObject({ state: 'ready', status: 'busy', connection: 'connected', stale: false, words: 'Busy', dot: 'dot dot-busy' });

    // Whenever the page was not live, the element said so in words and with no live dot; whenever live, it said nothing of the kind.
    const shown = (await recorded(page)).slice(before);
    const down = shown.filter((s) => s.connection !== 'connected');
    expect(down.length).toBeGreaterThan(0);
    for (const s of down) {
      // An answer to a poll on the way back may bring Busy before the socket is live: last known too, as of that answer.
      expect(s).toMatchObject({ state: 'ready', stale: true, dot: 'dot dot-stale' });
      if (s.status === 'online') expect(s.words).toBe(lastKnown.words);
      else expect(s).toMatchObject({ status: 'busy', words: expect.stringMatching(/^Busy · as of \S/) });
    }
    for (const s of down) expect(s.colour).not.toBe(GREEN);
    for (const s of shown.filter((x) => x.connection === 'connected')) expect(s).toMatchObject({ stale: false, words: expect.not.stringContaining('as of') });
  });
});

describe('the "as of" of a last known status from an earlier day', () => {
  it('says the date of the last answer too, not its time alone, when the page wakes up the next day still cut off', async () => {
    const { page, watched } = await openAmysPage(ben.id, undefined, { clock: true });
    const last = await page.evaluate(() => (window as unknown as { beacon: { defaultConnection(): { client: { lastSyncAt: number } } } }).beacon.defaultConnection().client.lastSyncAt);
    proxy.cut();
    await expect.poll(() => watched.evaluate(shownBy), TO_OFFLINE).toMatchObject({ connection: 'offline', stale: true });
    const today = (await watched.evaluate(shownBy)).words;
    // The machine sleeps until the next day, and its page is shown again: still cut off.
    await page.clock.fastForward('25:00:00');
    await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
    const [time, day] = await page.evaluate(
      (at) => [new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }), new Date(at).toLocaleDateString([], { day: 'numeric', month: 'short' })],
      last,
    );
    expect(today).toBe(`Online · as of ${time}`);
    await expect.poll(() => watched.evaluate(shownBy), TO_OFFLINE).toMatchObject({ stale: true, dot: 'dot dot-stale', words: expect.stringMatching(/^Online · as of /) });
    await expect.poll(async () => (await watched.evaluate(shownBy)).words, TO_OFFLINE).toContain(day);
    expect((await watched.evaluate(shownBy)).words).toContain(time);
  });
});

describe('the "as of" of a page left open overnight while cut off', () => {
  it('says the date once the day changed, with nothing else happening: the status and the friend list\'s note and rows', async () => {
    const { page, watched } = await openAmysPage(ben.id, undefined, { clock: true });
    const list = page.locator('#list');
    const last = await page.evaluate(() => (window as unknown as { beacon: { defaultConnection(): { client: { lastSyncAt: number } } } }).beacon.defaultConnection().client.lastSyncAt);
    proxy.cut();
    await expect.poll(() => watched.evaluate(shownBy), TO_OFFLINE).toMatchObject({ connection: 'offline', stale: true });
    await expect.poll(() => list.getAttribute('data-connection'), TO_OFFLINE).toBe('offline');
    const day = await page.evaluate((at) => new Date(at).toLocaleDateString([], { day: 'numeric', month: 'short' }), last);
    // The page stays shown (no wake): the clock passes midnight.
    await page.clock.fastForward('25:00:00');
    await expect.poll(async () => (await watched.evaluate(shownBy)).words, FIVE_S).toContain(day);
    await expect.poll(() => list.evaluate((el) => el.shadowRoot?.querySelector('[part=connection]')?.textContent ?? ''), FIVE_S).toContain(day);
    expect((await list.evaluate(rowShown, ben.id)).words).toContain(day);
  });
});

describe('a stranger\'s <beacon-status> (read over REST) while the page\'s connection is cut', () => {
  it('shows the status read as the last known one, with the time it was read, until it is read again after the reconnect', async () => {
    const cleo = await registerUser(beacon.baseUrl, 'cleo_truth', 'Cleo Stranger');
    const { page, watched } = await openAmysPage(cleo.id, { status: 'offline', words: 'Offline', dot: 'dot dot-offline' });
    // Read once, at about this minute (a read is not a sync of the client: its own time).
    const readAround = await page.evaluate(() => [Date.now() - 60_000, Date.now()].map((t) => new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })));
    const before = (await recorded(page)).length;
    proxy.cut();
    await expect.poll(() => watched.evaluate(shownBy), FIVE_S).toMatchObject({ state: 'ready', status: 'offline', stale: true, dot: 'dot dot-stale' });
    const words = (await watched.evaluate(shownBy)).words;
    expect(readAround.map((t) => `Offline · as of ${t}`)).toContain(words);
    proxy.restore();
    await expect.poll(() => watched.evaluate(shownBy), { timeout: 15_000, interval: 100 }).toMatchObject({ connection: 'connected', stale: false, words: 'Offline', dot: 'dot dot-offline' });
    for (const s of (await recorded(page)).slice(before)) if (s.connection !== 'connected') expect(s).toMatchObject({ stale: true, dot: 'dot dot-stale' });
  });
});

describe('a friend\'s <beacon-status> once the page\'s client stopped for good', () => {
  it('says the status is unknown, and why, when the login is signed out: at once while live, and at the reconnect after a cut', async () => {
    // Live: the login ends (logged out, 4000); it will never be updated again.
    const first = await openAmysPage();
    await api(beacon.baseUrl, first.token, 'POST', '/auth/logout');
    const signedOut = { state: 'error', status: 'unknown', connection: 'offline', stale: false, words: 'Status unavailable (signed out of Beacon)', dot: null };
    await expect.poll(() => first.watched.evaluate(shownBy), FIVE_S).toEqual({ ...signedOut, colour: null });
    expect(await first.watched.evaluate((e) => (e as unknown as { status: unknown }).status)).toBeNull();

    // Cut off first (the last known status shown as such), then signed out elsewhere meanwhile: the
    // reconnect is refused (4401 / 401) and the client stops; the last known status goes too.
    const second = await openAmysPage();
    const before = (await recorded(second.page)).length;
    proxy.cut();
    await expect.poll(() => second.watched.evaluate(shownBy), FIVE_S).toMatchObject({ stale: true, dot: 'dot dot-stale' });
    await api(beacon.baseUrl, second.token, 'POST', '/auth/logout');
    proxy.restore();
    await expect.poll(() => second.watched.evaluate(shownBy), { timeout: 15_000, interval: 100 }).toEqual({ ...signedOut, colour: null });
    // Never "Online" as live on the way.
    for (const s of (await recorded(second.page)).slice(before)) if (s.connection !== 'connected') expect(s.dot).not.toBe('dot dot-online');
  });

  it('says the status is unavailable when the page ends the element\'s own connection while it was cut off', async () => {
    const { page, watched, token } = await openAmysPage();
    // The element follows a connection of its own, as a page showing another login's data does.
    await page.evaluate((t) => {
      const w = window as unknown as { beacon: { connect(o: object): unknown } };
      (document.getElementById('watched') as unknown as { connection: unknown }).connection = w.beacon.connect({ baseUrl: '/beacon', token: t });
    }, token);
    await expect.poll(() => watched.evaluate(shownBy), FIVE_S).toMatchObject({ status: 'online', connection: 'connected', stale: false });
    proxy.cut();
    // Offline and still trying: the last known status, as such.
    await expect.poll(() => watched.evaluate(shownBy), TO_OFFLINE).toMatchObject({ connection: 'offline', stale: true, words: expect.stringMatching(/^Online · as of \d/) });
    // The page ends it (a stop while already offline: no change of state, but no more updates ever).
    await page.evaluate(() => (document.getElementById('watched') as unknown as { connection: { disconnect(): void } }).connection.disconnect());
    await expect.poll(() => watched.evaluate(shownBy), FIVE_S).toEqual({
      state: 'disconnected',
      status: 'unknown',
      connection: 'offline',
      stale: false,
      words: 'Status unavailable (not connected)',
      dot: null,
      colour: null,
    });
  });
});

/** What a <beacon-friend-list> row shows: its dot's parts and colour, its words, whether it and the host are marked stale. */
const rowShown = (list: Element, userId: number) => {
  const row = list.shadowRoot?.querySelector(`li[data-user-id="${userId}"]`);
  const dot = row?.querySelector('svg') ?? null;
  return {
    listStale: list.hasAttribute('data-stale'),
    rowStale: row?.hasAttribute('data-stale') ?? null,
    part: row?.getAttribute('part') ?? null,
    status: row?.getAttribute('data-status') ?? null,
    dot: dot?.getAttribute('part') ?? null,
    colour: dot ? getComputedStyle(dot).color : null,
    words: row?.querySelector('button')?.textContent ?? null,
  };
};

describe('<beacon-friend-list> while the page\'s connection is cut', () => {
  it('shows the rows as last known (grey dots, "last known, as of" for screen readers), never with live colours; live again once back', async () => {
    const { page } = await openAmysPage();
    const list = page.locator('#list');
    await expect.poll(() => list.evaluate(rowShown, ben.id), FIVE_S).toMatchObject({ listStale: false, rowStale: false, dot: 'dot dot-online', colour: GREEN, words: 'Ben TruthOnline · Browsing' });
    const asOf = await lastAnswer(page);
    proxy.cut();
    await api(beacon.baseUrl, ben.token, 'PUT', '/users/me/status', { status: 'busy' });
    const lastKnown = { listStale: true, rowStale: true, part: 'row row-online', status: 'online', dot: 'dot dot-stale', words: `Ben TruthOnline · Browsing (last known, as of ${asOf})` };
    await expect.poll(() => list.evaluate(rowShown, ben.id), FIVE_S).toMatchObject(lastKnown);
    expect((await list.evaluate(rowShown, ben.id)).colour).not.toBe(GREEN);
    await expect.poll(() => list.getAttribute('data-connection'), TO_OFFLINE).toBe('offline');
    expect(await list.evaluate(rowShown, ben.id)).toMatchObject(lastKnown);
    await expectAccessible(page, '<beacon-friend-list> showing last known statuses while offline');
    proxy.restore();
    await expect.poll(() => list.evaluate(rowShown, ben.id), { timeout: 15_000, interval: 100 }).toMatchObject({ listStale: false, rowStale: false, part: 'row row-busy', dot: 'dot dot-busy', words: 'Ben TruthBusy · Browsing' });
    expect(await list.getAttribute('data-connection')).toBe('connected');
  });
});

describe('a stranger\'s <beacon-status> across a stop and a start of its client', () => {
  it('never shows a read made before the stop once started again, even when its answer comes last', async () => {
    const { user: dee, socket: deeSocket } = await onlineStranger('dee_truth', 'Dee Stranger');
    try {
      const { token } = await api<{ token: string }>(beacon.baseUrl, null, 'POST', '/auth/login', { username: 'amy_truth', password: PASSWORD });
      const context = await browser.newContext();
      contexts.push(context);
      const page = await context.newPage();
      // The first read of Dee's status reaches Beacon at once (she is online) but its answer is held on its way back.
      let release: (() => Promise<void>) | null = null;
      let answered = (): void => undefined;
      const held = new Promise<void>((r) => (answered = r));
      await page.route(readsOfUser(dee.id), async (route) => {
        if (release) return route.continue();
        const response = await route.fetch();
        release = () => route.fulfill({ response });
        answered();
      });
      await page.goto(`${host.baseUrl}/?watch=${dee.id}`);
      await page.waitForFunction(() => 'beacon' in window);
      await page.evaluate((t) => (window as unknown as { beacon: { connect(o: object): unknown } }).beacon.connect({ baseUrl: '/beacon', token: t }), token);
      await held;
      const watched = page.locator('#watched');
      const client = 'window.beacon.defaultConnection().client';
      // Signed out of the host's Beacon view for a moment (stop), and back (start); Dee went busy meanwhile.
      await page.evaluate(`${client}.stop()`);
      await expect.poll(() => watched.evaluate(shownBy), FIVE_S).toMatchObject({ state: 'disconnected', words: 'Status unavailable (not connected)' });
      await api(beacon.baseUrl, dee.token, 'PUT', '/users/me/status', { status: 'busy' });
      await page.evaluate(`${client}.start()`);
      await expect.poll(() => watched.evaluate(shownBy), FIVE_S).toMatchObject({ state: 'ready', connection: 'connected', status: 'busy', stale: false, words: 'Busy' });
      // The answer to the read made before the stop (Online) arrives only now: it is not shown.
      const delivered = page.waitForEvent('requestfinished', (r) => readsOfUser(dee.id)(new URL(r.url())));
      await (release as unknown as () => Promise<void>)();
      await delivered;
      await page.evaluate(() => new Promise((r) => setTimeout(r, 100))); // its answer handled
      expect(await watched.evaluate(shownBy)).toMatchObject({ state: 'ready', status: 'busy', stale: false, words: 'Busy' });
    } finally {
      deeSocket.close();
    }
  });
});

describe('a friend\'s <beacon-status> while the refetch after a lost event is in flight', () => {
  it('shows the last known status as such, as of the last complete view, from the gap until the refetch applied; live again then', async () => {
    const { routes, lose, release } = lostEvent(SOCKET);
    const { page, watched } = await openAmysPage(ben.id, undefined, { routes });
    const list = page.locator('#list');
    const asOf = await lastAnswer(page);
    const before = (await recorded(page)).length;

    lose();
    await api(beacon.baseUrl, ben.token, 'PUT', '/users/me/status', { status: 'busy' });
    // The frame that showed the gap is applied, but not as live: the views were last complete before it.
    const lastKnown = { state: 'ready', status: 'busy', connection: 'reconnecting', stale: true, words: `Busy · as of ${asOf}`, dot: 'dot dot-stale' };
    await expect.poll(() => watched.evaluate(shownBy), FIVE_S).toMatchObject(lastKnown);
    expect(await list.getAttribute('data-connection')).toBe('reconnecting');
    expect(await lastAnswer(page)).toBe(asOf);

    release();
    await expect.poll(() => watched.evaluate(shownBy), FIVE_S).toMatchObject({ state: 'ready', status: 'busy', connection: 'connected', stale: false, words: 'Busy', dot: 'dot dot-busy' });
    // Busy was never shown as live before the refetch applied.
    const shown = (await recorded(page)).slice(before);
    const firstLive = shown.findIndex((x) => x.status === 'busy' && x.connection === 'connected');
    expect(firstLive).toBe(shown.length - 1);
    for (const x of shown.slice(0, firstLive)) expect(x).toMatchObject({ stale: true, dot: 'dot dot-stale' });
  });
});

describe('a stranger\'s <beacon-status> (read over REST) around the refetch after a lost event', () => {
  it('is read again once the refetch applied: live again, not left as last known until the next reconnect', async () => {
    const dina = await registerUser(beacon.baseUrl, 'dina_truth', 'Dina Stranger');
    const { routes, lose, release } = lostEvent(SOCKET);
    const { page, watched } = await openAmysPage(dina.id, { status: 'offline', words: 'Offline', dot: 'dot dot-offline' }, { routes });
    const reads = (): Promise<number> => readCount(page, dina.id);
    const readBefore = await reads();
    lose();
    // A friend's change on Amy's socket shows the gap: the page is not live until the refetch applied.
    await api(beacon.baseUrl, ben.token, 'PUT', '/users/me/status', { status: 'busy' });
    await expect.poll(() => watched.evaluate(shownBy), FIVE_S).toMatchObject({ status: 'offline', connection: 'reconnecting', stale: true, dot: 'dot dot-stale' });
    release();
    await expect.poll(() => watched.evaluate(shownBy), FIVE_S).toMatchObject({ state: 'ready', status: 'offline', connection: 'connected', stale: false, words: 'Offline', dot: 'dot dot-offline' });
    expect(await reads()).toBe(readBefore + 1);
  });
});

describe('<beacon-friend-list> and <beacon-status> while the refetch after a lost event is in flight', () => {
  it('say "Catching up…", not "Reconnecting…" (the socket is open), until the refetch applied; live again then', async () => {
    const { routes, lose, release } = lostEvent(SOCKET);
    const { page, watched } = await openAmysPage(ben.id, undefined, { routes });
    const list = page.locator('#list');
    const note = (): Promise<string | null> =>
      list.evaluate((el) => {
        const n = el.shadowRoot?.querySelector<HTMLElement>('[part=connection]');
        return n && !n.hidden ? n.textContent : null;
      });
    const title = (): Promise<string | null> => watched.evaluate((el) => el.shadowRoot?.querySelector('[part=status]')?.getAttribute('title') ?? null);
    const asOf = await lastAnswer(page);

    lose();
    await api(beacon.baseUrl, ben.token, 'PUT', '/users/me/status', { status: 'busy' });
    await expect.poll(note, FIVE_S).toBe(`Catching up… — statuses as of ${asOf}, they may have changed.`);
    // The time isolated for bidi in the tooltip (FSI … PDI), as the <bdi> isolates it in the text.
    expect(await title()).toBe(`Ben Truth: Busy, last known (as of \u2068${asOf}\u2069); not live (Catching up…)`);
    expect(await list.getAttribute('data-connection')).toBe('reconnecting');

    release();
    await expect.poll(note, FIVE_S).toBeNull();
    expect(await title()).toBe('Ben Truth: Busy');
  });
});

describe('a stranger\'s <beacon-status> on a page left open', () => {
  it('is read again every period (refresh-seconds): shows them offline once they left; reads failing, their status turns last known after two periods, fresh again once read', async () => {
    const { user: eve, socket: eveSocket } = await onlineStranger('eve_truth', 'Eve Stranger');
    try {
      const { page, watched } = await openAmysPage(eve.id);
      // A short period for this test (the product's is 60 s): bound again, read at once.
      await watched.evaluate((el) => el.setAttribute('refresh-seconds', '2'));
      const reads = (): Promise<number> => readCount(page, eve.id);
      const readBefore = await reads();

      // Eve leaves (a logout: offline at once, no grace). Amy's page is told nothing: she is no friend.
      await api(beacon.baseUrl, eve.token, 'POST', '/auth/logout');
      const offline = { state: 'ready', status: 'offline', connection: 'connected', stale: false, words: 'Offline', dot: 'dot dot-offline' };
      await expect.poll(() => watched.evaluate(shownBy), { timeout: 8_000, interval: 100 }).toMatchObject(offline);
      expect(await reads()).toBeGreaterThan(readBefore);

      // Her status can no longer be read (Beacon's API refuses it; the page's socket stays live):
      // two periods after the last answer it is said to be the last known one, with its time.
      const answeredAt = await page.evaluate(() => Date.now());
      const eveReads = readsOfUser(eve.id);
      await page.route(eveReads, (route) => route.fulfill({ status: 503, contentType: 'application/json', body: '{"code":"SERVICE_UNAVAILABLE","message":"try later"}' }));
      const asOf = await page.evaluate((at) => [at - 60_000, at, at + 60_000].map((t) => `Offline · as of ${new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}`), answeredAt);
      await expect.poll(() => watched.evaluate(shownBy), { timeout: 10_000, interval: 100 }).toMatchObject({ state: 'ready', status: 'offline', connection: 'connected', stale: true, dot: 'dot dot-stale' });
      expect(asOf).toContain((await watched.evaluate(shownBy)).words);
      // Not at the first failed read: only once the last answer was two periods (4 s) old, and it
      // came at most a period (2.2 s with the jitter) before the refusals began.
      expect((await page.evaluate(() => Date.now())) - answeredAt).toBeGreaterThanOrEqual(1_500);

      await page.unroute(eveReads);
      await expect.poll(() => watched.evaluate(shownBy), { timeout: 8_000, interval: 100 }).toMatchObject(offline);
      expect(await watched.evaluate((el) => (el as unknown as { refreshSeconds: number }).refreshSeconds)).toBe(2);
    } finally {
      eveSocket.close();
    }
  });
});
