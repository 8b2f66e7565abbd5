/** The connection guard's start-up check: a per-address cap near the open-files limit is worth a warning. */
import http from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import { describe, expect, it } from 'vitest';
import { ConnectionGuard, openFilesLimit } from '../../../src/server/connection-guard.js';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            1024                 524288               files
Max locked memory         8388608              8388608              bytes
`;

describe('connection guard', () => {
  it('reads the soft open-files limit, or null when there is none to read', () => {
    expect(openFilesLimit(LIMITS)).toBe(1024);
    expect(openFilesLimit('')).toBeNull();
    expect(openFilesLimit(null)).toBeNull();
  });

  it('reads this process’s limit on Linux', () => {
    expect(openFilesLimit() === null).toBe(process.platform !== 'linux');
  });

  it('warns at start when the per-address cap is over a quarter of the limit, and only then', () => {
    const limit = openFilesLimit();
    expect(limit).not.toBeNull();
    const warned = (perAddress: number): number => {
      const lines: unknown[] = [];
      const log = { warn: (obj: unknown) => lines.push(obj) } as unknown as FastifyBaseLogger;
      new ConnectionGuard({ perAddress, idleTimeoutMs: 30_000, trustProxy: false }, log).install(http.createServer());
      return lines.length;
    };
    expect(warned(limit!)).toBe(1);
    expect(warned(Math.floor(limit! / 4))).toBe(0);
  });
});
