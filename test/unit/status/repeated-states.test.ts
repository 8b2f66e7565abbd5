/**
 * RepeatedStates (repeated-states.ts): a category or block sent again after a bus outage reaches
 * the sockets here only as read here, and never after a newer frame of the same pair that
 * reached them while it was being read. Fake database reads, held at will.
 */
import type { FastifyBaseLogger } from 'fastify';
import { describe, expect, it } from 'vitest';
import { RepeatedStates, type StateFrame } from '../../../src/server/status/repeated-states.js';

const bob = { user_id: 5, username: 'bob', display_name: 'Bob', since: '2026-01-01T00:00:00.000Z' };
const blockOf = (viewerId: number, subjectId: number, on: boolean): StateFrame => ({ kind: 'block_changed', viewerId, subjectId, user: on ? { ...bob, user_id: subjectId } : null });
const categoryOf = (viewerId: number, category: 'friend' | 'close_friend' | 'acquaintance'): StateFrame => ({
  kind: 'friend_updated',
  viewerId,
  friend: { ...bob, category },
});
const log = { error: () => {}, warn: () => {} } as unknown as FastifyBaseLogger;
const nextTurn = () => new Promise((r) => setImmediate(r));

/** A database of blocks (pair → blocked) and categories (user → bob's category), with each read counted. */
function world() {
  const blocks = new Map<string, boolean>();
  const categories = new Map<number, 'friend' | 'close_friend' | 'acquaintance'>();
  const reads: string[][] = [];
  const delivered: StateFrame[] = [];
  let during = () => {};
  const repeats = new RepeatedStates({
    log,
    sink: (e) => void delivered.push(e),
    blocksHeld: async (pairs) => {
      reads.push(pairs.map((p) => `b${p.viewerId}:${p.subjectId}`));
      during();
      return pairs.map((p) => ({ kind: 'block_changed' as const, ...p, user: blocks.get(`${p.viewerId}:${p.subjectId}`) ? { ...bob, user_id: p.subjectId } : null }));
    },
    categoriesHeld: async (pairs) => {
      reads.push(pairs.map((p) => `c${p.userId}:${p.friendId}`));
      during();
      return pairs.flatMap((p) => {
        const category = categories.get(p.userId);
        return category ? [{ userId: p.userId, friend: { ...bob, user_id: p.friendId, category } }] : [];
      });
    },
  });
  /** `fn` runs during every read, before it answers. */
  const duringRead = (fn: () => void) => void (during = fn);
  return { repeats, blocks, categories, reads, delivered, duringRead };
}

describe('states sent again after a bus outage', () => {
  it('one read before a newer frame of its pair reached the sockets is read again: the newer state stays last', async () => {
    const w = world();
    let answer!: (states: StateFrame[]) => void;
    const done = w.repeats.read(() => new Promise((r) => (answer = r)));
    // Meanwhile she lifts the block (the change's own frame), and the read answers what it saw before.
    w.repeats.deliver(blockOf(1, 5, false));
    answer([blockOf(1, 5, true), blockOf(1, 6, true)]);
    w.blocks.set('1:6', true);
    expect(await done).toBe(2);
    // 1:6 was not overtaken: out as read. 1:5 read again: lifted.
    expect(w.reads).toEqual([['b1:5']]);
    expect(w.delivered).toEqual([blockOf(1, 5, false), blockOf(1, 6, true), blockOf(1, 5, false)]);
  });

  it('a frame of another user, or of another pair, does not hold a state back', async () => {
    const w = world();
    let answer!: (states: StateFrame[]) => void;
    const done = w.repeats.read(() => new Promise((r) => (answer = r)));
    w.repeats.deliver(blockOf(2, 5, false));
    w.repeats.deliver(categoryOf(1, 'friend'));
    answer([blockOf(1, 5, true)]);
    expect(await done).toBe(1);
    expect(w.reads).toEqual([]);
    expect(w.delivered.at(-1)).toEqual(blockOf(1, 5, true));
  });

  it('overtaken at every read (the user keeps changing it), it is dropped after three reads: each change’s own frame follows', async () => {
    const w = world();
    w.categories.set(1, 'acquaintance');
    // During each read a change's own frame reaches the sockets.
    w.duringRead(() => w.repeats.deliver(categoryOf(1, 'close_friend')));
    const done = w.repeats.read(async () => {
      w.repeats.deliver(categoryOf(1, 'close_friend'));
      return [categoryOf(1, 'friend')];
    });
    expect(await done).toBe(0);
    expect(w.reads).toEqual([['c1:5'], ['c1:5']]);
    expect(w.delivered).toEqual([categoryOf(1, 'close_friend'), categoryOf(1, 'close_friend'), categoryOf(1, 'close_friend')]);
  });

  it('repeats from other instances are read here, once per pair and turn of the event loop, whatever state they carried', async () => {
    const w = world();
    w.blocks.set('1:5', true);
    w.categories.set(1, 'close_friend');
    w.repeats.recheck([blockOf(1, 5, false), categoryOf(1, 'acquaintance')]);
    w.repeats.recheck([blockOf(1, 5, false)]);
    expect(w.delivered).toEqual([]);
    await nextTurn();
    await nextTurn();
    expect(w.reads.sort()).toEqual([['b1:5'], ['c1:5']]);
    expect(w.delivered).toEqual([blockOf(1, 5, true), categoryOf(1, 'close_friend')]);
  });

  it('a repeated category of a friendship ended meanwhile reaches no socket', async () => {
    const w = world();
    w.repeats.recheck([categoryOf(1, 'acquaintance')]);
    await nextTurn();
    await nextTurn();
    expect(w.reads).toEqual([['c1:5']]);
    expect(w.delivered).toEqual([]);
  });
});

describe('changes made on another instance (fromElsewhere)', () => {
  it('are read here before the sockets get them: the state the database holds, not the older one heard late', async () => {
    const w = world();
    // She lifted the block through this instance after blocking through the other; its frame comes late.
    w.repeats.fromElsewhere(blockOf(1, 5, true));
    expect(w.delivered).toEqual([]);
    await nextTurn();
    await nextTurn();
    expect(w.reads).toEqual([['b1:5']]);
    expect(w.delivered).toEqual([blockOf(1, 5, false)]);
  });

  it('are handed over as they came when the read fails: the change was made, and the frame is all there is of it', async () => {
    const warned: unknown[] = [];
    const delivered: StateFrame[] = [];
    const failing = async (): Promise<never> => {
      throw new Error('database unreachable');
    };
    const repeats = new RepeatedStates({
      log: { error: () => {}, warn: (o: unknown) => void warned.push(o) } as unknown as FastifyBaseLogger,
      sink: (e) => void delivered.push(e),
      blocksHeld: failing,
      categoriesHeld: failing,
    });
    repeats.fromElsewhere(categoryOf(1, 'close_friend'));
    repeats.fromElsewhere(blockOf(1, 5, true));
    await nextTurn();
    await nextTurn();
    expect(delivered).toEqual([categoryOf(1, 'close_friend'), blockOf(1, 5, true)]);
    expect(warned).toHaveLength(1);
  });

  it('are handed over at once where this instance has no reader of their kind (the integration modes)', () => {
    const delivered: StateFrame[] = [];
    const repeats = new RepeatedStates({ log, sink: (e) => void delivered.push(e) });
    repeats.fromElsewhere(categoryOf(1, 'friend'));
    expect(delivered).toEqual([categoryOf(1, 'friend')]);
  });
});
