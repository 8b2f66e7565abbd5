/**
 * A config for tests: defaults, an in-memory database, and the given overrides, as they are:
 * tests go past what an operator may set. buildApp would refuse such values; createTestApp
 * (app.ts) builds with buildAppUnchecked, and createServices takes a config as it is.
 */
import { loadConfig, type Config } from '../../src/server/config.js';

export function testConfig(overrides: Partial<Config> = {}): Readonly<Config> {
  // No grace stretch: a busy test process must not look like a saturated server to timing tests.
  const base = loadConfig({ BEACON_DATABASE_URL: 'sqlite::memory:', BEACON_LOG_LEVEL: 'silent', BEACON_WEB_ROOT: 'off', BEACON_GRACE_STRETCH: '1' });
  return Object.freeze({ ...base, jwtSecret: 'test-secret-0123456789abcdef', ...overrides });
}
