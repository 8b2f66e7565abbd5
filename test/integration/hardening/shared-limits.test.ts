/**
 * Finding: every instance kept its own request limits and failed-login budgets, so a client
 * spreading guesses over N instances got N budgets; and a login's attempt was counted only
 * after its password was checked, so guesses sent all at once passed the budget together.
 * Two instances on one database and one Redis (the deployment of docs/deploy.md), then the
 * shared limits alone with Redis cut and restored.
 */
import type { FastifyBaseLogger } from 'fastify';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SharedLimits } from '../../../src/server/adapters/limits-redis.js';
import { RedisPresenceStore } from '../../../src/server/adapters/presence-store-redis.js';
import { LOGIN_FAILURES } from '../../../src/server/auth/login-throttle.js';
import { freePort } from '../../helpers/child-server.js';
import { freshDatabase } from '../../helpers/databases.js';
import { startLiveApp, type LiveApp } from '../../helpers/live-app.js';
import { REDIS_URL, requireRedis, startRedisProxy, uniquePrefix, type RedisProxy } from '../../helpers/redis.js';

const LOGINS_PER_MINUTE = 10; // auth-routes.ts: the login route's per-address limit
const METRICS_TOKEN = 'metrics-token-0123456789';
const SCRAPE_GUESSES_PER_MINUTE = 120; // metrics-routes.ts: the limit of scrapes without the right token

describe('limits shared by two instances over Redis', () => {
  let a: LiveApp;
  let b: LiveApp;
  let drop: () => Promise<void>;

  beforeEach(async () => {
    (await requireRedis()).disconnect();
    const db = await freshDatabase('postgres');
    drop = db.drop;
    const config = { databaseUrl: db.url, redisUrl: REDIS_URL, redisPrefix: uniquePrefix(), rateLimits: true, metricsToken: METRICS_TOKEN };
    a = await startLiveApp(config);
    b = await startLiveApp(config);
    await a.register('alice');
  });
  afterEach(async () => {
    await a.close();
    await b.close();
    await drop();
  });

  const login = (t: LiveApp, username: string, password: string, ip: string) =>
    t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password }, remoteAddress: ip });

  it("one account's failed-login budget, whichever instance the guesses reach", async () => {
    for (let i = 0; i < LOGIN_FAILURES.max; i++) {
      expect((await login(i % 2 === 0 ? a : b, 'alice', 'wrong-guess-xyz', `10.1.0.${i + 1}`)).statusCode).toBe(401);
    }
    for (const t of [a, b]) {
      const res = await login(t, 'alice', 'pass-phrase-for-tests', '10.1.1.1');
      expect(res.statusCode).toBe(429);
      expect(res.json()).toMatchObject({ code: 'RATE_LIMITED' });
    }
  });

  it('guesses sent at once to both instances are counted one at a time: exactly the budget is checked', async () => {
    const guesses = Array.from({ length: 3 * LOGIN_FAILURES.max }, (_, i) => login(i % 2 === 0 ? a : b, 'alice', 'wrong-guess-xyz', `10.2.${i}.1`));
    const codes = (await Promise.all(guesses)).map((r) => r.statusCode);
    expect(codes.filter((c) => c === 401)).toHaveLength(LOGIN_FAILURES.max);
    expect(codes.filter((c) => c === 429)).toHaveLength(2 * LOGIN_FAILURES.max);
  });

  it("one address's request limit, whichever instance the requests reach; other addresses are served", async () => {
    for (let i = 0; i < LOGINS_PER_MINUTE; i++) {
      expect((await login(i % 2 === 0 ? a : b, `nobody${i}`, 'wrong-guess-xyz', '10.3.0.1')).statusCode).toBe(401);
    }
    for (const t of [a, b]) {
      const res = await login(t, 'alice', 'pass-phrase-for-tests', '10.3.0.1');
      expect(res.statusCode).toBe(429);
      expect(res.json()).toMatchObject({ code: 'RATE_LIMITED' });
    }
    expect((await login(b, 'alice', 'pass-phrase-for-tests', '10.3.0.2')).statusCode).toBe(200);
  });

  it('one Prometheus scraping both instances with the token is never limited; guesses of the token share one limit', async () => {
    const scrape = (t: LiveApp, token: string) => t.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${token}` }, remoteAddress: '10.4.0.1' });
    const codes: number[] = [];
    for (let i = 0; i < 70; i++) for (const t of [a, b]) codes.push((await scrape(t, METRICS_TOKEN)).statusCode);
    expect(codes.filter((c) => c !== 200)).toEqual([]);
    for (let i = 0; i < SCRAPE_GUESSES_PER_MINUTE; i++) expect((await scrape(i % 2 === 0 ? a : b, 'wrong-token-0123456789')).statusCode).toBe(401);
    for (const t of [a, b]) expect((await scrape(t, 'wrong-token-0123456789')).statusCode).toBe(429);
    expect((await scrape(b, METRICS_TOKEN)).statusCode).toBe(200);
  });
});

describe('shared limits while Redis is down', () => {
  let proxy: RedisProxy;
  const opened: SharedLimits[] = [];
  const lines: string[] = [];
  const log = {
    warn: (_obj: unknown, msg: string) => lines.push(`warn ${msg}`),
    info: (_obj: unknown, msg: string) => lines.push(`info ${msg}`),
  } as unknown as FastifyBaseLogger;
  const limits = async (prefix: string) => {
    const l = new SharedLimits({ target: { mode: 'single', url: proxy.url }, prefix, log });
    opened.push(l);
    await l.connect();
    return l;
  };
  const clock = { at: 1_000_000, now: () => clock.at };

  beforeEach(async () => {
    (await requireRedis()).disconnect();
    proxy = await startRedisProxy();
    lines.length = 0;
  });
  afterEach(async () => {
    for (const l of opened.splice(0)) await l.close();
  });
  afterAll(async () => proxy?.close());

  it('counts per instance while Redis is cut, says so once, and shares again once it is back', async () => {
    const prefix = uniquePrefix();
    const [one, two] = [await limits(prefix), await limits(prefix)];
    const [t1, t2] = [one.loginThrottle(clock.now), two.loginThrottle(clock.now)];
    expect(await t1.attempt('carol', null)).toBe(0);
    expect(await t2.attempt('carol', null)).toBe(0); // shared: 2 of the budget spent

    proxy.cut();
    for (let i = 0; i < LOGIN_FAILURES.max; i++) expect(await t1.attempt('carol', null)).toBe(0); // a budget of its own
    expect(await t1.attempt('carol', null)).toBe(LOGIN_FAILURES.windowMs);
    expect(await t2.attempt('carol', null)).toBe(0); // the other instance counts its own
    // Once per instance, however many calls failed.
    const down = 'warn limits: Redis does not answer; rate limits and login budgets count per instance until it does';
    expect(lines).toEqual([down, down]);

    // The rate-limit plugin's store answers from memory meanwhile: nothing fails, nothing is let through uncounted.
    const Store = one.rateLimitStore();
    const store = new Store({});
    const counted = await new Promise<{ current: number } | undefined>((resolve, reject) => store.incr('ip:10.9.9.9', (err, res) => (err ? reject(err) : resolve(res)), 60_000, 10));
    expect(counted?.current).toBe(1);

    proxy.restore();
    await expect.poll(async () => (await t1.attempt('carol', null), lines.at(-1)), { timeout: 10_000, interval: 200 }).toBe('info limits: Redis answers again; rate limits and login budgets are shared by every instance');
    // Back on Redis: the attempts made meanwhile on Redis add up again, across instances.
    const before = LOGIN_FAILURES.max - 3; // 2 before the cut, 1 by the poll (those that failed were not counted on Redis)
    for (let i = 0; i < before; i++) await t2.attempt('carol', null);
    expect(await t2.attempt('carol', null)).toBeGreaterThan(0);
    expect(await t1.attempt('carol', null)).toBeGreaterThan(0);
  });

  it('says why Redis does not answer (the connection refused), as the bus does, not "Connection is closed."; so does the presence store', async () => {
    const said: unknown[] = [];
    const capture = { warn: (obj: { err?: unknown }) => said.push(obj.err), info: () => {} } as unknown as FastifyBaseLogger;
    const refused = `redis://127.0.0.1:${await freePort()}`; // nothing listens there
    const l = new SharedLimits({ target: { mode: 'single', url: refused }, prefix: uniquePrefix(), log: capture });
    opened.push(l);
    await l.connect();
    expect(await l.loginThrottle(clock.now).attempt('fay', null)).toBe(0);
    expect(said).toEqual([expect.stringMatching(/ECONNREFUSED/)]);

    const store = new RedisPresenceStore({ url: refused, prefix: uniquePrefix() });
    try {
      await store.connect().catch(() => {});
      await expect(store.load([1], null)).rejects.toThrow();
      expect(store.problem()).toMatch(/ECONNREFUSED/);
    } finally {
      await store.close();
    }
  });

  it('an outage that comes and goes again within a minute is said once (a cluster shard that stays down flips it)', async () => {
    const prefix = uniquePrefix();
    const throttle = (await limits(prefix)).loginThrottle(clock.now);
    const admin = await requireRedis();
    try {
      for (let round = 0; round < 2; round++) {
        proxy.cut();
        expect(await throttle.attempt(`erin${round}`, null)).toBe(0); // counted in memory
        proxy.restore();
        // Back on Redis: an attempt is counted there again.
        await expect.poll(async () => (await throttle.attempt(`erin${round}`, null), admin.exists(`${prefix}:login:u:erin${round}`)), { timeout: 10_000, interval: 200 }).toBe(1);
      }
    } finally {
      admin.disconnect();
    }
    expect(lines).toEqual([
      'warn limits: Redis does not answer; rate limits and login budgets count per instance until it does',
      'info limits: Redis answers again; rate limits and login budgets are shared by every instance',
    ]);
  });

  it('a login that succeeds while Redis is cut clears the shared failures once Redis is back', async () => {
    const prefix = uniquePrefix();
    const [one, two] = [await limits(prefix), await limits(prefix)];
    const [t1, t2] = [one.loginThrottle(clock.now), two.loginThrottle(clock.now)];
    for (let i = 0; i < 5; i++) expect(await t2.attempt('dora', null)).toBe(0); // a stranger's guesses, shared
    proxy.cut();
    expect(await t1.attempt('dora', null)).toBe(0);
    await t1.succeeded('dora', null); // the owner gets in on instance one meanwhile
    proxy.restore();
    await expect.poll(async () => (await t1.attempt('probe', null), lines.at(-1)), { timeout: 10_000, interval: 200 }).toMatch(/^info limits: Redis answers again/);
    const admin = await requireRedis();
    try {
      await expect.poll(() => admin.exists(`${prefix}:login:u:dora`), { timeout: 5_000 }).toBe(0);
    } finally {
      admin.disconnect();
    }
    for (let i = 0; i < LOGIN_FAILURES.max; i++) expect(await t2.attempt('dora', null)).toBe(0); // a whole budget again
    expect(await t2.attempt('dora', null)).toBeGreaterThan(0);
  });
});
