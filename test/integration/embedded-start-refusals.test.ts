/**
 * Audit: the plugin's settings are its `config` option, but a refusal at its start (after the
 * option was checked) named the BEACON_* variable, which a host that passed options in code never
 * set: `Invalid BEACON_JWT_SECRET: differs from that of instance …`, `Invalid
 * BEACON_DATABASE_URL: this database holds …`, `cannot open the SQLite file BEACON_DATABASE_URL
 * names`. Now they name the option (`config.jwtSecret`, `config.databaseUrl`), as the option's own
 * checks do (embedded-config.test.ts); standalone Beacon's still name the variables.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisPresenceStore } from '../../src/server/adapters/presence-store-redis.js';
import { secretFingerprint } from '../../src/server/auth/secret-fingerprint.js';
import { beacon, ConfigError, type Config } from '../../src/server/index.js';
import { createTestApp } from '../helpers/app.js';
import { MemoryHost } from '../helpers/memory-host.js';
import { REDIS_URL, requireRedis, uniquePrefix } from '../helpers/redis.js';

const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => {});
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'beacon-plugin-refusal-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** What registering the plugin, embedded, with `config` and starting it throws. */
async function startRefused(config: Partial<Config>): Promise<Error> {
  const host = new MemoryHost();
  const site = Fastify();
  cleanups.push(() => site.close());
  const err: unknown = await site
    .register(beacon, { identity: host.identity, friends: host.friends, config: { databaseUrl: 'sqlite::memory:', logLevel: 'silent', ...config } })
    .ready()
    .then(
      () => null,
      (e: unknown) => e,
    );
  expect(err).toBeInstanceOf(Error);
  return err as Error;
}

describe("the plugin's refusals at its start name its options, not BEACON_* variables", () => {
  it('a token secret other instances on the Redis prefix do not share: config.jwtSecret', async () => {
    (await requireRedis()).disconnect();
    const prefix = uniquePrefix();
    // A live instance on the prefix signing with another secret, as one started earlier would be.
    const other = new RedisPresenceStore({ url: REDIS_URL, prefix });
    cleanups.push(() => other.close());
    await other.connect();
    await other.heartbeat('other-instance', Date.now());
    await other.putCard('other-instance', { tokenSecret: secretFingerprint('another-secret-0123456789') });

    const err = await startRefused({ redisUrl: REDIS_URL, redisPrefix: prefix, jwtSecret: 'the-plugin-secret-0123456789' });
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).variable).toBe('config.jwtSecret');
    expect(err.message).toMatch(/^Invalid config\.jwtSecret: differs from that of instance other-instance /);
    expect(err.message).toContain('Give every instance of the deployment the same config.jwtSecret');
    expect(err.message).not.toContain('BEACON_');
  });

  it('a database holding standalone Beacon’s accounts: config.databaseUrl', async () => {
    const url = `sqlite:${join(tempDir(), 'beacon.db')}`;
    const standalone = await createTestApp({ databaseUrl: url });
    await standalone.register('mallory');
    await standalone.close();

    const err = await startRefused({ databaseUrl: url });
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).variable).toBe('config.databaseUrl');
    expect(err.message).toMatch(/^Invalid config\.databaseUrl: this database holds 1 of Beacon's own accounts .*embedded mode.*database of its own \(config\.databaseUrl, e\.g\. /);
    expect(err.message).not.toContain('BEACON_');
    // Standalone Beacon, started from variables, still names the variable.
    await expect(createTestApp({ databaseUrl: url, hostAuth: { jwtSecret: 'host-site-secret-0123456789', jwksUrl: null, issuer: null, audience: null, idClaim: 'sub', nameClaim: 'name', adminClaim: null } })).rejects.toThrow(
      /^Invalid BEACON_DATABASE_URL: .*database of its own \(BEACON_DATABASE_URL, e\.g\. /,
    );
  });

  it('a SQLite file that cannot be opened: config.databaseUrl', async () => {
    const file = join(tempDir(), 'a-file');
    writeFileSync(file, '');
    const err = await startRefused({ databaseUrl: `sqlite:${join(file, 'beacon.db')}` });
    expect(err.message).toMatch(/^cannot open the SQLite file config\.databaseUrl names: /);
    expect(err.message).not.toContain('BEACON_');
    expect(err.cause).toBeInstanceOf(Error);
  });
});
