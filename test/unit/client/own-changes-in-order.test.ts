/**
 * Changes of the user's own presence (a status, an activity declaration) reach Beacon in the
 * order they were made, one after another (requests sent together may arrive in either order,
 * and the one applied last stays); one still waiting when the client stops is never sent, as
 * the token by then may be another account's (declared-game.test.ts covers declarations alone).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { harness, ME, slowNetwork, useFakeClock } from './fake-server.js';

const STATUS = 'PUT /api/v1/users/me/status';

beforeEach(useFakeClock);
afterEach(() => {
  vi.useRealTimers();
});

describe('PresenceClient: status changes in order', () => {
  it('the last status set is the last applied when an earlier one is slow on the network', async () => {
    const { h, applied, hold, release } = slowNetwork();
    hold();
    const busy = h.client.setStatus('busy', 'In a meeting');
    const online = h.client.setStatus('online', null);
    await vi.advanceTimersByTimeAsync(0);
    // The second waits for the first's answer: it is not on the network yet.
    expect(h.fetch.callsTo(STATUS)).toHaveLength(1);
    release();
    await Promise.all([busy, online]);
    expect(applied.map((a) => a.body.status)).toEqual(['busy', 'online']);
    expect(h.client.self).toMatchObject({ status: 'online', custom_message: null });
  });

  it('a status change that fails does not hold back the next', async () => {
    const h = harness();
    let n = 0;
    h.fetch.route(STATUS, (call) =>
      n++ === 0 ? { status: 500, body: { code: 'INTERNAL_ERROR', message: 'boom' } } : { status: 200, body: { ...ME, status: (call.body as { status: 'away' }).status } },
    );
    h.client.start();
    h.connect([], { self: ME });
    const first = h.client.setStatus('busy');
    const second = h.client.setStatus('away');
    await expect(first).rejects.toMatchObject({ code: 'INTERNAL_ERROR' });
    await expect(second).resolves.toMatchObject({ status: 'away' });
  });

  it('status changes and declarations share one order', async () => {
    const { h, applied, hold, release } = slowNetwork();
    hold();
    const game = h.client.setActivity('playing_pong');
    const busy = h.client.setStatus('busy');
    await vi.advanceTimersByTimeAsync(0);
    expect(h.fetch.callsTo(STATUS)).toHaveLength(0);
    release();
    await Promise.all([game, busy]);
    expect(applied.map((a) => a.body.activity ?? a.body.status)).toEqual(['playing_pong', 'busy']);
  });
});

describe('PresenceClient: changes of a run that ended are not sent', () => {
  it('a status change and a declaration still waiting at stop() are dropped, not sent later with the next account’s token', async () => {
    const { h, applied, hold, release } = slowNetwork();
    hold();
    const first = h.client.setStatus('busy');
    const status = h.client.setStatus('away', 'Back soon');
    const declared = h.client.setActivity('playing_pong');
    await vi.advanceTimersByTimeAsync(0);
    // Signed out, and someone else signs in before the first answer comes back.
    h.client.stop();
    h.setToken('tok.OTHER-account');
    h.client.start();
    release();
    await expect(first).resolves.toMatchObject({ status: 'busy' });
    await expect(status).rejects.toMatchObject({ code: 'CLIENT_STOPPED', status: 0 });
    await expect(declared).rejects.toMatchObject({ code: 'CLIENT_STOPPED', status: 0 });
    await vi.advanceTimersByTimeAsync(0);
    expect(applied).toEqual([{ token: 'tok.SECRET-jwt-value', body: { status: 'busy' } }]);
  });

  it('a change made in the new run is sent, after the one of the old run still on its way', async () => {
    const { h, applied, hold, release } = slowNetwork();
    hold();
    const old = h.client.setStatus('busy');
    await vi.advanceTimersByTimeAsync(0);
    h.client.stop();
    h.setToken('tok.OTHER-account');
    h.client.start();
    h.connect([], { self: ME });
    const fresh = h.client.setStatus('away');
    release();
    await Promise.all([old, fresh]);
    expect(applied.map((a) => [a.token, a.body.status])).toEqual([
      ['tok.SECRET-jwt-value', 'busy'],
      ['tok.OTHER-account', 'away'],
    ]);
  });

  it('a game declared in a run that ended is not declared again over the next run’s socket', async () => {
    const { h, applied } = slowNetwork();
    await h.client.setActivity('playing_pong');
    h.client.stop();
    h.setToken('tok.OTHER-account');
    h.client.start();
    h.connect([], { self: ME });
    await vi.advanceTimersByTimeAsync(0);
    expect(applied.map((a) => [a.token, a.body.activity])).toEqual([['tok.SECRET-jwt-value', 'playing_pong']]);
  });
});
