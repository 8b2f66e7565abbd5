/** The log of refused upgrades (pending-auth.ts): at most a line a second, and no refusal left unlogged. */
import type { FastifyBaseLogger } from 'fastify';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RefusalLog } from '../../../src/server/realtime/pending-auth.js';

describe('RefusalLog', () => {
  const lines: Array<{ address: string; refused: number; addresses?: number }> = [];
  const log = {
    warn: (obj: { address: string; refused: number; addresses?: number }) => lines.push({ address: obj.address, refused: obj.refused, ...(obj.addresses ? { addresses: obj.addresses } : {}) }),
  } as unknown as FastifyBaseLogger;
  beforeEach(() => {
    vi.useFakeTimers();
    lines.length = 0;
  });
  afterEach(() => vi.useRealTimers());

  it('logs the first refusal at once and the rest of its second together when the second ends', () => {
    const refusals = new RefusalLog();
    refusals.refused(log, '10.0.0.1', 256);
    expect(lines).toEqual([{ address: '10.0.0.1', refused: 1 }]);
    for (let i = 0; i < 40; i++) refusals.refused(log, '10.0.0.1', 256);
    refusals.refused(log, '10.0.0.2', 256);
    refusals.refused(log, '10.0.0.2', 256);
    vi.advanceTimersByTime(999);
    expect(lines).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(lines).toEqual([
      { address: '10.0.0.1', refused: 1 },
      { address: '10.0.0.1', refused: 42, addresses: 2 }, // the address refused most, and how many there were
    ]);
    // A quiet second: nothing more to say.
    vi.advanceTimersByTime(5_000);
    expect(lines).toHaveLength(2);
    // The next flood starts again with a line at once.
    refusals.refused(log, '10.0.0.3', 256);
    expect(lines.at(-1)).toEqual({ address: '10.0.0.3', refused: 1 });
  });

  it('keeps to one line a second through a long flood', () => {
    const refusals = new RefusalLog();
    for (let ms = 0; ms < 10_000; ms += 10) {
      refusals.refused(log, '10.0.0.1', 256);
      vi.advanceTimersByTime(10);
    }
    vi.advanceTimersByTime(1_000);
    expect(lines.length).toBeGreaterThanOrEqual(10);
    expect(lines.length).toBeLessThanOrEqual(11);
    expect(lines.reduce((sum, l) => sum + l.refused, 0)).toBe(1_000);
  });
});
