/**
 * The plugin's `config` option is checked by loadConfig's own rules (one path): a setting the
 * BEACON_* variable would refuse is refused at registration, with loadConfig's message naming
 * the option (`config.serviceToken`) rather than the variable.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { beacon, buildApp, ConfigError, loadConfig, type Config } from '../../src/server/index.js';
import { createTestApp } from '../helpers/app.js';
import { testConfig } from '../helpers/config.js';
import { MemoryHost } from '../helpers/memory-host.js';

let apps: FastifyInstance[] = [];
afterEach(async () => {
  for (const a of apps) await a.close().catch(() => {});
  apps = [];
});

async function register(config: Partial<Config>): Promise<FastifyInstance> {
  const host = new MemoryHost();
  const app = Fastify();
  apps.push(app);
  await app.register(beacon, { identity: host.identity, friends: host.friends, config: { databaseUrl: 'sqlite::memory:', logLevel: 'silent', ...config } });
  await app.ready();
  return app;
}

async function refusal(config: Partial<Config>): Promise<ConfigError> {
  const err: unknown = await register(config).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  return err as ConfigError;
}

describe('the plugin config option', () => {
  it.each([
    ['serviceToken', { serviceToken: 'abc' }, /^Invalid config\.serviceToken: must be at least 16 characters/],
    ['corsOrigins', { corsOrigins: ['https://a.example/'] }, /^Invalid config\.corsOrigins: "https:\/\/a\.example\/" must not end with a slash: write https:\/\/a\.example$/],
    ['offlineGraceMs', { offlineGraceMs: -5 }, /^Invalid config\.offlineGraceMs: expected a whole number, got "-5"/],
    ['offlineGraceMs', { offlineGraceMs: 2 * 3_600_000 }, /^Invalid config\.offlineGraceMs: must be between 0 and 3600000, got 7200000/],
    ['databaseUrl', { databaseUrl: './beacon.db' }, /^Invalid config\.databaseUrl: expected sqlite:<path>, sqlite::memory: or postgres:\/\/…, got "\.\/beacon\.db"/],
    ['databaseUrl', { databaseUrl: 'mysql://x' }, /^Invalid config\.databaseUrl: expected sqlite:<path>/],
    ['rateLimits', { rateLimits: 'maybe' as unknown as boolean }, /^Invalid config\.rateLimits: expected on or off, got "maybe"/],
    ['logLevel', { logLevel: 'loud' as Config['logLevel'] }, /^Invalid config\.logLevel: expected one of fatal, error/],
  ])('refuses a bad %s with the message loadConfig gives, naming the option', async (option, config, message) => {
    const err = await refusal(config);
    expect(err.variable).toBe(`config.${option}`);
    expect(err.message).toMatch(message);
  });

  it('names options inside an object, and options in a reason, by their paths', async () => {
    const err = await refusal({ hostAuth: { jwtSecret: 'short', jwksUrl: null, issuer: null, audience: null, idClaim: 'sub', nameClaim: 'name', adminClaim: null } });
    expect(err.message).toBe('Invalid config.hostAuth.jwtSecret: must be at least 16 characters, not counting spaces or line breaks at its start or end');
    const cluster = await refusal({ redisMode: 'cluster' });
    expect(cluster.message).toMatch(/^Invalid config\.redisMode: cluster mode needs the seed nodes in config\.redisUrl/);
    const seeds = await refusal({ redisUrl: 'redis://a:6379,redis://b:6379' });
    expect(seeds.message).toBe("Invalid config.redisUrl: several URLs are seed nodes of a Redis Cluster: set config.redisMode: 'cluster'");
  });

  it('takes good settings as loadConfig reads them (a token trimmed, origins lower-cased)', async () => {
    const app = await register({ serviceToken: ' service-token-0123456789\n', corsOrigins: ['https://A.example'], offlineGraceMs: 0, trustProxy: ['10.0.0.0/8'] });
    const config = app.beacon.services.config;
    expect(config.serviceToken).toBe('service-token-0123456789');
    expect(config.corsOrigins).toEqual(['https://a.example']);
    expect(config.offlineGraceMs).toBe(0);
    expect(config.trustProxy).toEqual(['10.0.0.0/8']);
    expect(config.webRoot).toBeNull();
  });

  it('takes a whole config from loadConfig as it is', async () => {
    const env = {
      BEACON_DATABASE_URL: 'sqlite::memory:',
      BEACON_LOG_LEVEL: 'silent',
      BEACON_SERVICE_TOKEN: 'service-token-0123456789',
      BEACON_CORS_ORIGINS: 'https://a.example,https://b.example',
      BEACON_ALLOWED_ORIGINS: '*',
      BEACON_ADMINS: 'ada,bob',
      BEACON_TRUST_PROXY: 'on',
      BEACON_AUTH_JWT_SECRET: 'jwt-secret-0123456789',
      BEACON_AUTH_ISSUER: 'https://site.example',
      BEACON_AUTH_ADMIN_CLAIM: 'admin',
      BEACON_WEB_ROOT: 'off',
      BEACON_RATE_LIMITS: 'off',
    };
    const app = Fastify();
    apps.push(app);
    await app.register(beacon, { config: loadConfig(env) });
    await app.ready();
    expect(app.beacon.services.config).toEqual(loadConfig(env));
  });

  it('warns of a name that is no option (misspelt?), naming the one it likely meant', async () => {
    const lines: Array<{ msg: string }> = [];
    const app = Fastify({ logger: { level: 'warn', stream: { write: (line: string) => lines.push(JSON.parse(line)) } } });
    apps.push(app);
    const host = new MemoryHost();
    await app.register(beacon, { identity: host.identity, friends: host.friends, config: { databaseUrl: 'sqlite::memory:', logLevel: 'silent', serviceTokn: 'service-token-0123456789' } as Partial<Config> });
    await app.ready();
    expect(lines.map((l) => l.msg)).toContain('config.serviceTokn is not a Beacon setting and is ignored (did you mean config.serviceToken?)');
  });

  it('warns of a field of Beacon\'s own server given to the plugin (it is ignored there), saying what to set instead; not of one loadConfig carries unchanged', async () => {
    const warned = async (config: Partial<Config>) => {
      const lines: Array<{ msg: string }> = [];
      const app = Fastify({ logger: { level: 'warn', stream: { write: (line: string) => lines.push(JSON.parse(line)) } } });
      apps.push(app);
      const host = new MemoryHost();
      await app.register(beacon, { identity: host.identity, friends: host.friends, config });
      await app.ready();
      return lines.map((l) => l.msg).filter((m) => m.includes('ignored by the plugin'));
    };
    // An adopter's guess: Beacon quieter, on its own port, behind a proxy.
    expect(await warned({ databaseUrl: 'sqlite::memory:', logLevel: 'silent', port: 8080, trustProxy: true, webRoot: 'public' })).toEqual([
      "config.port applies to Beacon's own server only (buildApp) and is ignored by the plugin: where Beacon answers is your site's own listen()",
      "config.logLevel applies to Beacon's own server only (buildApp) and is ignored by the plugin: Beacon logs through your Fastify's logger: set its level there",
      "config.webRoot applies to Beacon's own server only (buildApp) and is ignored by the plugin: the plugin serves no web app",
      "config.trustProxy applies to Beacon's own server only (buildApp) and is ignored by the plugin: set your Fastify's own trustProxy option",
    ]);
    // The documented `{ ...loadConfig(), ... }` with an environment that sets none of them.
    expect(await warned({ ...loadConfig({}), databaseUrl: 'sqlite::memory:' })).toEqual([]);
  });

  it('keeps an empty allowedOrigins (no page origin may open a socket), which no variable can say', async () => {
    const app = await register({ allowedOrigins: [] });
    expect(app.beacon.services.config.allowedOrigins).toEqual([]);
  });
});

/*
 * buildApp(config) took the config object as it was: `offlineGraceMs: -5` or `rateLimits: 'maybe'`
 * written in code started an app that misbehaved later (a negative grace, rate limits on for a
 * truthy string). Now it checks the object by the same rules as the plugin option (loadConfig's),
 * refusing a bad field with a ConfigError naming it, before anything is made.
 */
describe('buildApp(config)', () => {
  const base = (): Config => ({ ...loadConfig({ BEACON_DATABASE_URL: 'sqlite::memory:', BEACON_LOG_LEVEL: 'silent', BEACON_WEB_ROOT: 'off' }) });
  const build = async (config: Config) => {
    const app = await buildApp(config);
    apps.push(app);
    await app.ready();
    return app;
  };

  it.each([
    ['offlineGraceMs', { offlineGraceMs: -5 }, /^Invalid config\.offlineGraceMs: expected a whole number, got "-5"/],
    ['port', { port: 70_000 }, /^Invalid config\.port: must be between 0 and 65535, got 70000/],
    ['heartbeatIntervalMs', { heartbeatIntervalMs: { ms: 25_000 } as unknown as number }, /^Invalid config\.heartbeatIntervalMs: expected a whole number, got "\{/],
    ['rateLimits', { rateLimits: 'maybe' as unknown as boolean }, /^Invalid config\.rateLimits: expected on or off, got "maybe"/],
    ['serviceToken', { serviceToken: 'abc' }, /^Invalid config\.serviceToken: must be at least 16 characters/],
  ])('refuses a bad %s with the message loadConfig gives, naming the option', async (option, bad, message) => {
    const err: unknown = await build({ ...base(), ...bad }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).variable).toBe(`config.${option}`);
    expect((err as ConfigError).message).toMatch(message);
  });

  it('takes a config from loadConfig, or one changed in code within the rules, as loadConfig reads it', async () => {
    const app = await build({ ...base(), offlineGraceMs: 0, serviceToken: ' service-token-0123456789\n', admins: ['Ada'] });
    expect(app.services.config).toMatchObject({ offlineGraceMs: 0, serviceToken: 'service-token-0123456789', admins: ['ada'] });
    const plain = await build(base());
    expect(plain.services.config).toEqual(base());
  });

  it('refuses a config that is no object', async () => {
    await expect(buildApp(null as unknown as Config)).rejects.toThrow(/^Invalid config: expected an object of Beacon settings/);
  });

  /*
   * A test's config (testConfig) was taken unchecked when it was that very object, recognised
   * by identity: a copy of it was checked, and production code carried a test's exemption. Now
   * buildApp checks every config, and tests that go past an operator's limits build the app
   * with buildAppUnchecked (test/helpers/app.ts), which nothing outside the server exports.
   */
  it('checks a test’s config as any other; the tests’ own path (createTestApp) takes values past the limits', async () => {
    await expect(build({ ...testConfig(), offlineGraceMs: -5 })).rejects.toThrow(/^Invalid config\.offlineGraceMs/);
    await expect(build(testConfig({ batchWindowMs: 60_000 }))).rejects.toThrow(/^Invalid config\.batchWindowMs/);
    const t = await createTestApp({ batchWindowMs: 60_000 });
    apps.push(t.app);
    expect(t.app.services.config.batchWindowMs).toBe(60_000);
  });
});
