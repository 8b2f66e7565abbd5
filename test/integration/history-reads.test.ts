/**
 * History, pattern and export reads through HistoryReads (history-reads.ts), on SQLite and
 * PostgreSQL: the answer is the one the whole window read in one go gives, read a day a page; a
 * user's second read at the same moment waits for the first and is answered 200 (the web app
 * reads from two panels or tabs at once); only a deep queue of one user's reads gets 429; an
 * export whose download is paused does not hold the user's other reads.
 */
import { request, type IncomingMessage } from 'node:http';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Transition } from '../../src/server/history/history-repository.js';
import { MAX_WAITING_PER_USER } from '../../src/server/history/history-reads.js';
import { heatmap, summarize } from '../../src/server/history/patterns.js';
import { bearer } from '../helpers/app.js';
import { testDialects } from '../helpers/databases.js';
import { liveUsers, type LiveApp } from '../helpers/live-app.js';

type U = { token: string; id: number };
const DAY = 86_400_000;

function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

describe.each(testDialects())('history reads on %s', (dialect) => {
  let t: LiveApp;
  let alice: U;
  let bob: U;
  beforeEach(async () => {
    ({ t, alice, bob } = await liveUsers({}, ['alice', 'bob'], { friends: [['alice', 'bob']], dialect }));
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await t.close();
  });

  const get = (who: U, url: string) => t.app.inject({ url: `/api/v1${url}`, headers: bearer(who.token) });
  /** Until `check` holds (the reads waiting are in memory), a turn of the event loop at a time, for 10 s at most. */
  const until = async (check: () => boolean) => {
    for (const end = Date.now() + 10_000; !check() && Date.now() < end; ) await new Promise((resolve) => setImmediate(resolve));
    expect(check()).toBe(true);
  };

  it('answers 90 days of history and the 28-day pattern as the one-query reading does, asking the store a day at a time', async () => {
    const repo = t.app.services.history.repo;
    // 90 days and more of a change every 7 minutes (not a divisor of a day: changes fall across midnight), ties included.
    const start = t.clock.now() - 92 * DAY;
    const statuses = ['online', 'away', 'offline', 'busy', 'online', 'offline'] as const;
    const rows: Transition[] = Array.from({ length: Math.floor((92 * DAY) / 420_000) }, (_, i) => ({ userId: alice.id, at: start + i * 420_000, status: statuses[i % 6]! }));
    rows.push({ userId: alice.id, at: rows[500]!.at, status: 'busy' });
    await repo.append(rows);
    await t.app.inject({ method: 'PUT', url: '/api/v1/users/me/status/settings', headers: bearer(alice.token), payload: { pattern_visibility: 'friends' } });
    const pages = vi.spyOn(repo, 'pages');
    const range = vi.spyOn(repo, 'range');

    const res = await get(alice, '/users/me/status/history?days=90&time_zone=Europe/Paris');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    const from = Date.parse(body.from);
    const to = Date.parse(body.to);
    expect(to - from).toBe(90 * DAY);
    const map = heatmap(await repo.range(alice.id, from, to), from, to, 'Europe/Paris');
    expect(body.heatmap).toEqual(map);
    expect(body.summary).toBe(summarize(map));
    expect(pages).toHaveBeenCalledWith(alice.id, from, to);

    const pattern = await get(bob, `/users/${alice.id}/pattern`);
    expect(pattern.statusCode).toBe(200);
    const now = t.clock.now();
    expect(pattern.json()).toEqual({ user_id: alice.id, time_zone: 'UTC', summary: summarize(heatmap(await repo.range(alice.id, now - 28 * DAY, now), now - 28 * DAY, now, 'UTC')) });
    expect(pages).toHaveBeenLastCalledWith(alice.id, now - 28 * DAY, now);
    // Only this test's own reference readings read the window in one go.
    expect(range).toHaveBeenCalledTimes(2);
  });

  it('reads the store a page per turn of the event loop, never a page longer than a day', async () => {
    const repo = t.app.services.history.repo;
    const start = t.clock.now() - 10 * DAY;
    await repo.append(Array.from({ length: 10 * 144 }, (_, i) => ({ userId: alice.id, at: start + i * 600_000, status: i % 2 ? ('online' as const) : ('away' as const) })));
    let loop = 0;
    let ticking = true;
    const tick = () => {
      loop++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const seen: Array<{ loop: number; span: number }> = [];
    const original = repo.pages.bind(repo);
    vi.spyOn(repo, 'pages').mockImplementation(async function* (userId, from, to) {
      for await (const page of original(userId, from, to)) {
        seen.push({ loop, span: page.length > 0 ? page.at(-1)!.at - page[0]!.at : 0 });
        yield page;
      }
    });
    const res = await get(alice, '/users/me/status/history?days=10');
    ticking = false;
    expect(res.statusCode).toBe(200);
    expect(seen.length).toBe(11);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.loop).toBeGreaterThan(seen[i - 1]!.loop);
    for (const page of seen) expect(page.span).toBeLessThan(DAY);
  });

  it('lets a second read of the same user wait for the first and answers both 200: history, pattern and export alike', async () => {
    const repo = t.app.services.history.repo;
    const reads = t.app.services.history.reads;
    const held = gate();
    const original = repo.pages.bind(repo);
    const asked: number[] = [];
    vi.spyOn(repo, 'pages').mockImplementation(async function* (userId, from, to) {
      asked.push(userId);
      if (asked.length === 1) await held.wait;
      yield* original(userId, from, to);
    });
    const exportDays = vi.spyOn(repo, 'daysOfUser');
    await t.app.inject({ method: 'PUT', url: '/api/v1/users/me/status/settings', headers: bearer(alice.token), payload: { pattern_visibility: 'friends' } });

    const first = get(bob, '/users/me/status/history');
    await until(() => asked.length === 1);
    const second = get(bob, `/users/${alice.id}/pattern`);
    const third = get(bob, '/users/me/export');
    await until(() => reads.waitingOf(bob.id) === 2);
    // Waiting, not begun: the store was asked once, for the first read.
    expect(asked).toEqual([bob.id]);
    expect(exportDays).not.toHaveBeenCalled();
    // Alice's read is not held up by Bob's.
    expect((await get(alice, '/users/me/status/history')).statusCode).toBe(200);
    held.open();
    const answers = await Promise.all([first, second, third]);
    expect(answers.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    expect(answers[1]!.json()).toMatchObject({ user_id: alice.id });
    expect(answers[2]!.json()).toMatchObject({ account: { id: bob.id }, presence_history: expect.any(Array) });
    expect(reads.waitingOf(bob.id)).toBe(0);
  });

  it('ends an export whose client left while it waited: the user’s next read is not stuck behind it', async () => {
    const repo = t.app.services.history.repo;
    const reads = t.app.services.history.reads;
    const held = gate();
    const original = repo.pages.bind(repo);
    let gated = false;
    vi.spyOn(repo, 'pages').mockImplementation(async function* (userId, from, to) {
      if (!gated) {
        gated = true;
        await held.wait;
      }
      yield* original(userId, from, to);
    });
    const first = get(bob, '/users/me/status/history');
    await until(() => gated);
    // A real connection, closed by the client while its export waits.
    const leaving = request(`${t.url}/api/v1/users/me/export`, { headers: bearer(bob.token) });
    leaving.on('error', () => {});
    leaving.end();
    await until(() => reads.waitingOf(bob.id) === 1);
    leaving.destroy();
    const connections = () => new Promise<number>((resolve, reject) => t.app.server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
    for (const end = Date.now() + 10_000; (await connections()) > 0 && Date.now() < end; ) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await connections()).toBe(0);
    held.open();
    expect((await first).statusCode).toBe(200);
    expect((await get(bob, '/users/me/status/history')).statusCode).toBe(200);
    expect(reads.waitingOf(bob.id)).toBe(0);
  });

  it(`refuses only a read past ${MAX_WAITING_PER_USER} waiting for one user: 429 with Retry-After, the others answered`, async () => {
    const repo = t.app.services.history.repo;
    const reads = t.app.services.history.reads;
    const held = gate();
    const original = repo.pages.bind(repo);
    vi.spyOn(repo, 'pages').mockImplementation(async function* (userId, from, to) {
      await held.wait;
      yield* original(userId, from, to);
    });
    const queued = Array.from({ length: 1 + MAX_WAITING_PER_USER }, () => get(bob, '/users/me/status/history'));
    await until(() => reads.waitingOf(bob.id) === MAX_WAITING_PER_USER);
    const refused = await get(bob, '/users/me/status/history');
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('2');
    expect(refused.json()).toMatchObject({ code: 'RATE_LIMITED', message: expect.any(String) });
    held.open();
    expect((await Promise.all(queued)).map((r) => r.statusCode)).toEqual(Array(1 + MAX_WAITING_PER_USER).fill(200));
  });

  // The export held the user's turn until its download ended: a paused (or slow) download kept
  // the user's history and pattern reads waiting (the Schedule panel stuck, then 429).
  it('answers the user’s history read promptly while their export’s download is paused', async () => {
    const repo = t.app.services.history.repo;
    const reads = t.app.services.history.reads;
    // Far more text than the socket buffers and the stream's hold (~45 MB), made as it is read.
    const DAYS = 200;
    const start = t.clock.now() - DAYS * DAY;
    let made = 0;
    vi.spyOn(repo, 'daysOfUser').mockImplementation(async function* (userId) {
      for (let d = 0; d < DAYS; d++) {
        made++;
        yield Array.from({ length: 5000 }, (_, i) => ({ userId, at: start + d * DAY + i * 1000, status: 'online' as const }));
      }
    });
    const download = request(`${t.url}/api/v1/users/me/export`, { headers: bearer(bob.token) });
    download.on('error', () => {});
    try {
      const response = new Promise<IncomingMessage>((resolve) => download.on('response', resolve));
      download.end();
      const res = await response;
      expect(res.statusCode).toBe(200);
      res.pause(); // the client stops taking the text

      const history = get(bob, '/users/me/status/history');
      const answer = await Promise.race([history, new Promise<string>((resolve) => setTimeout(resolve, 5000, 'still waiting after 5 s'))]);
      expect(typeof answer === 'string' ? answer : answer.statusCode).toBe(200);
      // The download stayed paused meanwhile: the export had not run to its end.
      expect(made).toBeLessThan(DAYS);
    } finally {
      download.destroy();
    }

    // Leaving the paused download frees everything: no read of the user waits, the next answers.
    const connections = () => new Promise<number>((resolve, reject) => t.app.server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
    for (const end = Date.now() + 10_000; (await connections()) > 0 && Date.now() < end; ) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await connections()).toBe(0);
    expect((await get(bob, '/users/me/status/history')).statusCode).toBe(200);
    expect(reads.waitingOf(bob.id)).toBe(0);
  });
});
