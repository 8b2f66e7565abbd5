/**
 * LastUses (auth/last-uses.ts): token checks note each login's use in memory; a flush writes the
 * uses noted since the last one in one call (one statement per 500 logins, store contract),
 * each login once with its latest use. A write the database could not take is kept for the next
 * flush; a stop writes what is left, once (a use it cannot write is lost, and said so).
 */
import { describe, expect, it } from 'vitest';
import type { FastifyBaseLogger } from 'fastify';
import { LastUses } from '../../../src/server/auth/last-uses.js';

function world() {
  const writes: Array<Record<string, number>> = [];
  let failing: Error | null = null;
  let gate: Promise<void> | null = null;
  const warnings: string[] = [];
  const fields: unknown[] = [];
  const uses = new LastUses(
    {
      recordUses: async (m) => {
        writes.push(Object.fromEntries(m));
        await gate;
        if (failing) throw failing;
      },
    },
    {
      log: {
        warn: (o: unknown, msg: string) => void (warnings.push(msg), fields.push(o)),
        error: (o: unknown, msg: string) => void (warnings.push(msg), fields.push(o)),
      } as unknown as FastifyBaseLogger,
    },
  );
  return { uses, writes, warnings, fields, fail: (e: Error | null) => void (failing = e), hold: (p: Promise<void> | null) => void (gate = p) };
}

describe('last uses of logins, written behind', () => {
  it('writes nothing when a use is noted; a flush writes every login noted once, with its latest use, in one call', async () => {
    const w = world();
    for (let i = 0; i < 50; i++) w.uses.note('phone', 1000 + i);
    w.uses.note('laptop', 2000);
    w.uses.note('laptop', 1500); // an older use noted late does not move it back
    expect(w.writes).toEqual([]);
    expect(w.uses.of('phone')).toBe(1049);
    await w.uses.flush();
    expect(w.writes).toEqual([{ phone: 1049, laptop: 2000 }]);
    expect(w.uses.of('phone')).toBeUndefined();
    // Nothing noted since: nothing written.
    await w.uses.flush();
    expect(w.writes).toHaveLength(1);
  });

  it('keeps the uses of a write the database could not take for the next flush, where a later use wins', async () => {
    const w = world();
    w.uses.note('phone', 1000);
    w.uses.note('laptop', 1000);
    w.fail(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    await w.uses.flush();
    expect(w.warnings).toEqual(['last uses of logins not written; will retry']);
    w.fail(null);
    w.uses.note('phone', 3000);
    await w.uses.flush();
    expect(w.writes.at(-1)).toEqual({ phone: 3000, laptop: 1000 });
  });

  it('at a stop, says the uses the database could not take are lost, never "will retry" (nothing retries after a stop)', async () => {
    const w = world();
    w.uses.start();
    w.uses.note('phone', 1000);
    w.uses.note('laptop', 1000);
    w.fail(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }));
    await w.uses.stop();
    expect(w.warnings).toEqual(['last uses of logins not written at the stop: database unreachable; these uses are lost']);
    expect(w.fields).toEqual([{ reason: 'connect ECONNREFUSED 127.0.0.1:5432', logins: 2 }]);
  });

  /** Phone's use is being written, to a database out of reach, when the stop begins; `release` lets that write fail. */
  async function stopDuringFailingWrite(w: ReturnType<typeof world>) {
    w.uses.start();
    let release!: () => void;
    w.hold(new Promise<void>((r) => (release = r)));
    w.fail(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }));
    w.uses.note('phone', 1000);
    const inFlight = w.uses.flush();
    await new Promise((r) => setTimeout(r, 0));
    const stopped = w.uses.stop();
    return {
      inFlight,
      stopped,
      release: () => {
        w.hold(null);
        release();
      },
    };
  }

  it('at a stop, says nothing is lost when a write in flight failed but the stop’s own write then took it (review)', async () => {
    const w = world();
    const { inFlight, stopped, release } = await stopDuringFailingWrite(w);
    // The write in flight fails after the stop began; the database is back for the stop's own.
    release();
    await inFlight;
    w.fail(null);
    await stopped;
    expect(w.writes).toEqual([{ phone: 1000 }, { phone: 1000 }]);
    expect(w.warnings).toEqual([]);
  });

  it('at a stop whose writes all fail, says so once', async () => {
    const w = world();
    const { inFlight, stopped, release } = await stopDuringFailingWrite(w);
    release();
    await Promise.all([inFlight, stopped]);
    expect(w.warnings).toEqual(['last uses of logins not written at the stop: database unreachable; these uses are lost']);
    expect(w.fields).toEqual([{ reason: 'connect ECONNREFUSED 127.0.0.1:5432', logins: 1 }]);
  });

  it('drops a write the database refused for another cause (logged)', async () => {
    const w = world();
    w.uses.note('phone', 1000);
    w.fail(new Error('syntax error'));
    await w.uses.flush();
    w.fail(null);
    await w.uses.flush();
    expect(w.writes).toEqual([{ phone: 1000 }]);
    expect(w.warnings).toEqual(['last uses of logins cannot be written; dropped']);
  });

  it('writes what is left at a stop; a flush waits for the write in flight, then writes what came since', async () => {
    const w = world();
    w.uses.start();
    let release!: () => void;
    w.hold(new Promise<void>((r) => (release = r)));
    w.uses.note('phone', 1000);
    const first = w.uses.flush();
    await new Promise((r) => setTimeout(r, 0));
    expect(w.writes).toEqual([{ phone: 1000 }]);
    // Noted while the first write runs: the next flush writes it, after the first.
    w.uses.note('phone', 2000);
    const second = w.uses.flush();
    await new Promise((r) => setTimeout(r, 0));
    expect(w.writes).toHaveLength(1);
    w.hold(null);
    release();
    await Promise.all([first, second]);
    w.uses.note('tablet', 3000);
    await w.uses.stop();
    expect(w.writes).toEqual([{ phone: 1000 }, { phone: 2000 }, { tablet: 3000 }]);
  });
});
