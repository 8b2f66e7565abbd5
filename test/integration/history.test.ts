/** Status history: recorded as the user comes and goes, shown back as a pattern, pruned after its retention. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bearer } from '../helpers/app.js';
import { startLiveApp, type LiveApp } from '../helpers/live-app.js';

const H = 3_600_000;
const D = 24 * H;

describe('status history and patterns', () => {
  let t: LiveApp;
  beforeEach(async () => {
    t = await startLiveApp({ idleTimeoutMs: D, offlineGraceMs: 1000, historyRetentionDays: 90, tokenTtlS: 200 * 86_400 });
  });
  afterEach(() => t.close());

  const history = async (token: string, q = '') => (await t.app.inject({ url: `/api/v1/users/me/status/history${q}`, headers: bearer(token) })).json();

  it('records each change of status and sums up the usual online hours in the user\u2019s zone', async () => {
    const alice = await t.register('alice');
    // Start at the coming Monday 00:00 UTC, then come online 18:00–23:00 every weekday for two weeks.
    const now = new Date(t.clock.now());
    const daysToMonday = (8 - (now.getUTCDay() || 7)) % 7 || 7;
    t.clock.t = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + daysToMonday);
    for (let day = 0; day < 14; day++) {
      const weekday = day % 7 < 5;
      await t.advance(18 * H);
      if (weekday) {
        const { socket } = await t.connect(alice.token);
        await t.advance(5 * H);
        socket.close();
        await socket.waitClosed();
        await t.advance(1001);
        await t.advance(H - 1001);
      } else {
        await t.advance(6 * H);
      }
    }
    const got = await history(alice.token, '?days=14&time_zone=UTC');
    expect(got.summary).toBe('Usually online weekdays 18:00–23:00');
    expect(got.heatmap[0][18]).toBe(1);
    expect(got.heatmap[0][12]).toBe(0);
    expect(got.heatmap[5][19]).toBe(0);
    expect(got).toMatchObject({ time_zone: 'UTC' });
    // In New York the same evenings are 13:00–18:00 (EST, UTC-5).
    expect((await history(alice.token, '?days=14&time_zone=America/New_York')).summary).toBe('Usually online weekdays 13:00–18:00');
  });

  it('prunes history past the retention', async () => {
    const alice = await t.register('alice');
    const { socket } = await t.connect(alice.token);
    // Online for over a minute (changes closer together share a row).
    await t.advance(61_000);
    socket.close();
    await socket.waitClosed();
    await t.advance(2000);
    await t.app.services.history.recorder.flush();
    expect(await t.app.services.history.repo.ofUser(alice.id)).toHaveLength(2);
    t.clock.advance(91 * D);
    expect((await t.app.services.housekeeping.run()).history).toBe(2);
    expect(await t.app.services.history.repo.ofUser(alice.id)).toEqual([]);
  });

  it('refuses a bad zone or range with 400', async () => {
    const alice = await t.register('alice');
    const bad = await t.app.inject({ url: '/api/v1/users/me/status/history?time_zone=Nowhere/Land', headers: bearer(alice.token) });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('VALIDATION_ERROR');
    const far = await t.app.inject({ url: '/api/v1/users/me/status/history?days=400', headers: bearer(alice.token) });
    expect(far.statusCode).toBe(400);
    expect(await history(alice.token)).toMatchObject({ summary: 'Not enough history yet' });
  });

  it('writes at most a row a minute per user however often the status flips; the latest status of the minute stands', async () => {
    const alice = await t.register('alice');
    const { socket } = await t.connect(alice.token);
    await t.advance(2 * 60_000);
    // 101 flips in 40 s: busy, online, busy, … busy.
    for (let i = 0; i <= 100; i++) {
      const status = i % 2 === 0 ? 'busy' : 'online';
      await socket.after(() => socket.send({ type: 'set_status', status }), (f) => f.type === 'status_update' && f.status === status);
      await t.advance(400);
    }
    // A read meanwhile writes only settled rows: it cannot split the minute.
    await history(alice.token);
    await t.advance(61_000);
    await socket.after(() => socket.send({ type: 'set_status', status: 'online' }), (f) => f.type === 'status_update' && f.status === 'online');
    await t.app.services.history.recorder.flush();
    const rows = await t.app.services.history.repo.ofUser(alice.id);
    expect(rows.map((r) => r.status)).toEqual(['online', 'busy', 'online']);
  });

  it('limits reads of a history or a pattern to 30 a minute per user, with a 429 the client can read', async () => {
    const live = await startLiveApp({ rateLimits: true });
    try {
      const carol = await live.register('carol');
      const read = (url: string) => live.app.inject({ url, headers: bearer(carol.token) });
      for (const url of ['/api/v1/users/me/status/history', `/api/v1/users/${carol.id}/pattern`]) {
        for (let i = 0; i < 30; i++) expect((await read(url)).statusCode).not.toBe(429);
        const limited = await read(url);
        expect(limited.statusCode).toBe(429);
        expect(limited.json()).toMatchObject({ code: expect.any(String), message: expect.any(String) });
      }
    } finally {
      await live.close();
    }
  });
});
