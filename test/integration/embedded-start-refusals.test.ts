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

/** What registering the plugin, embedded, with `config` and starting it throws; the site's error lines go to `lines`. */
async function startRefused(config: Partial<Config>, lines: Array<{ msg: string }> = []): Promise<Error> {
  const host = new MemoryHost();
  const site = Fastify({ logger: { level: 'error', stream: { write: (line: string) => void lines.push(JSON.parse(line)) } } });
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
    await other.heartbeat('other-instance');
    await other.putCard('other-instance', { tokenSecret: secretFingerprint('another-secret-0123456789') });

    const lines: Array<{ msg: string; variable?: string }> = [];
    const err = await startRefused({ redisUrl: REDIS_URL, redisPrefix: prefix, jwtSecret: 'the-plugin-secret-0123456789' }, lines);
    // The refusal's log line too (it named BEACON_JWT_SECRET).
    const refusal = lines.find((l) => l.msg.startsWith('refusing to start'));
    expect(refusal?.msg).toMatch(/^refusing to start: config\.jwtSecret differs from that of instance other-instance .*the same config\.jwtSecret/);
    expect(refusal?.variable).toBe('config.jwtSecret');
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

/**
 * Review finding: past its start too, the plugin's messages named BEACON_* variables a host never
 * sets (it passes options in code): the /metrics and service-token refusals' bodies, the socket
 * origin refusal's hint, the BEACON_ADMINS warning. Now they name the option in plugin mode, and
 * standalone Beacon's still name the variable.
 */
describe("the plugin's messages name its options, standalone Beacon's its variables", () => {
  /** The plugin, embedded with `config`, on a site whose warnings are collected. */
  async function embedded(config: Partial<Config> = {}, level = 'warn') {
    const lines: Array<{ msg: string; [field: string]: unknown }> = [];
    const host = new MemoryHost();
    const site = Fastify({ logger: { level, stream: { write: (line: string) => void lines.push(JSON.parse(line)) } } });
    cleanups.push(() => site.close());
    await site.register(beacon, { identity: host.identity, friends: host.friends, config: { databaseUrl: 'sqlite::memory:', rateLimits: false, ...config } }).ready();
    return { site, lines };
  }

  it('plugin mode: /metrics off, game events without a service token, a refused socket origin, an admin name with no account', async () => {
    const { site, lines } = await embedded({ allowedOrigins: ['https://game.example'], admins: ['nobody'] });
    const metrics = await site.inject({ url: '/metrics' });
    expect(metrics.statusCode).toBe(404);
    expect(metrics.json()).toEqual({ code: 'NOT_FOUND', message: 'Metrics are off: set config.metricsToken to enable /metrics' });
    const game = await site.inject({ method: 'POST', url: '/api/v1/games/events', payload: {} });
    expect(game.statusCode).toBe(403);
    expect(game.json()).toEqual({ code: 'FORBIDDEN', message: 'Game events are disabled: config.serviceToken is not set' });
    const socket = await site.inject({ url: '/ws/status', headers: { origin: 'https://site.example' } });
    expect(socket.statusCode).toBe(403);
    const refusal = lines.find((l) => l.msg.startsWith('websocket upgrade refused'));
    expect(refusal?.hint).toBe('add it to config.allowedOrigins (sockets) or config.corsOrigins (REST and sockets)');
    expect(lines.find((l) => /names no account/.test(l.msg))?.msg).toMatch(/^config\.admins names no account /);
    expect(JSON.stringify(lines)).not.toContain('BEACON_');
  });

  it('plugin mode, same-origin check: the hint names config.corsOrigins, config.allowedOrigins and the site\'s own trustProxy', async () => {
    const { site, lines } = await embedded();
    expect((await site.inject({ url: '/ws/status', headers: { origin: 'https://site.example' } })).statusCode).toBe(403);
    const hint = lines.find((l) => l.msg.startsWith('websocket upgrade refused'))?.hint;
    expect(hint).toContain("list the page's origin in config.corsOrigins or config.allowedOrigins");
    // Beacon's config.trustProxy is read by a server of Beacon's own only: the host's Fastify decides (review 196).
    expect(hint).toContain("name it in the site's Fastify option trustProxy");
    expect(hint).not.toContain('BEACON_');
  });

  it('plugin mode: the start report names no BEACON_* variable (alone, no Redis; a generated secret)', async () => {
    const { lines } = await embedded({}, 'info');
    expect(lines.map((l) => l.msg)).toContain('no config.redisUrl: this instance runs alone (presence and events in memory)');
    expect(lines.find((l) => l.msg.startsWith('generated a token-signing secret'))?.msg).toBe(
      'generated a token-signing secret and stored it in the database (config.jwtSecret is unset); keep the database private',
    );
    expect(JSON.stringify(lines)).not.toContain('BEACON_');
  });

  it('standalone: the same bodies name the variables', async () => {
    const t = await createTestApp();
    cleanups.push(() => t.close());
    expect((await t.app.inject({ url: '/metrics' })).json()).toEqual({ code: 'NOT_FOUND', message: 'Metrics are off: set BEACON_METRICS_TOKEN to enable /metrics' });
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/games/events', payload: {} })).json()).toEqual({ code: 'FORBIDDEN', message: 'Game events are disabled: BEACON_SERVICE_TOKEN is not set' });
  });
});
