/** Housekeeping: every delete runs on the one timer; a failing one is logged and does not stop the others. */
import { describe, expect, it } from 'vitest';
import type { FastifyBaseLogger } from 'fastify';
import { Housekeeping } from '../../../src/server/db/housekeeping.js';

function recordingLog() {
  const lines: Array<[string, string]> = [];
  const log = { info: (_o: object, msg: string) => lines.push(['info', msg]), warn: (_o: object, msg: string) => lines.push(['warn', msg]) } as unknown as FastifyBaseLogger;
  return { log, lines };
}

describe('Housekeeping', () => {
  it('hands each delete the current time, answers rows per job, and logs only what deleted something', async () => {
    const { log, lines } = recordingLog();
    const seen: number[] = [];
    const h = new Housekeeping(
      {
        a: { what: 'old a', prune: async (now) => (seen.push(now), 3) },
        b: { what: 'old b', prune: async () => 0 },
      },
      { now: () => 1234, log },
    );
    expect(await h.run()).toEqual({ a: 3, b: 0 });
    expect(seen).toEqual([1234]);
    expect(lines).toEqual([['info', 'deleted: old a']]);
  });

  it('a delete the database refuses is logged and counted 0; the next one still runs', async () => {
    const { log, lines } = recordingLog();
    const h = new Housekeeping(
      {
        a: { what: 'old a', prune: async () => Promise.reject(new Error('database is locked')) },
        b: { what: 'old b', prune: async () => 2 },
      },
      { now: () => 0, log },
    );
    expect(await h.run()).toEqual({ a: 0, b: 2 });
    expect(lines).toEqual([
      ['warn', 'not deleted (will retry within the hour): old a'],
      ['info', 'deleted: old b'],
    ]);
  });
});
