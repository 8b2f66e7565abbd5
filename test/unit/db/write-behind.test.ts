/**
 * WriteBehind (db/write-behind.ts), the queue the presence writer, the status history and the
 * last uses of logins share: coalescing per key, one batch per flush, the timer's pace and its
 * `due` keys, failures kept in order for the next flush, flushes never overlapping, the stop's
 * flush, and the backlog.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WriteBehind, type WriteBehindOptions } from '../../../src/server/db/write-behind.js';
import { FakeClock } from '../../helpers/clock.js';

/** A queue whose writes are recorded as [key, value] lists; `fail` makes the next writes throw, `hold` makes them wait. */
function queue<V = number>(opts: Partial<WriteBehindOptions<string, V>> = {}) {
  const writes: Array<Array<[string, V]>> = [];
  let failing: Error | null = null;
  let gate: Promise<void> | null = null;
  const q = new WriteBehind<string, V>({
    intervalMs: 1000,
    write: async (batch) => {
      writes.push([...batch]);
      await gate;
      if (failing) throw failing;
    },
    ...opts,
  });
  return { q, writes, fail: (e: Error | null) => void (failing = e), hold: (p: Promise<void> | null) => void (gate = p) };
}

describe('WriteBehind', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('keeps one value per key, in the order first noted: the newer by default, or as `merge` says', async () => {
    const w = queue();
    w.q.note('a', 1);
    w.q.note('b', 1);
    w.q.note('a', 2);
    expect(w.q.get('a')).toBe(2);
    const m = queue({ merge: (older, newer) => Math.max(older, newer) });
    m.q.note('a', 5);
    m.q.note('a', 3);
    expect(m.q.get('a')).toBe(5);
    await Promise.all([w.q.flush(), m.q.flush()]);
    expect(w.writes).toEqual([[['a', 2], ['b', 1]]]);
    expect(m.writes).toEqual([[['a', 5]]]);
  });

  it('writes everything pending in one batch per flush, however many keys', async () => {
    const w = queue();
    for (let i = 0; i < 5000; i++) w.q.note(`k${i % 2500}`, i);
    await w.q.flush();
    expect(w.writes).toHaveLength(1);
    expect(w.writes[0]).toHaveLength(2500);
    expect(w.writes[0]![0]).toEqual(['k0', 2500]);
  });

  it('the timer writes once per interval (an empty batch too), and nothing before', async () => {
    const w = queue();
    w.q.start();
    w.q.start();
    w.q.note('a', 1);
    await vi.advanceTimersByTimeAsync(999);
    expect(w.writes).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(w.writes).toEqual([[['a', 1]]]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(w.writes).toEqual([[['a', 1]], []]);
    await w.q.stop();
  });

  it('the timer writes only the leading keys that are due; flush() writes them all', async () => {
    const clock = new FakeClock(0);
    const w = queue({ due: (_key, at) => at <= clock.now() - 5000 });
    w.q.start();
    w.q.note('old', clock.now());
    clock.advance(3000);
    w.q.note('new', clock.now());
    clock.advance(2000);
    await vi.advanceTimersByTimeAsync(1000);
    expect(w.writes).toEqual([[['old', 0]]]);
    expect(w.q.size).toBe(1);
    await w.q.flush();
    expect(w.writes.at(-1)).toEqual([['new', 3000]]);
    await w.q.stop();
  });

  it('a write that fails keeps its rows, in their order, before those noted since (merged with them)', async () => {
    const w = queue({ merge: (older, newer) => Math.max(older, newer) });
    w.q.note('a', 1);
    w.q.note('b', 1);
    w.q.note('c', 1);
    w.fail(new Error('database down'));
    await expect(w.q.flush()).rejects.toThrow('database down');
    expect(w.q.size).toBe(3);
    w.fail(null);
    w.q.note('d', 1);
    w.q.note('b', 7);
    w.q.note('a', 0); // older than the kept value: merge keeps 1
    await w.q.flush();
    expect(w.writes.at(-1)).toEqual([
      ['a', 1],
      ['b', 7],
      ['c', 1],
      ['d', 1],
    ]);
  });

  it('requeue puts back what the write chooses to keep, and the timer goes on after a failure', async () => {
    const kept: string[] = [];
    const q: WriteBehind<string, number> = new WriteBehind<string, number>({
      intervalMs: 1000,
      write: async (batch) => {
        kept.push([...batch.keys()].join(','));
        // Keep the odd ones only.
        q.requeue([...batch].filter(([, v]) => v % 2 === 1));
      },
    });
    q.start();
    q.note('a', 1);
    q.note('b', 2);
    q.note('c', 3);
    await vi.advanceTimersByTimeAsync(1000);
    expect(q.size).toBe(2);
    await vi.advanceTimersByTimeAsync(1000);
    expect(kept).toEqual(['a,b,c', 'a,c']);
    q.requeue([]);
    await q.stop();
  });

  it('a flush during a flush follows it, once for every caller meanwhile, writing what came since', async () => {
    const w = queue();
    let release!: () => void;
    w.hold(new Promise<void>((r) => (release = r)));
    w.q.note('a', 1);
    const first = w.q.flush();
    w.q.note('b', 1);
    const second = w.q.flush();
    const third = w.q.flush();
    await vi.advanceTimersByTimeAsync(0);
    expect(w.writes).toEqual([[['a', 1]]]);
    w.hold(null);
    release();
    await Promise.all([first, second, third]);
    expect(w.writes).toEqual([[['a', 1]], [['b', 1]]]);
  });

  it('a flush() asked during a timer flush writes every key, due or not', async () => {
    const w = queue({ due: () => false });
    let release!: () => void;
    w.hold(new Promise<void>((r) => (release = r)));
    w.q.note('a', 1);
    const timer = w.q.flushDue();
    const all = w.q.flush();
    const due = w.q.flushDue();
    w.hold(null);
    release();
    await Promise.all([timer, all, due]);
    expect(w.writes).toEqual([[], [['a', 1]]]);
  });

  it('stop() ends the timer and writes what is pending', async () => {
    const w = queue();
    w.q.start();
    w.q.note('a', 1);
    await w.q.stop();
    expect(w.writes).toEqual([[['a', 1]]]);
    await vi.advanceTimersByTimeAsync(5000);
    expect(w.writes).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('counts the backlog: keys noted, not notes; deleted keys are not written', async () => {
    const w = queue();
    w.q.note('a', 1);
    w.q.note('a', 2);
    w.q.note('b', 1);
    w.q.note('c', 1);
    expect(w.q.size).toBe(3);
    expect(w.q.has('b')).toBe(true);
    for (const k of w.q.keys()) if (k !== 'a') w.q.delete(k);
    expect(w.q.size).toBe(1);
    expect(w.q.has('b')).toBe(false);
    await w.q.flush();
    expect(w.q.size).toBe(0);
    expect(w.writes).toEqual([[['a', 2]]]);
  });
});
