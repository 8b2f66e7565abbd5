/**
 * Instances sharing a Redis prefix with different BEACON_JWT_SECRET values were not warned about:
 * a token one signed the other refused, so users behind a load balancer were logged out at random.
 * Now each heartbeat carries a fingerprint of the secret (an HMAC of a fixed label, never the
 * secret): a start that finds a live instance with another fingerprint is refused (exit 2, naming
 * BEACON_JWT_SECRET and what to do), and an instance that finds one after its start (two started
 * at once, Redis unreachable at a start) logs an error and says so on /readyz. Real processes on
 * the test Redis (a prefix of their own) and one PostgreSQL database; Redis missing fails this test.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RedisPresenceStore } from '../../src/server/adapters/presence-store-redis.js';
import { secretFingerprint } from '../../src/server/auth/secret-fingerprint.js';
import { startChildServer, type ChildServer } from '../helpers/child-server.js';
import { freshDatabase } from '../helpers/databases.js';
import { startLiveApp } from '../helpers/live-app.js';
import { REDIS_URL, requireRedis, uniquePrefix } from '../helpers/redis.js';

const S1 = 'first-secret-SENTINEL-aaaaaaaaaaaa';
const S2 = 'second-secret-SENTINEL-bbbbbbbbbbb';

interface Ready {
  status: string;
  jwt_secret: { agreed: boolean; differing_instances: string[] };
}

async function readyz(url: string): Promise<{ code: number; body: Ready }> {
  const res = await fetch(`${url}/readyz`);
  return { code: res.status, body: (await res.json()) as Ready };
}

describe('instances on one Redis prefix with different BEACON_JWT_SECRET', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => {});
  });

  it('refuses the start of an instance whose secret differs from a live one, and lets one with the same secret start', async () => {
    (await requireRedis()).disconnect();
    const db = await freshDatabase('postgres');
    cleanups.push(db.drop);
    const env = { BEACON_DATABASE_URL: db.url, BEACON_REDIS_URL: REDIS_URL, BEACON_REDIS_PREFIX: uniquePrefix() };
    const start = async (secret: string): Promise<ChildServer> => {
      const server = await startChildServer({ ...env, BEACON_JWT_SECRET: secret });
      cleanups.push(() => server.cleanup());
      return server;
    };
    const a = await start(S1);
    await expect.poll(async () => (await readyz(a.url)).code, { timeout: 10_000 }).toBe(200);

    const refused = await start(S2).then(
      () => null,
      (err: Error) => err.message,
    );
    expect(refused).toMatch(/^server exited with 2:/);
    expect(refused).toContain('beacon: Invalid BEACON_JWT_SECRET: differs from that of instance ');
    expect(refused).toContain('Give every instance of the deployment the same BEACON_JWT_SECRET');
    for (const secret of [S1, S2]) expect(refused).not.toContain(secret);

    // The same secret starts, and both say they agree (the refused start never beat).
    const c = await start(S1);
    for (const server of [a, c]) {
      await expect.poll(async () => (await readyz(server.url)).code, { timeout: 10_000 }).toBe(200);
      expect((await readyz(server.url)).body.jwt_secret).toEqual({ agreed: true, differing_instances: [] });
    }
    // Each start says its fingerprint, so an operator can compare instances by eye; never the secret.
    for (const server of [a, c]) {
      expect(server.stdout()).toContain(`"jwt_secret_fingerprint":"${secretFingerprint(S1)}"`);
      expect(server.stdout()).not.toContain(S1);
    }
  }, 60_000);

  it('says on /readyz, and stays ready, when an instance with another secret appears after the start', async () => {
    (await requireRedis()).disconnect();
    const prefix = uniquePrefix();
    const t = await startLiveApp({ redisUrl: REDIS_URL, redisPrefix: prefix, jwtSecret: S1 });
    cleanups.push(() => t.close());
    // Another instance beating on the prefix, as one started at the same moment would.
    const other = new RedisPresenceStore({ url: REDIS_URL, prefix });
    cleanups.push(() => other.close());
    await other.connect();
    await other.heartbeat('other-instance');
    await other.putCard('other-instance', { tokenSecret: secretFingerprint(S2) });
    await t.app.services.presence.beat();
    expect(await readyz(t.url)).toEqual({ code: 200, body: expect.objectContaining({ status: 'ready', jwt_secret: { agreed: false, differing_instances: ['other-instance'] } }) });

    // It restarts with the right secret: agreed at the next beat.
    await other.heartbeat('other-instance');
    await other.putCard('other-instance', { tokenSecret: secretFingerprint(S1) });
    await t.app.services.presence.beat();
    expect((await readyz(t.url)).body.jwt_secret).toEqual({ agreed: true, differing_instances: [] });
  });
});
