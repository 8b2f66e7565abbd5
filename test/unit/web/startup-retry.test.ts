/** The start-up error retries by itself: backoff on a fake clock, and at once on `online`. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StartupRetry } from '../../../src/web/lib/startup-retry.js';

afterEach(() => vi.useRealTimers());

describe('StartupRetry', () => {
  it('tries again after 2 s, 4 s, 8 s… capped at 30 s, without any click', () => {
    vi.useFakeTimers();
    const target = new EventTarget();
    let runs = 0;
    const retry = new StartupRetry(() => runs++, { target });
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      waits.push(retry.failed());
      const before = runs;
      vi.advanceTimersByTime(waits.at(-1)! - 1);
      expect(runs).toBe(before);
      vi.advanceTimersByTime(1);
      expect(runs).toBe(before + 1);
    }
    expect(waits).toEqual([2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
  });

  it('tries at once when the browser comes back online, and only once', () => {
    vi.useFakeTimers();
    const target = new EventTarget();
    let runs = 0;
    const retry = new StartupRetry(() => runs++, { target });
    retry.failed();
    target.dispatchEvent(new Event('online'));
    expect(runs).toBe(1);
    vi.advanceTimersByTime(60_000); // the timer went with it
    target.dispatchEvent(new Event('online')); // and so did the listener
    expect(runs).toBe(1);
    expect(retry.pending).toBe(false);
  });

  it('stops for good once start-up succeeds, and starts again from 2 s after a later failure', () => {
    vi.useFakeTimers();
    const target = new EventTarget();
    let runs = 0;
    const retry = new StartupRetry(() => runs++, { target });
    retry.failed();
    retry.failed();
    retry.succeeded();
    vi.advanceTimersByTime(60_000);
    target.dispatchEvent(new Event('online'));
    expect(runs).toBe(0);
    expect(retry.failed()).toBe(2_000);
  });
});
