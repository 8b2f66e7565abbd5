import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/server/config.js';
import { pluginConfig } from '../../../src/server/config-options.js';

const SECRET = 'host-secret-0123456789';

/** What loading these settings throws (null when they load). */
function configErrorOf(env: Record<string, string>): unknown {
  try {
    loadConfig(env);
    return null;
  } catch (err) {
    return err;
  }
}

describe('config for embedded and sidecar modes', () => {
  it('is standalone with no host auth and no CORS by default', () => {
    const c = loadConfig({});
    expect(c.hostAuth).toBeNull();
    expect(c.corsOrigins).toEqual([]);
  });

  it('reads the host JWT settings with their default claims', () => {
    expect(loadConfig({ BEACON_AUTH_JWT_SECRET: SECRET }).hostAuth).toEqual({
      jwtSecret: SECRET,
      jwtPreviousSecret: null,
      jwksUrl: null,
      issuer: null,
      audience: null,
      idClaim: 'sub',
      nameClaim: 'name',
      adminClaim: null,
    });
    const jwks = loadConfig({ BEACON_AUTH_JWKS_URL: 'https://id.example/.well-known/jwks.json', BEACON_AUTH_ISSUER: 'https://id.example', BEACON_AUTH_AUDIENCE: 'beacon', BEACON_AUTH_ID_CLAIM: 'uid', BEACON_AUTH_ADMIN_CLAIM: 'is_admin' });
    expect(jwks.hostAuth).toMatchObject({ jwtSecret: null, issuer: 'https://id.example', audience: 'beacon', idClaim: 'uid', adminClaim: 'is_admin' });
  });

  it('refuses ambiguous or unsafe host auth and CORS settings, naming the variable', () => {
    const bad: Array<[Record<string, string>, string]> = [
      [{ BEACON_AUTH_JWT_SECRET: SECRET, BEACON_AUTH_JWKS_URL: 'https://id.example/jwks' }, 'BEACON_AUTH_JWKS_URL'],
      [{ BEACON_AUTH_JWT_SECRET: 'short' }, 'BEACON_AUTH_JWT_SECRET'],
      [{ BEACON_AUTH_JWKS_URL: 'file:///etc/keys' }, 'BEACON_AUTH_JWKS_URL'],
      [{ BEACON_AUTH_JWT_SECRET: SECRET, BEACON_AUTH_ID_CLAIM: 'a b' }, 'BEACON_AUTH_ID_CLAIM'],
      [{ BEACON_CORS_ORIGINS: '*' }, 'BEACON_CORS_ORIGINS'],
      [{ BEACON_CORS_ORIGINS: 'https://*.example.com' }, 'BEACON_CORS_ORIGINS'],
      [{ BEACON_CORS_ORIGINS: 'https://site.example/path' }, 'BEACON_CORS_ORIGINS'],
    ];
    for (const [env, variable] of bad) {
      const error = configErrorOf(env);
      expect(error, JSON.stringify(env)).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).variable).toBe(variable);
    }
    expect(loadConfig({ BEACON_CORS_ORIGINS: 'https://Pong.example, http://localhost:5173' }).corsOrigins).toEqual(['https://pong.example', 'http://localhost:5173']);
  });

  it('says what is wrong with an origin: a trailing slash, a path, a wildcard', () => {
    const said = (variable: string, value: string) => (configErrorOf({ [variable]: value }) as ConfigError).message;
    for (const variable of ['BEACON_CORS_ORIGINS', 'BEACON_ALLOWED_ORIGINS']) {
      expect(said(variable, 'https://pong.example/')).toMatch(/"https:\/\/pong\.example\/" must not end with a slash: write https:\/\/pong\.example/);
      expect(said(variable, 'https://pong.example/app')).toMatch(/"https:\/\/pong\.example\/app" has a path: an origin is the scheme and host only, such as https:\/\/pong\.example/);
      expect(said(variable, 'pong.example')).toMatch(/"pong\.example" is not an origin like https:\/\/example\.com/);
    }
    expect(said('BEACON_CORS_ORIGINS', 'https://*.pong.example')).toMatch(/has a wildcard: CORS here carries the bearer token, so name each origin/);
  });

  it('refuses sidecar settings without the secret or JWKS they go with (a misspelt secret must not start standalone with open registration)', () => {
    const missing: Array<[Record<string, string>, string, RegExp]> = [
      [{ BEACON_AUTH_ISSUER: 'https://pong.example' }, 'BEACON_AUTH_JWT_SECRET', /BEACON_AUTH_ISSUER is set.*BEACON_AUTH_JWKS_URL/],
      [{ BEACON_AUTH_AUDIENCE: 'beacon' }, 'BEACON_AUTH_JWT_SECRET', /BEACON_AUTH_AUDIENCE is set/],
      [{ BEACON_AUTH_ISSUER: 'https://pong.example', BEACON_AUTH_AUDIENCE: 'beacon', BEACON_AUTH_ID_CLAIM: 'uid' }, 'BEACON_AUTH_JWT_SECRET', /BEACON_AUTH_ISSUER is set/],
      [{ BEACON_AUTH_ADMIN_CLAIM: 'is_admin' }, 'BEACON_AUTH_JWT_SECRET', /BEACON_AUTH_ADMIN_CLAIM is set/],
      // The secret's own name misspelt: named as not a setting, whatever else is set.
      [{ BEACON_AUTH_JWT_SECERT: SECRET, BEACON_AUTH_ISSUER: 'https://pong.example' }, 'BEACON_AUTH_JWT_SECERT', /not a Beacon setting.*BEACON_AUTH_JWT_SECRET/],
      [{ BEACON_AUTH_JWKS: 'https://id.example/jwks' }, 'BEACON_AUTH_JWKS', /not a Beacon setting/],
    ];
    for (const [env, variable, message] of missing) {
      const error = configErrorOf(env);
      expect(error, JSON.stringify(env)).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).variable, JSON.stringify(env)).toBe(variable);
      expect((error as ConfigError).message).toMatch(message);
    }
    // A blank issuer or audience counts as unset (a blank key or token is refused: config.test.ts).
    expect(loadConfig({ BEACON_AUTH_ISSUER: '', BEACON_AUTH_AUDIENCE: ' ' }).hostAuth).toBeNull();
    expect(loadConfig({ BEACON_AUTH_JWT_SECRET: SECRET, BEACON_AUTH_ISSUER: 'https://pong.example' }).hostAuth).toMatchObject({ issuer: 'https://pong.example' });
  });

  it('takes the previous HS256 secret beside the current one, for a rotation, and refuses it alone, with a JWKS, blank or short', () => {
    const PREVIOUS = 'host-previous-secret-0123456789';
    expect(loadConfig({ BEACON_AUTH_JWT_SECRET: SECRET, BEACON_AUTH_JWT_PREVIOUS_SECRET: PREVIOUS }).hostAuth).toMatchObject({ jwtSecret: SECRET, jwtPreviousSecret: PREVIOUS });
    const bad: Array<[Record<string, string>, RegExp]> = [
      [{ BEACON_AUTH_JWT_PREVIOUS_SECRET: PREVIOUS }, /only taken beside BEACON_AUTH_JWT_SECRET/],
      [{ BEACON_AUTH_JWKS_URL: 'https://id.example/jwks', BEACON_AUTH_JWT_PREVIOUS_SECRET: PREVIOUS }, /only taken beside BEACON_AUTH_JWT_SECRET.*BEACON_AUTH_JWKS_URL/],
      [{ BEACON_AUTH_JWT_SECRET: SECRET, BEACON_AUTH_JWT_PREVIOUS_SECRET: 'short' }, /at least 16 characters/],
      [{ BEACON_AUTH_JWT_SECRET: SECRET, BEACON_AUTH_JWT_PREVIOUS_SECRET: ' ' }, /set but empty; unset it once no token signed with the previous secret is left/],
    ];
    for (const [env, message] of bad) {
      const error = configErrorOf(env);
      expect(error, JSON.stringify(env)).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).variable, JSON.stringify(env)).toBe('BEACON_AUTH_JWT_PREVIOUS_SECRET');
      expect((error as ConfigError).message).toMatch(message);
      // Nothing of a secret is said.
      expect((error as ConfigError).message).not.toContain(PREVIOUS);
    }
    // The plugin's option is read the same way, and named as an option.
    expect(pluginConfig({ hostAuth: { jwtSecret: SECRET, jwtPreviousSecret: PREVIOUS, jwksUrl: null, issuer: null, audience: null, idClaim: 'sub', nameClaim: 'name', adminClaim: null } }).hostAuth).toMatchObject({ jwtPreviousSecret: PREVIOUS });
    expect(() => pluginConfig({ hostAuth: { jwtSecret: null, jwtPreviousSecret: PREVIOUS, jwksUrl: 'https://id.example/jwks', issuer: null, audience: null, idClaim: 'sub', nameClaim: 'name', adminClaim: null } })).toThrow(
      /^Invalid config\.hostAuth\.jwtPreviousSecret: only taken beside config\.hostAuth\.jwtSecret/,
    );
  });
});
