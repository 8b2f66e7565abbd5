/** friendshipSync: one friendship re-read through the graph port, both sides. */
import { describe, expect, it } from 'vitest';
import type { FriendCategory } from '../../../src/protocol/index.js';
import { friendshipSync } from '../../../src/server/integration/sidecar-friendships.js';

/** A graph given as `subject→viewer: category` (what the subject gives the viewer). */
const graphOf = (given: Record<string, FriendCategory>) => ({
  categoryGiven: async (subjectId: number, viewerId: number) => given[`${subjectId}→${viewerId}`] ?? null,
});

describe('friendshipSync', () => {
  it('tells both sides of a two-way pair their categories', async () => {
    const events: unknown[] = [];
    const oneWay: Array<[number, number]> = [];
    await friendshipSync(graphOf({ '1→2': 'close_friend', '2→1': 'friend' }), (e) => events.push(e), (a, b) => oneWay.push([a, b]))(1, 2);
    expect(events).toEqual([
      { kind: 'category_changed', userId: 1, friendId: 2, category: 'close_friend' },
      { kind: 'category_changed', userId: 2, friendId: 1, category: 'friend' },
    ]);
    expect(oneWay).toEqual([]);
  });

  it('treats a pair listed on one side only as no friendship, and says so', async () => {
    const events: unknown[] = [];
    const oneWay: Array<[number, number]> = [];
    await friendshipSync(graphOf({ '1→4': 'friend' }), (e) => events.push(e), (a, b) => oneWay.push([a, b]))(4, 1);
    expect(events).toEqual([{ kind: 'unfriended', a: 4, b: 1 }]);
    expect(oneWay).toEqual([[4, 1]]);
    // Not friends on either side: no warning.
    await friendshipSync(graphOf({}), () => undefined, (a, b) => oneWay.push([a, b]))(4, 1);
    expect(oneWay).toHaveLength(1);
  });
});
