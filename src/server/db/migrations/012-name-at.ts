import type { Kysely, Migration } from 'kysely';

/**
 * `users.name_at`: when a host's user's name was last set from a dated source (a token's `iat`,
 * a service-API rename). A token issued before the last rename no longer names the user back
 * (integration/id-map.ts describe).
 */
export function nameAt(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('users').addColumn('name_at', 'bigint').execute();
    },
  };
}
