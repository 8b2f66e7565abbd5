/**
 * Settings by name: a misspelt BEACON_* variable is reported (the server logs a warning naming
 * the setting it likely meant) instead of leaving its setting at the default without a word,
 * and the list of settings is the one loadConfig reads and README's table documents. Also the
 * values an outside test found stopping the start without naming their variable, or passing.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, SETTINGS, loadConfig, unknownSettings } from '../../../src/server/config.js';

describe('setting names', () => {
  it('reports BEACON_* names that are no setting, with the one likely meant; tool variables are not reported', () => {
    const env = { BEACON_RATE_LIMIT: 'off', BEACON_METRIC_TOKEN: 'x', BEACON_PORT: '3000', BEACON_CHROMIUM: '/usr/bin/chromium', BEACON_QUUX: '1', OTHER: '1' };
    expect(unknownSettings(env)).toEqual([
      { name: 'BEACON_METRIC_TOKEN', meant: 'BEACON_METRICS_TOKEN' },
      { name: 'BEACON_QUUX', meant: null },
      { name: 'BEACON_RATE_LIMIT', meant: 'BEACON_RATE_LIMITS' },
    ]);
    expect(unknownSettings({ BEACON_PORT: '1', BEACON_TEST_DIALECTS: 'sqlite' })).toEqual([]);
  });

  it('knows every variable loadConfig reads, and README documents each of them', () => {
    const read = new Set<string>();
    const recording = new Proxy({ BEACON_AUTH_JWT_SECRET: 'host-secret-0123456789', BEACON_REDIS_URL: 'redis://127.0.0.1:6379', BEACON_VAPID_PUBLIC_KEY: 'x', BEACON_VAPID_PRIVATE_KEY: 'y' } as Record<string, string>, {
      get(target, key) {
        if (typeof key === 'string') read.add(key);
        return target[key as string];
      },
    });
    try {
      loadConfig(recording);
    } catch {
      // The VAPID pair is not a real key: its check comes after every other read.
    }
    expect([...read].filter((n) => n.startsWith('BEACON_') && !SETTINGS.has(n))).toEqual([]);
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const documented = new Set([...readme.matchAll(/^\| `(BEACON_[A-Z0-9_]+)`(?: \/ `(BEACON_[A-Z0-9_]+)`)?/gm)].flatMap((m) => [m[1], m[2]]).filter((n): n is string => n !== undefined));
    expect([...SETTINGS].filter((n) => !documented.has(n) && !readme.includes(`\`${n}\``))).toEqual([]);
    // What README documents is a setting, or a variable of Beacon's tools (not reported either).
    expect([...documented].filter((n) => unknownSettings({ [n]: 'x' }).length > 0)).toEqual([]);
  });
});

describe('values that used to pass or stop the start without naming their variable', () => {
  const refused = (env: Record<string, string>, name: string, message: RegExp) => {
    let err: unknown;
    try {
      loadConfig(env);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toContain(name);
    expect((err as ConfigError).message).toMatch(message);
  };

  it('refuses a trusted proxy that is no IP address or range', () => {
    refused({ BEACON_TRUST_PROXY: '999.1.1.1' }, 'BEACON_TRUST_PROXY', /not an IP address or CIDR range/);
    refused({ BEACON_TRUST_PROXY: '10.0.0.1, 1.2.3.4/99' }, 'BEACON_TRUST_PROXY', /1\.2\.3\.4\/99/);
    // Fastify refuses a /0 at start (its proxy-addr): refused here, naming the variable.
    refused({ BEACON_TRUST_PROXY: '0.0.0.0/0' }, 'BEACON_TRUST_PROXY', /0\.0\.0\.0\/0/);
    refused({ BEACON_TRUST_PROXY: '::/0' }, 'BEACON_TRUST_PROXY', /::\/0/);
    expect(loadConfig({ BEACON_TRUST_PROXY: '10.0.0.1, 10.0.0.0/8, ::1, fd00::/8' }).trustProxy).toEqual(['10.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8']);
  });

  it('refuses a host that is blank or padded', () => {
    refused({ BEACON_HOST: ' ' }, 'BEACON_HOST', /without spaces/);
    refused({ BEACON_HOST: ' 0.0.0.0' }, 'BEACON_HOST', /without spaces/);
  });

  it('refuses a secret made long by spaces around it, and takes the rest byte for byte as before', () => {
    refused({ BEACON_JWT_SECRET: `${' '.repeat(15)}x` }, 'BEACON_JWT_SECRET', /16 characters, not counting spaces/);
    refused({ BEACON_METRICS_TOKEN: 'short-token\n\n\n\n\n\n' }, 'BEACON_METRICS_TOKEN', /16 characters/);
    // A signing secret from a file keeps its line break (tokens were signed with it); a token sent in a
    // header loses it (no header carries one: config.test.ts); spaces inside count.
    expect(loadConfig({ BEACON_JWT_SECRET: 'k8s-secret-0123456789abcdef\n' }).jwtSecret).toBe('k8s-secret-0123456789abcdef\n');
    expect(loadConfig({ BEACON_SERVICE_TOKEN: 'k8s-secret-0123456789abcdef\n' }).serviceToken).toBe('k8s-secret-0123456789abcdef');
    expect(loadConfig({ BEACON_JWT_SECRET: 'correct horse bat' }).jwtSecret).toBe('correct horse bat');
  });
});
