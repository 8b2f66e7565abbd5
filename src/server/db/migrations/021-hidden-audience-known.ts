import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Users who hid before migration 016 kept the status audience they had (`status_visibility:
 * hidden`, `visibility_before_hidden` null) showed their `hidden_last_seen` and their pattern
 * to nobody until they hid again, as if they had never shared them. Their row gets the
 * narrowest status audience there is, `close_friends`: every audience they could have had
 * (public, friends, close friends) holds it, so nobody sees more than when they hid; and it
 * is what unhiding gives them back (status-commands.ts unhide). Users not hidden keep null.
 */
export function hiddenAudienceKnown(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await sql`update users set visibility_before_hidden = 'close_friends' where status_visibility = 'hidden' and visibility_before_hidden is null`.execute(db);
    },
  };
}
