import { sql, type Kysely, type Migration, type RawBuilder } from 'kysely';
import { storedDisplayName } from '../../users/display-name.js';
import type { MigrationLog } from '../migration-log.js';

/** Rows read at a time: a large `users` table is never held in memory at once. */
const BATCH = 500;

interface NameRow {
  id: number;
  username: string;
  display_name: string;
  external_id: string | null;
}

/**
 * Display names stored before they were trimmed of characters that draw nothing (trimName,
 * protocol/text.ts): "\u200bbob" or "bob\u3164" showed as a second "bob" until renamed. Every
 * row is read in JavaScript, by id in batches, and given what today's rules store
 * (users/display-name.ts storedDisplayName, the same trimName as sign-up, rename and a host's
 * names): a person's name with nothing visible left becomes their username, a host's `?`.
 * Display names need not be unique, so two users may now both show "bob", as they could
 * already by choosing it. A row renamed meanwhile (an older instance during a rolling deploy)
 * is left as renamed. Logs how many names changed.
 *
 * Unlike other migrations, this one applies the release's live rules, not a copy frozen with
 * it: what it promises is "every stored name as this release would store it", and a later
 * release that trims more (e.g. e5463a1, stray tag characters) should apply that to a database
 * migrating past 022 then. The rules only ever remove what draws nothing, so running a later
 * version of them is never worse than this one's.
 */
export function trimmedDisplayNames(log: MigrationLog): Migration {
  return {
    async up(db: Kysely<unknown>) {
      let changed = 0;
      let after: number | null = null;
      for (;;) {
        const from: RawBuilder<unknown> = after === null ? sql`` : sql`where id > ${after}`;
        const { rows } = await sql<NameRow>`select id, username, display_name, external_id from users ${from} order by id limit ${BATCH}`.execute(db);
        for (const row of rows) {
          const name = storedDisplayName(row);
          if (name === row.display_name) continue;
          const res = await sql`update users set display_name = ${name} where id = ${row.id} and display_name = ${row.display_name}`.execute(db);
          changed += Number(res.numAffectedRows ?? 0);
        }
        if (rows.length < BATCH) break;
        after = rows[rows.length - 1]!.id;
      }
      log.info({ changed }, `migration 022: ${changed} display names trimmed of characters that draw nothing`);
    },
  };
}
