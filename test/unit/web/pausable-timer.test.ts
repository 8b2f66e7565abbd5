/**
 * The toast's timer (WCAG 2.2.1): it holds while the pointer is over the toast or focus is in
 * it, and then runs on for the time it had left, not from the start and not at once.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PausableTimer, type PausableTimers } from '../../../src/web/lib/pausable-timer.js';

afterEach(() => vi.useRealTimers());

function timers(): PausableTimers {
  vi.useFakeTimers();
  return {
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (id) => clearTimeout(id as ReturnType<typeof setTimeout>),
    now: () => Date.now(),
  };
}

describe('PausableTimer', () => {
  it('runs once after its time when nothing holds it', () => {
    let runs = 0;
    new PausableTimer(() => runs++, 10_000, timers());
    vi.advanceTimersByTime(9_999);
    expect(runs).toBe(0);
    vi.advanceTimersByTime(1);
    expect(runs).toBe(1);
    vi.advanceTimersByTime(60_000);
    expect(runs).toBe(1);
  });

  it('does not run while held, however long, and then runs on for the time it had left', () => {
    let runs = 0;
    const t = new PausableTimer(() => runs++, 10_000, timers());
    vi.advanceTimersByTime(4_000);
    t.hold('focus');
    expect(t.held).toBe(true);
    vi.advanceTimersByTime(60_000);
    expect(runs).toBe(0);
    expect(t.remaining).toBe(6_000);
    t.release('focus');
    vi.advanceTimersByTime(5_999);
    expect(runs).toBe(0);
    vi.advanceTimersByTime(1);
    expect(runs).toBe(1);
  });

  it('holds until every reason let go (focus in it, then the pointer over it)', () => {
    let runs = 0;
    const t = new PausableTimer(() => runs++, 10_000, timers());
    t.hold('focus');
    t.hold('hover');
    t.release('focus');
    vi.advanceTimersByTime(30_000);
    expect(runs).toBe(0);
    t.release('hover');
    t.release('hover'); // a second release changes nothing
    vi.advanceTimersByTime(10_000);
    expect(runs).toBe(1);
  });

  it('never runs once cancelled, held or not', () => {
    let runs = 0;
    const t = new PausableTimer(() => runs++, 10_000, timers());
    t.hold('hover');
    t.cancel();
    t.release('hover');
    vi.advanceTimersByTime(60_000);
    expect(runs).toBe(0);
    expect(t.remaining).toBe(0);
  });
});
