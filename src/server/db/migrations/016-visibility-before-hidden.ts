import type { Kysely, Migration } from 'kysely';

/**
 * The status audience a user had when they hid (`status_visibility: hidden`), null while they
 * are not hidden. Hidden must look like a logout: what only depends on the status audience and
 * not on presence (the weekly pattern, `GET /users/:id/pattern`) keeps answering that audience
 * while the user is hidden, instead of changing at the moment they hide.
 */
export function visibilityBeforeHidden(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('users').addColumn('visibility_before_hidden', 'varchar(16)').execute();
    },
  };
}
