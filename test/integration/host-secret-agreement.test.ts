/**
 * Sidecar instances sharing a Redis prefix with different BEACON_AUTH_JWT_SECRET values (a stale
 * env file on one box) were not warned about: users whose socket landed on that instance were
 * refused at random, and nobody was told. Now each heartbeat carries fingerprints of the site's
 * secrets too: a start that shares none of them with a live instance is refused (exit 2, naming
 * BEACON_AUTH_JWT_SECRET), while a rotation's restart (the new secret, the old one as
 * BEACON_AUTH_JWT_PREVIOUS_SECRET) starts, and /readyz says `auth_jwt_secret`. Real processes on
 * the test Redis (a prefix of their own) and one PostgreSQL database; Redis missing fails this test.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { hostSecretFingerprints } from '../../src/server/auth/secret-fingerprint.js';
import { startChildServer, type ChildServer } from '../helpers/child-server.js';
import { freshDatabase } from '../helpers/databases.js';
import { REDIS_URL, requireRedis, uniquePrefix } from '../helpers/redis.js';

const SIGNING = 'beacon-signing-SENTINEL-cccccccccc';
const H1 = 'site-secret-one-SENTINEL-aaaaaaaaaa';
const STALE = 'site-secret-stale-SENTINEL-bbbbbbbb';
const H2 = 'site-secret-two-SENTINEL-dddddddddd';

interface Ready {
  status: string;
  jwt_secret: { agreed: boolean; differing_instances: string[] };
  auth_jwt_secret: { agreed: boolean; differing_instances: string[] } | null;
}

async function readyz(url: string): Promise<{ code: number; body: Ready }> {
  const res = await fetch(`${url}/readyz`);
  return { code: res.status, body: (await res.json()) as Ready };
}

describe('sidecar instances on one Redis prefix with different BEACON_AUTH_JWT_SECRET', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => {});
  });

  it('refuses the start of one that shares no site secret with a live one, and lets a rotation restart start', async () => {
    (await requireRedis()).disconnect();
    const db = await freshDatabase('postgres');
    cleanups.push(db.drop);
    const env = { BEACON_DATABASE_URL: db.url, BEACON_REDIS_URL: REDIS_URL, BEACON_REDIS_PREFIX: uniquePrefix(), BEACON_JWT_SECRET: SIGNING };
    const start = async (site: Record<string, string>): Promise<ChildServer> => {
      const server = await startChildServer({ ...env, ...site });
      cleanups.push(() => server.cleanup());
      return server;
    };
    const a = await start({ BEACON_AUTH_JWT_SECRET: H1 });
    await expect.poll(async () => (await readyz(a.url)).code, { timeout: 10_000 }).toBe(200);

    const refused = await start({ BEACON_AUTH_JWT_SECRET: STALE }).then(
      () => null,
      (err: Error) => err.message,
    );
    expect(refused).toMatch(/^server exited with 2:/);
    expect(refused).toContain('beacon: Invalid BEACON_AUTH_JWT_SECRET: differs from that of instance ');
    for (const secret of [SIGNING, H1, STALE]) expect(refused).not.toContain(secret);

    // A rotation's first step: the new secret, the old one as the previous. It shares H1, so it starts.
    const c = await start({ BEACON_AUTH_JWT_SECRET: H2, BEACON_AUTH_JWT_PREVIOUS_SECRET: H1 });
    for (const server of [a, c]) {
      await expect.poll(async () => (await readyz(server.url)).code, { timeout: 10_000 }).toBe(200);
      const { body } = await readyz(server.url);
      expect([body.jwt_secret, body.auth_jwt_secret]).toEqual([
        { agreed: true, differing_instances: [] },
        { agreed: true, differing_instances: [] },
      ]);
    }
    // Each start says its fingerprints, to compare instances by eye; never the secrets.
    const [h2, h1] = hostSecretFingerprints(H2, H1);
    expect(a.stdout()).toContain(`"auth_jwt_secret_fingerprint":"${h1}"`);
    expect(c.stdout()).toContain(`"auth_jwt_secret_fingerprint":"${h2}","auth_jwt_previous_secret_fingerprint":"${h1}"`);
    for (const server of [a, c]) for (const secret of [SIGNING, H1, H2]) expect(server.stdout()).not.toContain(secret);
  }, 60_000);
});
