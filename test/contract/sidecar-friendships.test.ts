/**
 * The sidecar's friendship store under concurrent requests, on every dialect: two requests
 * that set the same new pair at once. Each direction is one statement, so the one applied
 * last holds; before, the second's read-then-insert did nothing on conflict and its
 * categories were lost while it still answered `changed`.
 */
import { describe, expect, it } from 'vitest';
import type { FriendCategory } from '../../src/protocol/index.js';
import { IdMap } from '../../src/server/integration/id-map.js';
import { SidecarFriendships } from '../../src/server/integration/sidecar-friendships.js';
import { FriendRepository } from '../../src/server/friends/friend-repository.js';
import { testDialects, useMigratedDatabase } from '../helpers/databases.js';

describe.each(testDialects())('sidecar friendships on %s', (dialect) => {
  const fixture = useMigratedDatabase(dialect);

  it('two requests creating the same pair at once: what the one applied last wrote holds, and both say they changed it', async () => {
    const { db } = fixture.database;
    const ids = new IdMap(db, Date.now);
    const store = new SidecarFriendships(db, ids, Date.now, async () => {});
    const given = async (from: string, to: string): Promise<FriendCategory | undefined> => {
      const map = await ids.internal([from, to]);
      const row = await db.selectFrom('friendships').select('category').where('user_id', '=', map.get(from)!).where('friend_id', '=', map.get(to)!).executeTakeFirst();
      return row?.category;
    };
    // SQLite runs statements in the order they are issued, so the second request is applied
    // last; PostgreSQL runs the two on separate connections, each direction in either order.
    const allowed: FriendCategory[] = dialect === 'sqlite' ? ['acquaintance'] : ['acquaintance', 'close_friend'];
    const wrong: string[] = [];
    for (let i = 0; i < 20; i++) {
      const [a, b] = [`race-a-${i}`, `race-b-${i}`];
      await ids.internal([a, b]);
      const changed = await Promise.all([
        store.upsert([{ a, b, a_category: 'close_friend', b_category: 'close_friend' }]),
        store.upsert([{ a, b, a_category: 'acquaintance', b_category: 'acquaintance' }]),
      ]);
      const held = [await given(a, b), await given(b, a)];
      const ok = changed[0] === 1 && changed[1] === 1 && held.every((c) => c !== undefined && allowed.includes(c));
      if (!ok) wrong.push(`${i}: ${JSON.stringify({ changed, held })}`);
    }
    expect(wrong).toEqual([]);
    // Writing what already holds changes nothing and says so.
    expect(await store.upsert([{ a: 'race-a-0', b: 'race-b-0', a_category: 'acquaintance', b_category: 'acquaintance' }])).toBe(0);
    expect(await store.upsert([{ a: 'race-a-0', b: 'race-b-0', a_category: 'friend', b_category: 'acquaintance' }])).toBe(1);
    expect(await given('race-a-0', 'race-b-0')).toBe('friend');
  });

  it('an omitted category keeps its value on an existing pair (one by one and in bulk), and is `friend` on a new one', async () => {
    const { db } = fixture.database;
    const ids = new IdMap(db, Date.now);
    const announced: Array<readonly [number, number]> = [];
    const store = new SidecarFriendships(db, ids, Date.now, async (pairs) => void announced.push(...pairs));
    const given = async (from: string, to: string): Promise<FriendCategory | undefined> => {
      const map = await ids.internal([from, to]);
      const row = await db.selectFrom('friendships').select('category').where('user_id', '=', map.get(from)!).where('friend_id', '=', map.get(to)!).executeTakeFirst();
      return row?.category;
    };
    const pair = async (a: string, b: string) => [await given(a, b), await given(b, a)];

    expect(await store.upsert([{ a: 'pa', b: 'pb', a_category: 'close_friend', b_category: 'acquaintance' }])).toBe(1);
    // Changing a's side alone leaves b's acquaintance as it was (it did become `friend`, widening what a saw of b).
    expect(await store.upsert([{ a: 'pa', b: 'pb', a_category: 'friend' }])).toBe(1);
    expect(await pair('pa', 'pb')).toEqual(['friend', 'acquaintance']);
    expect(await store.upsert([{ a: 'pa', b: 'pb', b_category: 'close_friend' }])).toBe(1);
    expect(await pair('pa', 'pb')).toEqual(['friend', 'close_friend']);
    // Naming neither category on an existing pair changes nothing and announces nothing.
    announced.length = 0;
    expect(await store.upsert([{ a: 'pa', b: 'pb' }, { a: 'pb', b: 'pa' }])).toBe(0);
    expect(announced).toEqual([]);
    expect(await pair('pa', 'pb')).toEqual(['friend', 'close_friend']);

    // In bulk, with the pair named the other way round: each side keeps what it had unless named.
    await store.upsert([{ a: 'qa', b: 'qb', a_category: 'close_friend', b_category: 'acquaintance' }]);
    expect(await store.upsert([{ a: 'qb', b: 'qa', b_category: 'acquaintance' }, { a: 'pa', b: 'pb', a_category: 'acquaintance' }])).toBe(2);
    expect(await pair('qa', 'qb')).toEqual(['acquaintance', 'acquaintance']);
    expect(await pair('pa', 'pb')).toEqual(['acquaintance', 'close_friend']);

    // A new pair: what is not named is `friend`.
    expect(await store.upsert([{ a: 'na', b: 'nb', b_category: 'close_friend' }, { a: 'nc', b: 'nd' }])).toBe(2);
    expect(await pair('na', 'nb')).toEqual(['friend', 'close_friend']);
    expect(await pair('nc', 'nd')).toEqual(['friend', 'friend']);
  });

  it('writes a whole list in a few statements, as if pair after pair: a direction named twice takes its last category', async () => {
    const { db } = fixture.database;
    const ids = new IdMap(db, Date.now);
    const announced: Array<readonly [number, number]> = [];
    const store = new SidecarFriendships(db, ids, Date.now, async (pairs) => void announced.push(...pairs));
    const map = await ids.internal(['la', 'lb', 'lc']);
    const given = async (from: string, to: string) =>
      (await db.selectFrom('friendships').select('category').where('user_id', '=', map.get(from)!).where('friend_id', '=', map.get(to)!).executeTakeFirst())?.category;
    expect(
      await store.upsert([
        { a: 'la', b: 'lb', a_category: 'close_friend' },
        { a: 'lb', b: 'la' },
        { a: 'la', b: 'lb', a_category: 'acquaintance' },
        { a: 'la', b: 'lc' },
      ]),
    ).toBe(2);
    expect([await given('la', 'lb'), await given('lb', 'la'), await given('la', 'lc')]).toEqual(['acquaintance', 'friend', 'friend']);
    expect(announced).toHaveLength(2);
    // 1,200 friends for one user (more than a statement holds), then all removed.
    const many = Array.from({ length: 1200 }, (_, i) => ({ id: `lm-${i}` }));
    expect(await store.replace('la', many)).toEqual({ added: 1200, removed: 2 });
    expect(await store.replace('la', many)).toEqual({ added: 0, removed: 0 });
    expect(await store.replace('la', [])).toEqual({ added: 0, removed: 1200 });
    const left = await db.selectFrom('friendships').select((eb) => eb.fn.countAll().as('n')).where('user_id', '=', map.get('la')!).executeTakeFirstOrThrow();
    expect(Number(left.n)).toBe(0);
  });

  it('ending or emptying the friendships of ids never seen answers as done and creates no user', async () => {
    const { db } = fixture.database;
    const ids = new IdMap(db, Date.now);
    const store = new SidecarFriendships(db, ids, Date.now, async () => {});
    const shadows = async () => (await db.selectFrom('users').select('external_id').where('external_id', 'in', ['ghost-a', 'ghost-b', 'ghost-c', 'known']).execute()).map((r) => r.external_id).sort();
    await ids.internal(['known']);
    expect(await store.remove([{ a: 'ghost-a', b: 'ghost-b' }, { a: 'known', b: 'ghost-c' }])).toBe(0);
    expect(await store.replace('ghost-c', [])).toEqual({ added: 0, removed: 0 });
    expect(await shadows()).toEqual(['known']);
    // A list that names friends still creates them: the friendships need them.
    expect(await store.replace('ghost-a', [{ id: 'known' }])).toEqual({ added: 1, removed: 0 });
    expect(await store.remove([{ a: 'known', b: 'ghost-a' }])).toBe(1);
    expect(await shadows()).toEqual(['ghost-a', 'known']);
  });
  it('re-reads both sides of 1,000 pairs of distinct users (the most one request syncs) in one call', async () => {
    // Grouped by first user, 1,000 groups made one OR chain SQLite refused ("Expression tree is
    // too large (maximum depth 1000)") after the request's write had committed.
    const { db } = fixture.database;
    const ids = new IdMap(db, Date.now);
    const store = new SidecarFriendships(db, ids, Date.now, async () => {});
    const hostPairs = Array.from({ length: 1000 }, (_, i) => ({ a: `many-a-${i}`, b: `many-b-${i}`, a_category: 'close_friend' as const }));
    expect(await store.upsert(hostPairs)).toBe(1000);
    const map = await ids.internal(hostPairs.flatMap((p) => [p.a, p.b]));
    const pairs = hostPairs.map((p) => [map.get(p.a)!, map.get(p.b)!] as const);
    const held = await new FriendRepository(db).categoriesOf(pairs);
    expect(held.size).toBe(2000);
    expect(pairs.every(([a, b]) => held.get(`${a}:${b}`) === 'close_friend' && held.get(`${b}:${a}`) === 'friend')).toBe(true);
  });
});
