/**
 * HistoryReads (history-reads.ts): a read goes a page per step, each step on a turn of the event
 * loop of its own, at most STEPS_AT_ONCE steps a turn; a free turn goes to the user whose reads
 * walked the fewest rows lately; a user's reads go one after another (a second waits, it is not
 * refused), and only a deep queue of one user's reads is refused (429 with Retry-After).
 */
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/server/errors.js';
import { HistoryReads, MAX_WAITING_PER_USER, RETRY_AFTER_MS, STEPS_AT_ONCE, USE_HALF_LIFE_MS } from '../../../src/server/history/history-reads.js';
import { FakeClock } from '../../helpers/clock.js';

/** Resolves after `n` turns of the event loop. */
const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

/** `count` pages of `size` rows, each fetch noted with `onFetch` (the page's number). */
async function* pagesOf(count: number, size: number, onFetch: (page: number) => void = () => {}): AsyncGenerator<number[]> {
  for (let i = 0; i < count; i++) {
    onFetch(i);
    yield Array.from({ length: size }, (_, j) => i * size + j);
  }
}

describe('HistoryReads', () => {
  it('gives a free turn to the user whose reads walked the fewest rows lately, not to whoever asked first', async () => {
    const clock = new FakeClock();
    const reads = new HistoryReads({ now: clock.now, stepsAtOnce: 1 });
    // User 1 has just read 90 days (10,000 rows); user 2 has read nothing.
    await reads.read(1, (r) => r.forEach(pagesOf(10, 1000), () => {}));
    expect(reads.useOf(1)).toBe(10_000 + 11);
    // User 3 holds the one turn; then user 1 asks for a step, then user 2.
    const held = gate();
    const r3 = await reads.begin(3);
    const holding = r3.step(() => held.wait, () => 0);
    await turns(2);
    const order: number[] = [];
    const r1 = await reads.begin(1);
    const r2 = await reads.begin(2);
    const s1 = r1.step(async () => order.push(1), () => 0);
    const s2 = r2.step(async () => order.push(2), () => 0);
    await turns(3);
    expect(order).toEqual([]);
    held.open();
    await Promise.all([holding, s1, s2]);
    expect(order).toEqual([2, 1]);
    // The rows are forgiven with time: halved every half-life.
    clock.advance(USE_HALF_LIFE_MS);
    expect(reads.useOf(1)).toBeCloseTo((10_000 + 11 + 1) / 2, 6);
  });

  it('lets a user’s second read wait for the first, then run: never refused for being second', async () => {
    const reads = new HistoryReads({ now: () => 0 });
    const first = await reads.begin(1);
    let second = false;
    const secondDone = reads.read(1, async (r) => {
      second = true;
      await r.forEach(pagesOf(2, 3), () => {});
      return 'answered';
    });
    await turns(5);
    expect(second).toBe(false);
    expect(reads.waitingOf(1)).toBe(1);
    // Another user's read is not held up by user 1's.
    await expect(reads.read(2, async () => 'other')).resolves.toBe('other');
    first.end();
    first.end();
    await expect(secondDone).resolves.toBe('answered');
    expect(reads.waitingOf(1)).toBe(0);
  });

  it(`refuses a read once ${MAX_WAITING_PER_USER} of the user's wait (429 with Retry-After), and only for that user`, async () => {
    const reads = new HistoryReads({ now: () => 0 });
    const first = await reads.begin(1);
    const waiting = Array.from({ length: MAX_WAITING_PER_USER }, () => reads.read(1, async () => 'ok'));
    await turns(2);
    const refused = await reads.begin(1).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({ code: 'RATE_LIMITED', statusCode: 429, retryAfterMs: RETRY_AFTER_MS });
    await expect(reads.read(2, async () => 'other')).resolves.toBe('other');
    first.end();
    await expect(Promise.all(waiting)).resolves.toEqual(Array(MAX_WAITING_PER_USER).fill('ok'));
  });

  it(`walks every page a step each, the event loop turning between two steps of a read, at most ${STEPS_AT_ONCE} steps a turn`, async () => {
    const reads = new HistoryReads({ now: () => 0 });
    // Counts turns of the event loop (one setImmediate a turn).
    let loop = 0;
    let ticking = true;
    const tick = () => {
      loop++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const fetchedAt = new Map<number, number[]>();
    const seen = new Map<number, number[]>();
    await Promise.all(
      [1, 2, 3, 4, 5].map((user) =>
        reads.read(user, (r) =>
          r.forEach(
            pagesOf(8, 10, () => fetchedAt.set(user, [...(fetchedAt.get(user) ?? []), loop])),
            (page) => seen.set(user, [...(seen.get(user) ?? []), ...page]),
          ),
        ),
      ),
    );
    ticking = false;
    for (const user of [1, 2, 3, 4, 5]) {
      expect(seen.get(user)).toEqual(Array.from({ length: 80 }, (_, i) => i));
      const at = fetchedAt.get(user)!;
      expect(at).toHaveLength(8);
      // A turn of the loop between any two pages of one read.
      for (let i = 1; i < at.length; i++) expect(at[i]!).toBeGreaterThan(at[i - 1]!);
      expect(reads.useOf(user)).toBe(80 + 9);
    }
    // No turn of the loop ran more than STEPS_AT_ONCE pages (of any reads).
    const perTurn = new Map<number, number>();
    for (const at of fetchedAt.values()) for (const l of at) perTurn.set(l, (perTurn.get(l) ?? 0) + 1);
    expect(Math.max(...perTurn.values())).toBeLessThanOrEqual(STEPS_AT_ONCE);
  });

  it('frees the turn and charges the rows read so far when a step fails', async () => {
    const reads = new HistoryReads({ now: () => 0, stepsAtOnce: 1 });
    const failing = reads.read(1, (r) => r.step(async () => Promise.reject(new Error('database gone')), () => 0));
    await expect(failing).rejects.toThrow('database gone');
    expect(reads.useOf(1)).toBe(1);
    await expect(reads.read(1, async (r) => r.step(async () => 'next', () => 0))).resolves.toBe('next');
  });

  // The export held the user's turn while its text waited for a paused download.
  it('lets the user’s next read go while a read is released, its next step waiting behind it, never refused', async () => {
    const reads = new HistoryReads({ now: () => 0, maxWaitingPerUser: 1 });
    const first = await reads.begin(1);
    await expect(first.step(async () => 'page 1', () => 1)).resolves.toBe('page 1');
    first.release();
    first.release();
    const held = gate();
    const second = reads.read(1, (r) => r.step(() => held.wait.then(() => 'second'), () => 0));
    await turns(3);
    const order: string[] = [];
    const third = reads.read(1, async () => order.push('third'));
    // The user's line is full (1 waiting): the released read queues all the same, last.
    const next = first.step(async () => order.push('page 2'), () => 1);
    await turns(5);
    expect(order).toEqual([]);
    expect(reads.waitingOf(1)).toBe(2);
    held.open();
    await expect(second).resolves.toBe('second');
    await Promise.all([third, next]);
    expect(order).toEqual(['third', 'page 2']);
    first.end();
    expect(reads.waitingOf(1)).toBe(0);
    await expect(reads.read(1, async () => 'free')).resolves.toBe('free');
  });

  it('ends a released read that waits for its turn again: its step fails and the user’s line goes on', async () => {
    const reads = new HistoryReads({ now: () => 0 });
    const first = await reads.begin(1);
    first.release();
    const held = gate();
    const second = reads.read(1, (r) => r.step(() => held.wait.then(() => 'second'), () => 0));
    await turns(2);
    const next = first.step(async () => 'never', () => 0);
    await turns(2);
    const third = reads.read(1, async () => 'third');
    await turns(2);
    expect(reads.waitingOf(1)).toBe(2);
    first.end();
    await expect(next).rejects.toThrow('history read ended');
    expect(reads.waitingOf(1)).toBe(1);
    held.open();
    await expect(Promise.all([second, third])).resolves.toEqual(['second', 'third']);
    expect(reads.waitingOf(1)).toBe(0);
  });
});
