/**
 * A feed read's budget is CPU time of the reading thread, not wall time: on a busy machine (other
 * processes holding the cores) a valid feed was refused as "takes too long to read" (400), a
 * false statement about the user's calendar (calendar-feed.test.ts failed so in a CI run).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HARD_DEADLINE_MS } from '../../../src/server/calendar/ics-runner.js';
import { busyIntervals, MAX_READ_MS, MAX_READ_WALL_MS } from '../../../src/server/calendar/ics.js';
import { ReadBudget, threadCpuMs } from '../../../src/server/calendar/read-budget.js';

function clocks(wall: number, cpu: number | null) {
  const c = { wall, cpu, cpuReads: 0 };
  return {
    c,
    clocks: {
      wallMs: () => c.wall,
      cpuMs: () => {
        c.cpuReads++;
        return c.cpu;
      },
    },
  };
}

describe('ReadBudget', () => {
  it('is not spent while the thread was only kept waiting (wall time far past, CPU time not)', () => {
    const { c, clocks: k } = clocks(0, 5_000);
    const budget = new ReadBudget(1000, 20_000, k);
    c.wall = 10_000; // ten seconds on the wall clock...
    c.cpu = 5_000 + 300; // ...of which the thread ran 300 ms
    expect(budget.spent()).toBe(false);
    c.wall = 10_500;
    c.cpu = 5_000 + 900;
    expect(budget.spent()).toBe(false);
    c.wall = 11_000;
    c.cpu = 5_000 + 1_010 + 1;
    expect(budget.spent()).toBe(true);
  });

  it('is spent at its wall-clock cap however little CPU the thread had (the runner’s hard deadline must not answer first)', () => {
    const { c, clocks: k } = clocks(0, 0);
    const budget = new ReadBudget(1000, 2000, k);
    c.wall = 1999;
    c.cpu = 100;
    expect(budget.spent()).toBe(false);
    c.wall = 2000;
    expect(budget.spent()).toBe(true);
    // The cap sits between the budget and the hard deadline that terminates the worker.
    expect(MAX_READ_WALL_MS).toBeGreaterThan(MAX_READ_MS);
    expect(MAX_READ_WALL_MS).toBeLessThanOrEqual(HARD_DEADLINE_MS - 1000);
  });

  it('reads no CPU time while the wall clock says the budget cannot be spent yet (no system call on a quiet machine)', () => {
    const { c, clocks: k } = clocks(0, 0);
    const budget = new ReadBudget(1000, 60_000, k);
    const readsAtStart = c.cpuReads;
    for (c.wall = 0; c.wall <= 1000; c.wall += 10) expect(budget.spent()).toBe(false);
    expect(c.cpuReads).toBe(readsAtStart);
    // Past it, one read; the next comes only when the rest of the budget could be spent.
    c.wall = 1500;
    c.cpu = 400;
    expect(budget.spent()).toBe(false);
    const reads = c.cpuReads;
    c.wall = 1500 + 500; // 610 ms of budget were left: not yet
    expect(budget.spent()).toBe(false);
    expect(c.cpuReads).toBe(reads);
  });

  it('falls back to the wall clock where CPU time cannot be read', () => {
    const { c, clocks: k } = clocks(0, null);
    const budget = new ReadBudget(1000, 60_000, k);
    c.wall = 999;
    expect(budget.spent()).toBe(false);
    c.wall = 1001;
    expect(budget.spent()).toBe(true);
  });
});

describe('threadCpuMs', () => {
  it('counts the thread running, not the thread waiting', async () => {
    const start = threadCpuMs();
    expect(start).toEqual(expect.any(Number));
    await new Promise((r) => setTimeout(r, 300));
    const afterWait = threadCpuMs()!;
    expect(afterWait - start!).toBeLessThan(100);
    // Busy until the kernel has charged 100 ms (a loaded machine takes longer on the wall clock).
    const wallStart = performance.now();
    while (threadCpuMs()! - afterWait < 100 && performance.now() - wallStart < 10_000);
    expect(threadCpuMs()! - afterWait).toBeGreaterThanOrEqual(100);
  });
});

describe('busyIntervals on a busy machine', () => {
  afterEach(() => vi.restoreAllMocks());

  it('reads a valid feed although the wall clock runs far ahead of the thread (it said "too long")', () => {
    // Each look at the clock finds it 150 ms later (past the budget at the 7th look, the read takes
    // ~10, the cap comes at the 14th): the reader was kept off the core.
    let wall = performance.now();
    vi.spyOn(performance, 'now').mockImplementation(() => (wall += 150));
    const DAY = 86_400_000;
    const from = Date.parse('2026-03-02T00:00:00Z');
    const ics = [
      'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN',
      'BEGIN:VEVENT', 'UID:daily@x', 'DTSTART:20260302T090000Z', 'DTEND:20260302T093000Z', 'RRULE:FREQ=DAILY;COUNT=20', 'END:VEVENT',
      'END:VCALENDAR',
    ].join('\r\n');
    expect(busyIntervals(ics, from, from + 7 * DAY, 'UTC')).toHaveLength(7);
  });
});
