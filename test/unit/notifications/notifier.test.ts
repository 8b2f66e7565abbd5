/** The notifier gathers appearances: one watchers query for many connects, every watcher still told once. */
import type { FastifyBaseLogger } from 'fastify';
import { describe, expect, it } from 'vitest';
import type { NotificationPayload, View } from '../../../src/protocol/index.js';
import { Notifier, type NotifierDeps } from '../../../src/server/notifications/notifier.js';

const view = (id: number): View =>
  ({ user_id: id, username: `u${id}`, display_name: `U ${id}`, status: 'online', activity: null, custom_message: null, last_seen: null }) as unknown as View;

function setup(watches: Array<[watcher: number, friend: number]>, opts: { failClaimFor?: number } = {}) {
  const queries: number[][] = [];
  const published: Array<[number, NotificationPayload]> = [];
  const errors: unknown[] = [];
  const repo = {
    async watchersOf(ids: readonly number[]) {
      queries.push([...ids]);
      return watches.filter(([, f]) => ids.includes(f)).map(([w, f]) => ({ friendId: f, watcherId: w, role: 'user' as const, periodMinutes: 30 }));
    },
    async claim(watcherId: number) {
      if (watcherId === opts.failClaimFor) throw new Error('database gone');
      return true;
    },
    async subscriptionsOf() {
      return [];
    },
  };
  const deps = {
    repo,
    friendRepo: { categoryGiven: async () => 'friend' as const },
    sender: { send() {}, idle: async () => {} },
    quiet: async () => false,
    publish: (viewerId: number, p: NotificationPayload) => void published.push([viewerId, p]),
    now: () => Date.UTC(2026, 11, 1, 12),
    log: { error: (obj: unknown) => void errors.push(obj) } as unknown as FastifyBaseLogger,
  } as unknown as NotifierDeps;
  return { notifier: new Notifier(deps), queries, published, errors };
}

describe('Notifier', () => {
  it('looks up the watchers of many appearances in one query', async () => {
    const { notifier, queries, published } = setup([
      [1, 10],
      [2, 10],
      [1, 11],
    ]);
    for (let id = 10; id < 110; id++) notifier.appeared(id, { friend: view(id) });
    expect(queries).toEqual([]); // nothing yet: gathered, not one query per appearance
    await notifier.idle();
    expect(queries).toHaveLength(1);
    expect(queries[0]).toHaveLength(100);
    expect(published.map(([w, p]) => [w, p.friend_id]).sort()).toEqual([
      [1, 10],
      [1, 11],
      [2, 10],
    ]);
  });

  it('drains by itself after the gathering window', async () => {
    const { notifier, queries, published } = setup([[1, 10]]);
    notifier.appeared(10, { friend: view(10) });
    await new Promise((r) => setTimeout(r, 120));
    expect(queries).toEqual([[10]]);
    expect(published).toHaveLength(1);
  });

  it('one watcher failing does not stop the others', async () => {
    const { notifier, published, errors } = setup(
      [
        [1, 10],
        [2, 10],
      ],
      { failClaimFor: 1 },
    );
    notifier.appeared(10, { friend: view(10) });
    await notifier.idle();
    expect(published.map(([w]) => w)).toEqual([2]);
    expect(errors).toHaveLength(1);
  });
});
