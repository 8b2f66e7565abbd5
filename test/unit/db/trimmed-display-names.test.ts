/**
 * Migration 022: display names stored before names were trimmed of what draws nothing
 * (trimName, protocol/text.ts) are trimmed the same way, so "\u200bbob" no longer shows as a
 * second "bob" until its user renames. A person's name with nothing visible left becomes their
 * username (what sign-up names a person who gives no name); a host's becomes `?` (what Beacon
 * shows for such a host name). How many changed is logged.
 */
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../../src/server/db/migrate.js';
import { testDialects } from '../../helpers/databases.js';
import { migratedTo } from '../../helpers/migrated-to.js';

const T0 = Date.UTC(2026, 0, 1);

/** [username, stored display name, external id (a host's shadow row) or null, name expected after] */
const ROWS: Array<[string, string, string | null, string]> = [
  ['bob_zw', '\u200bbob', null, 'bob'],
  ['bob_filler', 'bob\u3164', null, 'bob'],
  ['bob_both', ' \u2060bob\ufeff\u200d', null, 'bob'],
  ['bob', 'bob', null, 'bob'],
  ['blank_one', '\u200b\u3164', null, 'blank_one'],
  ['accented', 'Rene\u0301', null, 'Rene\u0301'],
  ['hearts', '\u2764\ufe0f', null, '\u2764\ufe0f'],
  ['family', '\u{1F469}\u200d\u{1F467} x', null, '\u{1F469}\u200d\u{1F467} x'],
  ['inner', 'a\u200bb', null, 'a\u200bb'],
  ['~host1', '\u200bhost\u2800', 'h1', 'host'],
  ['~host2', '\u3164', 'h2', '?'],
  ['~host3', 'Hosted', 'h3', 'Hosted'],
];

/** More than two batches of the migration, padded and not, to check none is skipped at a batch's edge. */
const FILLERS = 1234;
const filler = (i: number): [string, string] => [`filler_${i}`, i % 3 === 0 ? `\u200bf${i}` : `f${i}`];

describe.each(testDialects())('migration 022 (trimmed display names) on %s', (dialect) => {
  let drop: () => Promise<void> = async () => {};
  afterAll(async () => drop());

  it('trims every stored name as sign-up and rename now do, gives blank ones the username (a host’s `?`), and logs how many changed', async () => {
    // Throws if a migration up to 021 fails.
    const { database, ...fixture } = await migratedTo(dialect, '021-hidden-audience-known');
    drop = fixture.drop;
    const insert = (rows: Array<[string, string, string | null]>) =>
      sql`insert into users (username, username_lower, username_skeleton, display_name, password_hash, role, created_at, online_status, status_visibility, activity_visibility, last_seen_visibility, custom_message_visibility, external_id)
        values ${sql.join(rows.map(([u, name, ext]) => sql`(${u}, ${u.toLowerCase()}, ${u.toLowerCase()}, ${name}, 'h', 'user', ${T0}, 'offline', 'friends', 'friends', 'friends', 'friends', ${ext})`))}`.execute(database.db);
    // As the release before wrote them: the names as given, padding kept.
    await insert(ROWS.map(([u, name, ext]) => [u, name, ext]));
    const fillers = Array.from({ length: FILLERS }, (_, i) => filler(i));
    for (let i = 0; i < fillers.length; i += 500) await insert(fillers.slice(i, i + 500).map(([u, name]) => [u, name, null]));

    const logged: Array<{ fields: object; message: string }> = [];
    expect(await migrateToLatest(database, { info: (fields, message) => logged.push({ fields, message }) })).toContain('022-trimmed-display-names');

    const stored = new Map((await database.db.selectFrom('users').select(['username', 'display_name']).execute()).map((r) => [r.username, r.display_name]));
    expect(Object.fromEntries(ROWS.map(([u]) => [u, stored.get(u)]))).toEqual(Object.fromEntries(ROWS.map(([u, , , want]) => [u, want])));
    for (const [u] of fillers) expect(stored.get(u)).toBe(`f${u.slice('filler_'.length)}`);

    const changed = ROWS.filter(([, name, , want]) => name !== want).length + Math.ceil(FILLERS / 3);
    expect(logged).toEqual([{ fields: { changed }, message: expect.stringContaining(`${changed} display names`) }]);
  });
});
