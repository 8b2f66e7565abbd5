/**
 * Finding (outside audit, low–medium): friend requests were limited per sender only (60 a
 * minute per route). Asking a stranger and cancelling in a loop put 60 `friend_request_received`
 * and 60 `friend_request_closed` on their screen a minute, every minute, 60 more per extra
 * account. Now asking the same user is limited per pair (FRIEND_ASKS_PER_PAIR), counted in
 * Redis when it is configured, one budget for every instance.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FRIEND_ASKS_PER_PAIR } from '../../../src/server/friends/friends-routes.js';
import { bearer } from '../../helpers/app.js';
import { freshDatabase } from '../../helpers/databases.js';
import { startLiveApp, type LiveApp } from '../../helpers/live-app.js';
import { REDIS_URL, requireRedis, uniquePrefix } from '../../helpers/redis.js';
import { framesUntilOwnChange } from '../../helpers/sentinel.js';

type U = { token: string; id: number };

const ask = (t: LiveApp, from: U, to: U) => t.app.inject({ method: 'POST', url: '/api/v1/users/me/friends/requests', headers: bearer(from.token), payload: { user_id: to.id } });
const cancel = (t: LiveApp, who: U, id: number) => t.app.inject({ method: 'POST', url: `/api/v1/users/me/friends/requests/${id}/decline`, headers: bearer(who.token) });

/** The audit's loop: ask `to`, cancel, again, `rounds` times, each through the next of `via`; answers the status codes seen. */
async function askAndCancel(via: LiveApp[], from: U, to: U, rounds: number): Promise<number[]> {
  const codes: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t = via[i % via.length]!;
    const res = await ask(t, from, to);
    codes.push(res.statusCode);
    if (res.statusCode === 201) expect((await cancel(t, from, res.json<{ request: { id: number } }>().request.id)).statusCode).toBe(204);
  }
  return codes;
}

describe('asking the same user again and again (one instance)', () => {
  let t: LiveApp;
  let mallory: U;
  let dave: U;
  beforeEach(async () => {
    t = await startLiveApp({ rateLimits: true });
    mallory = await t.register('mallory');
    dave = await t.register('dave');
  });
  afterEach(() => t.close());

  it("asking and cancelling in a loop reaches the stranger's screen at most the pair's limit of times; 429 with a clear message after", async () => {
    const { socket: daves } = await t.connect(dave.token);
    const from = daves.mark();
    // Fewer than the sender's 60 asks a minute, so that what refuses them is the pair's limit.
    const codes = await askAndCancel([t], mallory, dave, 40);
    expect(codes.filter((c) => c === 201)).toHaveLength(FRIEND_ASKS_PER_PAIR.max);
    expect(codes.slice(FRIEND_ASKS_PER_PAIR.max).every((c) => c === 429)).toBe(true);
    const received = (await framesUntilOwnChange(daves, from, t, dave.token)).filter((f) => f.type === 'friend_request_received');
    expect(received).toHaveLength(FRIEND_ASKS_PER_PAIR.max);

    const refused = await ask(t, mallory, dave);
    expect(refused.json()).toEqual({ code: 'RATE_LIMITED', message: expect.stringMatching(/asked this user too often/) });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(FRIEND_ASKS_PER_PAIR.windowMs / 1000);
    // Only this pair: Mallory may ask someone else, and someone else may ask Dave.
    const carol = await t.register('carol');
    expect((await ask(t, mallory, carol)).statusCode).toBe(201);
    expect((await ask(t, carol, dave)).statusCode).toBe(201);
  });

  it('a user who asks, cancels and asks again is served', async () => {
    const first = await ask(t, mallory, dave);
    expect(first.statusCode).toBe(201);
    expect((await cancel(t, mallory, first.json<{ request: { id: number } }>().request.id)).statusCode).toBe(204);
    expect((await ask(t, mallory, dave)).statusCode).toBe(201);
  });
});

describe('asking the same user again and again, through two instances sharing Redis', () => {
  let a: LiveApp;
  let b: LiveApp;
  let drop: () => Promise<void>;
  beforeEach(async () => {
    (await requireRedis()).disconnect();
    const db = await freshDatabase('postgres');
    drop = db.drop;
    const config = { databaseUrl: db.url, redisUrl: REDIS_URL, redisPrefix: uniquePrefix(), rateLimits: true };
    a = await startLiveApp(config);
    b = await startLiveApp(config);
  });
  afterEach(async () => {
    await a.close();
    await b.close();
    await drop();
  });

  it('one budget per pair, whichever instance the asks reach', async () => {
    const mallory = await a.register('mallory');
    const dave = await a.register('dave');
    const codes = await askAndCancel([a, b], mallory, dave, 4 * FRIEND_ASKS_PER_PAIR.max);
    expect(codes.filter((c) => c === 201)).toHaveLength(FRIEND_ASKS_PER_PAIR.max);
  });
});
