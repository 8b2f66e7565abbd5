import { describe, expect, it } from 'vitest';
import { checkRequestBounds, ConfigError, loadConfig } from '../../../src/server/config.js';
import { appConfig, pluginConfig } from '../../../src/server/config-options.js';

describe('config', () => {
  it('uses the contract defaults when nothing is set', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      databaseUrl: 'sqlite:./data/beacon.db',
      redisUrl: null,
      tokenTtlS: 604_800,
      rateLimits: true,
      allowedOrigins: null,
      heartbeatIntervalMs: 25_000,
      offlineGraceMs: 10_000,
      idleTimeoutMs: 300_000,
      idleProbeTimeoutMs: 60_000,
      pollSessionTtlMs: 60_000,
      admins: [],
      trustProxy: false,
      databaseTimeoutMs: 10_000,
      httpIdleTimeoutMs: 30_000,
    });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('reads every variable', () => {
    const c = loadConfig({
      BEACON_PORT: '8080',
      BEACON_DATABASE_URL: 'postgres://u@h/db',
      BEACON_REDIS_URL: 'redis://127.0.0.1:6379',
      BEACON_ADMINS: 'Alice, bob ,',
      BEACON_RATE_LIMITS: 'off',
      BEACON_ALLOWED_ORIGINS: 'https://a.example,http://localhost:5173',
      BEACON_JWT_SECRET: 'x'.repeat(32),
    });
    expect(c).toMatchObject({ port: 8080, databaseUrl: 'postgres://u@h/db', redisUrl: 'redis://127.0.0.1:6379', rateLimits: false });
    expect(c.admins).toEqual(['alice', 'bob']);
    expect(c.allowedOrigins).toEqual(['https://a.example', 'http://localhost:5173']);
  });

  it('reads a Redis Cluster as seed nodes in BEACON_REDIS_URL with BEACON_REDIS_MODE=cluster', () => {
    expect(loadConfig({}).redisMode).toBe('single');
    const c = loadConfig({ BEACON_REDIS_MODE: 'cluster', BEACON_REDIS_URL: 'redis://10.0.0.1:7001, redis://:secret@10.0.0.2:7002' });
    expect(c).toMatchObject({ redisMode: 'cluster', redisUrl: 'redis://10.0.0.1:7001,redis://:secret@10.0.0.2:7002' });
    // One seed is enough: the client learns the other primaries from it.
    expect(loadConfig({ BEACON_REDIS_MODE: 'cluster', BEACON_REDIS_URL: 'rediss://r.example:6380' }).redisUrl).toBe('rediss://r.example:6380');
  });

  it.each([
    [{ BEACON_REDIS_MODE: 'sharded', BEACON_REDIS_URL: 'redis://h:1' }, 'BEACON_REDIS_MODE', 'single or cluster'],
    [{ BEACON_REDIS_MODE: 'cluster' }, 'BEACON_REDIS_MODE', 'seed nodes'],
    [{ BEACON_REDIS_URL: 'redis://a:7001,redis://b:7002' }, 'BEACON_REDIS_URL', 'BEACON_REDIS_MODE=cluster'],
    [{ BEACON_REDIS_MODE: 'cluster', BEACON_REDIS_URL: 'redis://a:7001/2' }, 'BEACON_REDIS_URL', 'no database number'],
    [{ BEACON_REDIS_MODE: 'cluster', BEACON_REDIS_URL: 'redis://a:7001,http://b:7002' }, 'BEACON_REDIS_URL', 'http://b:7002'],
  ])('refuses a Redis setting that cannot work: %j', (env, variable, says) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(variable);
    expect(() => loadConfig(env)).toThrow(says);
  });

  it('trusts no proxy by default, any with on, or the listed addresses', () => {
    expect(loadConfig({ BEACON_TRUST_PROXY: 'on' }).trustProxy).toBe(true);
    expect(loadConfig({ BEACON_TRUST_PROXY: '10.0.0.1, 10.1.0.0/16' }).trustProxy).toEqual(['10.0.0.1', '10.1.0.0/16']);
  });

  it.each([
    ['BEACON_PORT', 'abc'],
    ['BEACON_PORT', '70000'],
    ['BEACON_DATABASE_URL', 'mysql://x'],
    ['BEACON_DATABASE_URL', 'postgres://u@h/db?sslmode=bogus'],
    ['BEACON_REDIS_URL', 'http://x'],
    ['BEACON_RATE_LIMITS', 'maybe'],
    ['BEACON_JWT_SECRET', 'short'],
    ['BEACON_OFFLINE_GRACE_MS', '-5'],
    ['BEACON_ALLOWED_ORIGINS', 'not an origin'],
    ['BEACON_LOG_LEVEL', 'loud'],
    ['BEACON_TRUST_PROXY', 'the-proxy'],
    ['BEACON_REDIS_PREFIX', 'has spaces'],
  ])('stops with a message naming %s when it is %j', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });

  it.each(['', '   ', '\t\n'])('refuses BEACON_DATABASE_URL set but empty (%j) rather than fall back to a local SQLite file', (value) => {
    let message = '';
    try {
      loadConfig({ BEACON_DATABASE_URL: value });
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      message = (err as Error).message;
    }
    expect(message).toBe(
      'Invalid BEACON_DATABASE_URL: set but empty; unset it to use the embedded SQLite default (sqlite:./data/beacon.db), or give a sqlite:<path> or postgres://… URL',
    );
    // Unset still means the embedded default, and an empty BEACON_REDIS_URL still means no Redis.
    expect(loadConfig({ BEACON_REDIS_URL: '' })).toMatchObject({ databaseUrl: 'sqlite:./data/beacon.db', redisUrl: null });
  });

  it.each([
    ['BEACON_JWT_SECRET', /set but empty; unset it to have one generated and kept in the database/],
    ['BEACON_SERVICE_TOKEN', /set but empty; unset it to refuse game events/],
    ['BEACON_METRICS_TOKEN', /set but empty; unset it to refuse every scrape/],
    ['BEACON_AUTH_JWT_SECRET', /set but empty; unset it to run standalone/],
    ['BEACON_AUTH_JWKS_URL', /set but empty; unset it to run standalone/],
    ['BEACON_VAPID_PUBLIC_KEY', /set but empty; unset both VAPID keys/],
    ['BEACON_VAPID_PRIVATE_KEY', /set but empty; unset both VAPID keys/],
  ])('refuses %s set but blank, as a template that expanded to nothing, rather than run as if unset', (name, says) => {
    for (const value of ['', '  ', '\n']) {
      let err: unknown;
      try {
        loadConfig({ [name]: value });
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(value)).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).message).toMatch(new RegExp(`^Invalid ${name}: `));
      expect((err as ConfigError).message).toMatch(says);
    }
  });

  it('takes a plugin option of null as unset, and a blank one as the variable set blank', () => {
    expect(pluginConfig({ jwtSecret: null, serviceToken: null, metricsToken: null, vapid: null })).toMatchObject({ jwtSecret: null, serviceToken: null, metricsToken: null, vapid: null });
    expect(() => pluginConfig({ serviceToken: ' ' })).toThrow(/^Invalid config\.serviceToken: set but empty/);
  });

  it('answers a request on a hung PostgreSQL before the HTTP idle timeout: the database timeout must stay below half of it', () => {
    const pg = 'postgres://beacon:pw@db.internal/beacon';
    const refusal = (env: Record<string, string>) => {
      try {
        checkRequestBounds(loadConfig({ BEACON_DATABASE_URL: pg, ...env }));
        return null;
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
      }
    };
    // The defaults pass: a request fails with 503 at 10 s (20 s at worst) before the idle timeout's 30 s.
    expect(refusal({})).toBeNull();
    expect(refusal({ BEACON_DATABASE_TIMEOUT_MS: '14999' })).toBeNull();
    expect(refusal({ BEACON_DATABASE_TIMEOUT_MS: '30000' })).toBe(
      'Invalid BEACON_DATABASE_TIMEOUT_MS: 30000 ms is not below half of BEACON_HTTP_IDLE_TIMEOUT_MS (30000 ms): a request on a database that stopped answering waits up to that long for a connection and as long again for its query, and the HTTP idle timeout would close its connection first, with no answer instead of 503; set BEACON_DATABASE_TIMEOUT_MS below 15000 or BEACON_HTTP_IDLE_TIMEOUT_MS above 60000',
    );
    expect(refusal({ BEACON_DATABASE_TIMEOUT_MS: '15000' })).toMatch(/BEACON_HTTP_IDLE_TIMEOUT_MS above 30000$/);
    expect(refusal({ BEACON_HTTP_IDLE_TIMEOUT_MS: '5000' })).toMatch(/^Invalid BEACON_DATABASE_TIMEOUT_MS: 10000 ms is not below half of BEACON_HTTP_IDLE_TIMEOUT_MS \(5000 ms\)/);
    expect(refusal({ BEACON_DATABASE_TIMEOUT_MS: '8000', BEACON_HTTP_IDLE_TIMEOUT_MS: '5000' })).not.toBeNull();
    // SQLite has no database timeout to compare.
    expect(() => checkRequestBounds(loadConfig({ BEACON_HTTP_IDLE_TIMEOUT_MS: '1000' }))).not.toThrow();
    // buildApp's config is standalone Beacon's, named as options; the plugin's is a host server's, with its own timeouts.
    const inCode = { ...loadConfig({ BEACON_DATABASE_URL: pg }), databaseTimeoutMs: 20_000 };
    expect(() => appConfig(inCode)).toThrow(/^Invalid config\.databaseTimeoutMs: 20000 ms is not below half of config\.httpIdleTimeoutMs \(30000 ms\)/);
    expect(pluginConfig({ databaseUrl: pg, databaseTimeoutMs: 20_000 }).databaseTimeoutMs).toBe(20_000);
  });

  it('refuses an sslmode pg does not know (it would take it as TLS on, and fail the start in its own words)', () => {
    expect(() => loadConfig({ BEACON_DATABASE_URL: 'postgres://u:pw-7Qx@h/db?schema=s&sslmode=bogus' })).toThrow(
      'Invalid BEACON_DATABASE_URL: sslmode must be one of disable, prefer, require, verify-ca, verify-full, no-verify, got "bogus"',
    );
    for (const mode of ['disable', 'require', 'verify-full', 'no-verify']) expect(loadConfig({ BEACON_DATABASE_URL: `postgres://u@h/db?sslmode=${mode}` }).databaseUrl).toContain(mode);
  });

  it('drops the line break a token read from a file ends with: no header can carry it, and no scrape or game event could match', () => {
    const token = 'scrape-me-0123456789';
    const config = loadConfig({ BEACON_METRICS_TOKEN: `${token}\n`, BEACON_SERVICE_TOKEN: `  ${token}-svc\r\n` });
    expect(config.metricsToken).toBe(token);
    expect(config.serviceToken).toBe(`${token}-svc`);
  });

  it('never repeats the credentials of a refused URL in its message (stderr goes to the logs)', () => {
    const refused = [
      { BEACON_DATABASE_URL: 'mysql://beacon:db-pass-7Qx@10.0.0.5:3306/beacon' },
      { BEACON_REDIS_URL: 'http://:redis-pass-7Qx@10.0.0.6:6379' },
      { BEACON_REDIS_MODE: 'cluster', BEACON_REDIS_URL: 'redis://:redis-pass-7Qx@10.0.0.6:6379/2' },
      { BEACON_AUTH_JWKS_URL: 'ftp://user:jwks-pass-7Qx@idp.example/keys' },
    ];
    for (const env of refused) {
      let message = '';
      try {
        loadConfig(env);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        message = (err as Error).message;
      }
      expect(message).toMatch(/10\.0\.0\.|idp\.example/);
      expect(message).not.toMatch(/pass-7Qx|beacon:/);
    }
  });
});
