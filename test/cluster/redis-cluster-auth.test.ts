/**
 * Cluster mode (BEACON_REDIS_MODE=cluster) against a Redis Cluster whose nodes require a
 * password. With the right one in the seed URLs, the instance connects to every primary and is
 * ready. With a wrong one, the log said "Failed to refresh slots cache." and "None of startup
 * nodes is available" (as if Redis were down) and /readyz only `bus: false`; now one error line
 * and /readyz's `bus_problem` name the refused credentials and BEACON_REDIS_URL, and the limits'
 * and the presence store's warnings give that cause instead of the client's wrapper.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { logLines, startChildServer, type ChildServer } from '../helpers/child-server.js';
import { requireRedisCluster, type LocalRedisCluster } from '../helpers/redis-cluster.js';

const PASSWORD = 'cluster-pass-SENTINEL-3';
const WRONG = 'cluster-wrong-SENTINEL-4';
const SAID = 'Redis refused authentication (WRONGPASS): check the user and password in BEACON_REDIS_URL';

describe('cluster mode with a password', { timeout: 150_000 }, () => {
  let redis: LocalRedisCluster;
  let server: ChildServer | null = null;
  const seeds = (password: string) => redis.ports.map((port) => `redis://:${password}@127.0.0.1:${port}`).join(',');
  const readyz = async () => {
    const res = await fetch(`${server!.url}/readyz`);
    return { code: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    redis = await requireRedisCluster({ password: PASSWORD });
  });
  afterAll(async () => {
    await redis?.stop();
  });
  afterEach(async () => {
    await server?.cleanup();
    server = null;
  });

  it('the right password in the seed URLs reaches every primary: the instance is ready', async () => {
    server = await startChildServer({ BEACON_REDIS_MODE: 'cluster', BEACON_REDIS_URL: seeds(PASSWORD) });
    await expect.poll(async () => (await readyz()).code, { timeout: 15_000 }).toBe(200);
    expect((await readyz()).body).toMatchObject({ bus: true });
    expect(server.stdout()).not.toContain(PASSWORD);
  });

  it('a wrong one: one error line and /readyz say the credentials were refused; no warning blames an unreachable Redis', async () => {
    server = await startChildServer({ BEACON_REDIS_MODE: 'cluster', BEACON_REDIS_URL: seeds(WRONG) });
    await expect.poll(async () => (await readyz()).body.bus_problem, { timeout: 10_000 }).toBe(SAID);
    expect(await readyz()).toMatchObject({ code: 503, body: { bus: false } });
    // Several seconds of reconnects, still one line.
    await new Promise((r) => setTimeout(r, 4_000));
    const lines = logLines(server.stdout());
    expect(lines.filter((l) => l.level === 50).map((l) => [l.msg, l.err])).toEqual([
      [`event bus: ${SAID}`, 'WRONGPASS invalid username-password pair or user is disabled.'],
    ]);
    const store = lines.find((l) => l.msg === 'shared presence store unreachable at start');
    expect(store?.err).toBe(SAID);
    const warned = lines.filter((l) => (l.level as number) >= 40 && typeof l.err === 'string').map((l) => l.err as string);
    expect(warned.filter((err) => /startup nodes|slots cache|Connection is closed/.test(err))).toEqual([]);
    expect(lines.find((l) => typeof l.msg === 'string' && l.msg.startsWith('limits: Redis does not answer'))?.err).toBe(SAID);
    expect(server.stdout()).not.toContain(WRONG);
  });
});
