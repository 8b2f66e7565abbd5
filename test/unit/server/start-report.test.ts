import { describe, expect, it } from 'vitest';
import type { FastifyBaseLogger } from 'fastify';
import { testConfig } from '../../helpers/config.js';
import { databaseName, reportStart } from '../../../src/server/start-report.js';

function capture(): { log: FastifyBaseLogger; lines: Array<[Record<string, unknown>, string]> } {
  const lines: Array<[Record<string, unknown>, string]> = [];
  const info = (a: unknown, b?: unknown) => lines.push(typeof a === 'string' ? [{}, a] : [a as Record<string, unknown>, String(b)]);
  return { log: { info } as unknown as FastifyBaseLogger, lines };
}

describe('the start report', () => {
  it('names a server database without its credentials, and a SQLite file by its full path', () => {
    expect(databaseName('postgres://beacon:s3cret@db.internal:5432/beacon?schema=site')).toBe('postgres://***@db.internal:5432/beacon?schema=site');
    expect(databaseName('sqlite:data/beacon.db')).toBe(`sqlite:${process.cwd()}/data/beacon.db`);
    expect(databaseName('sqlite::memory:')).toBe('sqlite::memory:');
  });

  it('says a database was opened, migrated or not, and how instances share state, never with a password', () => {
    const { log, lines } = capture();
    const config = testConfig({ databaseUrl: 'postgres://beacon:s3cret@db:5432/beacon', redisUrl: 'redis://:hunter2@cache:6379/2', redisPrefix: 'site' });
    reportStart(log, config, { migrations: ['016-visibility-before-hidden', '017-id-counters'], generatedJwtSecret: false });
    reportStart(log, config, { migrations: [], generatedJwtSecret: false });
    expect(lines.map(([, msg]) => msg)).toEqual([
      'database opened and migrated: postgres://***@db:5432/beacon (016-visibility-before-hidden, 017-id-counters)',
      'sharing state with other instances over Redis: redis://***@cache:6379/2, keys under "site:"',
      'database opened: postgres://***@db:5432/beacon',
      'sharing state with other instances over Redis: redis://***@cache:6379/2, keys under "site:"',
    ]);
    expect(JSON.stringify(lines)).not.toMatch(/s3cret|hunter2/);
  });
});
