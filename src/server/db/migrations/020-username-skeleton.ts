import { sql, type Kysely, type Migration, type RawBuilder } from 'kysely';
import { MAX_USERNAME_SKELETON, USERNAME_FOLDS } from '../../users/username-skeleton.js';

/**
 * `users.username_skeleton`: the username's confusable skeleton (users/username-skeleton.ts),
 * which registration looks up to refuse a username that reads as a taken one ("IiIy" for
 * "lily"). Filled here for every existing row, in SQL with the same folds (lower-case, then
 * each replace-all in order; usernames are ASCII, where SQLite's and PostgreSQL's lower() and
 * replace() agree with JavaScript's). Indexed, NOT unique: a database may already hold two
 * look-alikes, and both keep their names. Null only for a row an older Beacon inserted during
 * a rolling upgrade.
 */
export function usernameSkeleton(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('users').addColumn('username_skeleton', `varchar(${MAX_USERNAME_SKELETON})`).execute();
      await sql`update users set username_skeleton = ${skeletonOf(sql`username`)}`.execute(db);
      await db.schema.createIndex('users_username_skeleton').on('users').column('username_skeleton').execute();
    },
  };
}

/** The skeleton of `column` in SQL: `replace(… replace(lower(column), 'i', 'l') …, 'w', 'vv')`. */
function skeletonOf(column: RawBuilder<unknown>): RawBuilder<string> {
  return USERNAME_FOLDS.reduce<RawBuilder<string>>((s, [from, to]) => sql`replace(${s}, ${sql.lit(from)}, ${sql.lit(to)})`, sql`lower(${column})`);
}
