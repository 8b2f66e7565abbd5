/** Host ids ↔ Beacon ids (shadow users), on every dialect. */
import { describe, expect, it } from 'vitest';
import { IdMap } from '../../src/server/integration/id-map.js';
import { UserRepository } from '../../src/server/users/user-repository.js';
import { testDialects, useMigratedDatabase } from '../helpers/databases.js';

describe.each(testDialects())('id map on %s', (dialect) => {
  const fixture = useMigratedDatabase(dialect);

  it('keeps a host’s integer ids as Beacon ids, and gives string ids stable ones', async () => {
    const ids = new IdMap(fixture.database.db, Date.now);
    const map = await ids.internal([42, '7', 'auth0|abc', 'auth0|abc']);
    expect(map.get('42')).toBe(42);
    expect(map.get('7')).toBe(7);
    const stringId = map.get('auth0|abc')!;
    expect(Number.isSafeInteger(stringId)).toBe(true);
    // A second map over the same database (another instance, a restart) agrees.
    const again = await new IdMap(fixture.database.db, Date.now).internal(['auth0|abc', 42]);
    expect(again.get('auth0|abc')).toBe(stringId);
    expect((await ids.external([42, stringId])).get(stringId)).toBe('auth0|abc');
  });

  it('falls back to a fresh id when the host’s integer is taken, and never lets shadow users log in', async () => {
    const own = await new UserRepository(fixture.database.db).create({ username: 'beacon_own', displayName: 'Own', passwordHash: 'h', role: 'user', now: Date.now() });
    const ids = new IdMap(fixture.database.db, Date.now);
    const id = await ids.one(own!.id);
    expect(id).not.toBe(own!.id);
    const row = await fixture.database.db.selectFrom('users').select(['username', 'password_hash', 'display_name']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.username.startsWith('~')).toBe(true);
    expect(row.password_hash).toBe('');
    await ids.describe(id, 'A very long name that goes well beyond forty characters', 'admin', null);
    const named = await fixture.database.db.selectFrom('users').select(['display_name', 'role']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(named).toEqual({ display_name: 'A very long name that goes well beyond f', role: 'admin' });
  });

  it('gives a database id to a host id past 2,147,483,647 (or a string) after many integer ids kept as Beacon ids', async () => {
    const ids = new IdMap(fixture.database.db, Date.now);
    // A site of integer ids, most small (kept as Beacon's), a few past the 32-bit range.
    const small = Array.from({ length: 20 }, (_, i) => 1000 + i);
    await ids.internal([...Array.from({ length: 10 }, (_, i) => i + 1), ...small]);
    const big = 2 ** 40 + 7;
    const map = await ids.internal([big, 'late|string']);
    expect(Number.isSafeInteger(map.get(String(big)))).toBe(true);
    expect(Number.isSafeInteger(map.get('late|string'))).toBe(true);
    expect(new Set([...map.values()]).size).toBe(2);
    // And a larger batch of them at once.
    const many = await ids.internal(Array.from({ length: 50 }, (_, i) => `s${i}`));
    expect(new Set([...many.values()]).size).toBe(50);
  });

  it('keeps every later integer id as the host’s own after a string or an id past 2,147,483,647 (no shift)', async () => {
    const ids = new IdMap(fixture.database.db, Date.now);
    const base = 931_400 + Math.floor(Math.random() * 1000) * 10;
    await ids.internal([base, base + 1]);
    const mapped = await ids.internal([3_000_405_585, 'auth0|shift']);
    // Had these taken the database's next ids (the highest plus one), host users base + 2… would
    // each have been given the next one's id: Beacon id N naming host user N - 1.
    expect([...mapped.values()].every((id) => id > base + 1_000)).toBe(true);
    const later = await ids.internal([base + 2, base + 3, base + 4]);
    expect([...later.values()]).toEqual([base + 2, base + 3, base + 4]);
    const one = await ids.one(base + 5);
    expect(one).toBe(base + 5);
    // Another instance finds them all where they are.
    const again = await new IdMap(fixture.database.db, Date.now).internal([3_000_405_585, 'auth0|shift', base + 2]);
    expect(again).toEqual(new Map([...mapped, [String(base + 2), base + 2]]));
  });

  it('never gives one id twice: requests at once, a deleted user’s id, a host’s own id past a billion', async () => {
    const db = fixture.database.db;
    // Thirty first sights at once, from two instances' maps: thirty distinct ids, none refused.
    const maps = [new IdMap(db, Date.now), new IdMap(db, Date.now)];
    const got = await Promise.all(Array.from({ length: 30 }, (_, i) => maps[i % 2]!.one(`burst|${i}`)));
    expect(new Set(got).size).toBe(30);
    // A deleted user's id is not handed out again.
    const gone = got[0]!;
    await db.deleteFrom('users').where('id', '=', gone).execute();
    const next = await maps[0]!.one('after|delete');
    expect(next).not.toBe(gone);
    expect(got).not.toContain(next);
    // A host's own integer kept past a billion changes nothing for the ids counted down.
    expect(await maps[1]!.one(2 ** 30 + 5)).toBe(2 ** 30 + 5);
    expect(await maps[1]!.one('after|billion')).toBeGreaterThan(2 ** 30 + 5);
  });

  it('keeps host ids of every shape as given, in one list of thousands, and finds them again', async () => {
    const odd = ['"quoted"', 'back\\slash', 'a,b', '{braces}', 'NULL', 'null', ' spaced ', 'emoji 😀', 'rlm\u200finside', "it's", 'ÅÄÖ'];
    const many = [...odd, ...Array.from({ length: 3000 }, (_, i) => `bulk-${i}`), 77_001, '77002'];
    const made = await new IdMap(fixture.database.db, Date.now).internal(many);
    expect(made.size).toBe(many.length);
    expect(made.get('77001')).toBe(77_001);
    expect(made.get('77002')).toBe(77_002);
    const rows = await fixture.database.db.selectFrom('users').select(['id', 'external_id', 'display_name']).where('external_id', 'in', odd).execute();
    expect(new Map(rows.map((r) => [r.external_id, r.id]))).toEqual(new Map(odd.map((id) => [id, made.get(id)])));
    expect(rows.find((r) => r.external_id === 'rlm\u200finside')!.display_name).toBe('rlm inside');
    // No id holds a control character, line break, bidi control or half a character: none is made.
    for (const bad of ['tab\tinside', 'del\u007f', 'rtl\u202e', 'half\ud800']) {
      await expect(new IdMap(fixture.database.db, Date.now).internal([bad]), JSON.stringify(bad)).rejects.toThrow(TypeError);
    }
    // Another instance (a fresh map) finds the same ids, and creates nobody twice.
    const again = await new IdMap(fixture.database.db, Date.now).internal(many);
    expect(again).toEqual(made);
  });

  it('renames many users at once: the last name given wins, the rename is dated, and only changed names are answered', async () => {
    const ids = new IdMap(fixture.database.db, () => 1_000);
    const made = await ids.internal(['rn-a', 'rn-b', 'rn-c']);
    const [a, b, c] = ['rn-a', 'rn-b', 'rn-c'].map((id) => made.get(id)!);
    await ids.describe(c!, 'Carol', undefined, 5_000);
    const renamed = await ids.renameMany(
      [
        [a!, 'Ann'],
        [b!, 'rn-b'],
        [a!, 'Anna\nLee'],
        [c!, 'Carol'],
        [999_999_999, 'Nobody'],
      ],
      2_000,
    );
    expect(renamed.sort()).toEqual([a]);
    const rows = await fixture.database.db.selectFrom('users').select(['id', 'display_name', 'name_at']).where('id', 'in', [a!, b!, c!]).execute();
    const byId = new Map(rows.map((r) => [r.id, { name: r.display_name, at: r.name_at === null ? null : Number(r.name_at) }]));
    expect(byId.get(a!)).toEqual({ name: 'Anna Lee', at: 2_000 });
    expect(byId.get(b!)).toEqual({ name: 'rn-b', at: 2_000 });
    // A rename dated later already (Carol's token, at 5,000) keeps its date.
    expect(byId.get(c!)).toEqual({ name: 'Carol', at: 5_000 });
    expect(await ids.renameMany([], 3_000)).toEqual([]);
  });

  it('makes the rows of users never seen marked deleted with create: unseen, leaves a row found as it is, and skips them with skipDeleted', async () => {
    const ids = new IdMap(fixture.database.db, Date.now);
    const base = 941_400 + Math.floor(Math.random() * 1000) * 10;
    const known = (await ids.internal([`unseen|known${base}`])).get(`unseen|known${base}`)!;
    // A kept integer id and a string (counted down from the top) are made, a known user is found.
    const all = [base, `unseen|new${base}`, `unseen|known${base}`];
    const made = await ids.internal(all, { create: 'unseen' });
    expect(made.size).toBe(3);
    expect(made.get(`unseen|known${base}`)).toBe(known);
    const deleted = await fixture.database.db.selectFrom('users').select('external_id').where('id', 'in', [...made.values()]).where('deleted_at', 'is not', null).execute();
    expect(deleted.map((r) => r.external_id).sort()).toEqual([String(base), `unseen|new${base}`]);

    // Skipped both ways, by this map and by another over the same database (another instance).
    for (const map of [ids, new IdMap(fixture.database.db, Date.now)]) {
      expect([...(await map.internal(all, { create: false, skipDeleted: true }))]).toEqual([[`unseen|known${base}`, known]]);
      expect([...(await map.external([...made.values()], { skipDeleted: true }))]).toEqual([[known, `unseen|known${base}`]]);
      expect((await map.internal(all, { create: false })).size).toBe(3);
    }
    // Seen (a sign-in, PUT /service/users): found again.
    await ids.seen([made.get(String(base))!]);
    expect((await ids.internal(all, { create: false, skipDeleted: true })).size).toBe(2);
  });

  it('refuses ids that cannot be a host id', async () => {
    const ids = new IdMap(fixture.database.db, Date.now);
    await expect(ids.internal([''])).rejects.toThrow(TypeError);
    await expect(ids.internal(['x'.repeat(129)])).rejects.toThrow(TypeError);
    await expect(ids.internal([1.5])).rejects.toThrow(TypeError);
  });
});
