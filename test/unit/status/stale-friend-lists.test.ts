/**
 * StaleFriendLists (stale-friend-lists.ts): after a bus outage, messages from other instances
 * wait, in order, until every connected viewer's friend list was read again; this instance's
 * own go through. A re-read asked for while one runs reads again after it. A re-read that keeps
 * failing holds nothing forever: at the bound what waited is applied and an error says so, and
 * the re-read is retried until it succeeds.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FastifyBaseLogger } from 'fastify';
import { StaleFriendLists } from '../../../src/server/status/stale-friend-lists.js';

function world(viewers: number[]) {
  let healthy = true;
  const errors: string[] = [];
  const reads: number[] = [];
  let fail = false;
  let pending: Array<() => void> | null = null;
  const lists = new StaleFriendLists({
    bus: { instanceId: 'here', isHealthy: () => healthy },
    log: { warn: () => {}, error: (_o: unknown, msg: string) => void errors.push(msg) } as unknown as FastifyBaseLogger,
    viewers: () => viewers,
    refresh: async (id) => {
      reads.push(id);
      if (pending) await new Promise<void>((resolve) => pending!.push(resolve));
      if (fail) throw new Error('database unreachable');
    },
    holdMaxMs: 10_000,
  });
  const applied: string[] = [];
  const deliver = (origin: string, what: string) => lists.deliver(origin, () => void applied.push(what));
  return {
    lists,
    applied,
    deliver,
    errors,
    reads,
    failing: (f: boolean) => void (fail = f),
    /** Refreshes wait from now until `finish()`. */
    stall: () => void (pending = []),
    finish: () => {
      const waiting = pending ?? [];
      pending = null;
      for (const resolve of waiting) resolve();
    },
    health: (h: boolean) => void (healthy = h),
  };
}

const flush = () => vi.advanceTimersByTimeAsync(0);

describe('messages from other instances while the friend lists may be stale', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('wait from the bus going down until the lists are read again after it returns, then apply in order; our own go through', async () => {
    const w = world([1, 2]);
    w.deliver('there', 'before');
    w.lists.hold();
    w.deliver('there', 'm1');
    w.deliver('here', 'own');
    w.deliver('elsewhere', 'm2');
    expect(w.applied).toEqual(['before', 'own']);
    let read = false;
    void w.lists.whenRead().then(() => (read = true));
    w.stall();
    const done = w.lists.reread();
    w.deliver('there', 'm3');
    await flush();
    expect(w.applied).toEqual(['before', 'own']);
    expect(read).toBe(false);
    w.finish();
    expect(await done).toBe(2);
    expect(w.applied).toEqual(['before', 'own', 'm1', 'm2', 'm3']);
    expect(read).toBe(true);
    expect(w.reads.sort()).toEqual([1, 2]);
    w.deliver('there', 'after');
    expect(w.applied.at(-1)).toBe('after');
  });

  it('a re-read asked for while one runs (another instance’s bus returned) reads again before anything is applied', async () => {
    const w = world([1]);
    w.stall();
    const first = w.lists.reread();
    await flush();
    w.deliver('there', 'm1');
    const second = w.lists.reread();
    expect(second).toBe(first);
    w.finish();
    await flush();
    // The second pass: the message still waits for it.
    expect(w.reads).toEqual([1, 1]);
    await first;
    expect(w.applied).toEqual(['m1']);
  });

  it('with the bus down again when the re-read ends, keeps holding until the re-read after its return', async () => {
    const w = world([1]);
    w.stall();
    const run = w.lists.reread();
    w.deliver('there', 'm1');
    w.health(false);
    w.finish();
    await run;
    expect(w.applied).toEqual([]);
    w.health(true);
    await w.lists.reread();
    expect(w.applied).toEqual(['m1']);
  });

  it('after another instance’s bus returned: wait for its word (caught_up), re-read, then apply; without its word, re-read at the bound', async () => {
    const w = world([1]);
    w.lists.returned('there');
    w.deliver('there', 'reload');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(w.reads).toEqual([]);
    w.lists.caughtUp('there');
    await flush();
    expect(w.reads).toEqual([1]);
    expect(w.applied).toEqual(['reload']);
    // An instance that never says it caught up (an older version) holds messages at most the bound before the re-read.
    w.lists.returned('old');
    w.deliver('old', 'input');
    await vi.advanceTimersByTimeAsync(9_999);
    expect(w.applied).toEqual(['reload']);
    await vi.advanceTimersByTimeAsync(1);
    expect(w.reads).toEqual([1, 1]);
    expect(w.applied).toEqual(['reload', 'input']);
  });

  it('a re-read that keeps failing holds messages only up to the bound, says so, and is retried until it succeeds', async () => {
    const w = world([1]);
    w.failing(true);
    w.lists.hold();
    w.deliver('there', 'm1');
    const run = w.lists.reread();
    await vi.advanceTimersByTimeAsync(9_000);
    expect(w.applied).toEqual([]);
    expect(w.reads.length).toBeGreaterThan(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(w.applied).toEqual(['m1']);
    expect(w.errors).toEqual([expect.stringContaining('friend lists not re-read in time after a bus outage')]);
    // No longer held; the re-read goes on and ends once the database answers.
    w.deliver('there', 'm2');
    expect(w.applied).toEqual(['m1', 'm2']);
    const tries = w.reads.length;
    w.failing(false);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(await run).toBe(1);
    expect(w.reads.length).toBe(tries + 1);
  });
});
