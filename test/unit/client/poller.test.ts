/** The polling loop: never overlapping, early polls, and a clean stop even with a run in flight. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Poller } from '../../../src/client/poller.js';
import { defaultTimers } from '../../../src/client/transport.js';
import { useFakeClock } from './fake-server.js';

const INTERVAL = 3_000;

/** A task whose runs the test settles by hand. */
function manualTask() {
  const pending: Array<() => void> = [];
  let runs = 0;
  const task = () =>
    new Promise<void>((resolve, reject) => {
      runs++;
      pending.push(runs % 7 === 0 ? () => reject(new Error('boom')) : resolve);
    });
  return {
    task,
    runs: () => runs,
    /** Settles the oldest run in flight and lets the poller react. */
    settle: async () => {
      pending.shift()?.();
      await flushMicrotasks();
    },
    inFlight: () => pending.length,
  };
}

async function flushMicrotasks() {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

beforeEach(useFakeClock);
afterEach(() => void vi.useRealTimers());

describe('Poller', () => {
  it('runs at once, then an interval after each run settles; never two at a time', async () => {
    const t = manualTask();
    const p = new Poller(defaultTimers, INTERVAL, t.task);
    expect(p.running).toBe(false);
    p.start();
    p.start();
    expect(p.running).toBe(true);
    expect(t.runs()).toBe(1);
    // A slow run: no second run while it is in flight, whatever the time.
    vi.advanceTimersByTime(INTERVAL * 3);
    expect(t.runs()).toBe(1);
    await t.settle();
    vi.advanceTimersByTime(INTERVAL - 1);
    expect(t.runs()).toBe(1);
    vi.advanceTimersByTime(1);
    expect(t.runs()).toBe(2);
    p.stop();
  });

  it('pollNow() runs at once between runs, and right after the run in flight otherwise (once)', async () => {
    const t = manualTask();
    const p = new Poller(defaultTimers, INTERVAL, t.task);
    p.start();
    await t.settle();
    vi.advanceTimersByTime(INTERVAL / 2);
    p.pollNow();
    expect(t.runs()).toBe(2);
    p.pollNow();
    p.pollNow();
    expect(t.runs()).toBe(2);
    expect(t.inFlight()).toBe(1);
    await t.settle();
    expect(t.runs()).toBe(3);
    await t.settle();
    // The old timer was cancelled: next run a full interval after the last one settled.
    vi.advanceTimersByTime(INTERVAL - 1);
    expect(t.runs()).toBe(3);
    vi.advanceTimersByTime(1);
    expect(t.runs()).toBe(4);
    p.stop();
  });

  it('a failing run does not stop the polling', async () => {
    let calls = 0;
    const p = new Poller(defaultTimers, INTERVAL, async () => {
      calls++;
      throw new Error('server down');
    });
    p.start();
    await flushMicrotasks();
    vi.advanceTimersByTime(INTERVAL);
    await flushMicrotasks();
    vi.advanceTimersByTime(INTERVAL);
    expect(calls).toBe(3);
    p.stop();
  });

  it('stop() with a run in flight: that run schedules nothing, pollNow() does nothing, start() begins afresh', async () => {
    const t = manualTask();
    const p = new Poller(defaultTimers, INTERVAL, t.task);
    p.start();
    p.pollNow();
    p.stop();
    expect(p.running).toBe(false);
    p.pollNow();
    await t.settle();
    vi.advanceTimersByTime(INTERVAL * 5);
    expect(t.runs()).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
    // Started again: a fresh run at once, then the usual interval.
    p.start();
    expect(t.runs()).toBe(2);
    await t.settle();
    vi.advanceTimersByTime(INTERVAL);
    expect(t.runs()).toBe(3);
    p.stop();
  });

  it('a restart while an earlier run is still in flight is not blocked by it, and the old run does not double the loop', async () => {
    const t = manualTask();
    const p = new Poller(defaultTimers, INTERVAL, t.task);
    p.start();
    p.stop();
    p.start();
    expect(t.runs()).toBe(2);
    // pollNow during the new run is deferred, not run in parallel.
    p.pollNow();
    expect(t.runs()).toBe(2);
    await t.settle(); // the old run ends: ignored
    expect(t.runs()).toBe(2);
    await t.settle(); // the new run ends: the deferred poll runs
    expect(t.runs()).toBe(3);
    await t.settle();
    vi.advanceTimersByTime(INTERVAL);
    expect(t.runs()).toBe(4);
    expect(t.inFlight()).toBe(1);
    p.stop();
  });
});
