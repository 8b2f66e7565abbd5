/**
 * A Redis that refuses Beacon's password (WRONGPASS) or wants one Beacon does not give (NOAUTH):
 * the instance stayed unready with `bus: false` and nothing more, while the log repeated a warning
 * "event bus: redis connection error" at every reconnect of the subscriber, naming no setting.
 * Now one error line says Redis refused authentication and names BEACON_REDIS_URL, and /readyz's
 * body says so too (`bus_problem`). The real process against a redis-server of its own with
 * `requirepass` (the test Redis has no password); redis-server missing fails this test.
 */
import Fastify from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { beacon } from '../../src/server/index.js';
import { logLines, startChildServer, type ChildServer } from '../helpers/child-server.js';
import { MemoryHost } from '../helpers/memory-host.js';
import { startOwnRedis, type OwnRedis } from '../helpers/redis.js';

const PASSWORD = 'right-pass-SENTINEL-1';
const WRONG = 'wrong-pass-SENTINEL-2';

describe('Redis refusing authentication', () => {
  let redis: OwnRedis;
  let port: number;
  let server: ChildServer | null = null;

  beforeAll(async () => {
    redis = await startOwnRedis(['--requirepass', PASSWORD], PASSWORD);
    port = redis.port;
  });
  afterAll(() => {
    redis.kill();
  });
  afterEach(async () => {
    await server?.cleanup();
    server = null;
  });

  it.each([
    ['a wrong password', `redis://:${WRONG}@127.0.0.1`, 'WRONGPASS'],
    ['no password', 'redis://127.0.0.1', 'NOAUTH'],
  ])('with %s: one error line naming BEACON_REDIS_URL, and /readyz says why', async (_, base, code) => {
    server = await startChildServer({ BEACON_REDIS_URL: `${base}:${port}` });
    const readyz = async () => {
      const res = await fetch(`${server!.url}/readyz`);
      return { code: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const said = `Redis refused authentication (${code}): check the user and password in BEACON_REDIS_URL`;
    await expect.poll(async () => (await readyz()).body.bus_problem, { timeout: 10_000 }).toBe(said);
    expect(await readyz()).toMatchObject({ code: 503, body: { status: 'unavailable', database: true, bus: false } });
    // Several seconds of reconnects (every 50 ms, then slower), still one line.
    await new Promise((r) => setTimeout(r, 4_000));
    const lines = logLines(server.stdout());
    const refused = lines.filter((l) => typeof l.err === 'string' && l.err.startsWith(code));
    expect(refused.map((l) => [l.level, l.msg])).toEqual([[50, `event bus: ${said}`]]);
    // The limits' and the store's warnings give the cause, not the client's "Connection is closed.".
    const warned = lines.filter((l) => (l.level as number) >= 40 && typeof l.err === 'string').map((l) => l.err as string);
    expect(warned.filter((err) => /Connection is closed|startup nodes/.test(err))).toEqual([]);
    expect(lines.find((l) => typeof l.msg === 'string' && l.msg.startsWith('limits: Redis does not answer'))?.err).toBe(said);
    expect(server.stdout()).not.toContain(WRONG);
  }, 40_000);

  // The embedded plugin's Redis is its `config.redisUrl`: the cause named BEACON_REDIS_URL, which
  // a site that passed options in code never set.
  it('embedded, the cause names config.redisUrl', async () => {
    const host = new MemoryHost();
    const site = Fastify({ logger: false });
    try {
      await site.register(beacon, {
        identity: host.identity,
        friends: host.friends,
        config: { databaseUrl: 'sqlite::memory:', logLevel: 'silent', redisUrl: `redis://:${WRONG}@127.0.0.1:${port}` },
      });
      await site.ready();
      const bus = site.beacon.services.bus;
      await expect.poll(() => bus.problem?.(), { timeout: 10_000 }).toBe('Redis refused authentication (WRONGPASS): check the user and password in config.redisUrl');
    } finally {
      await site.close();
    }
  }, 40_000);
});
