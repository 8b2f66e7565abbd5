import type { Kysely, Migration } from 'kysely';

/**
 * Beacon inside another site (embedded and sidecar modes): a host's user is a shadow
 * `users` row found by `external_id` (the host's own id, e.g. a JWT `sub`), created on first
 * sight, so presence tables keep their foreign keys. Beacon's own accounts have none.
 */
export function integration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('users').addColumn('external_id', 'varchar(128)').execute();
      await db.schema.createIndex('users_external_id').unique().on('users').column('external_id').execute();
    },
  };
}
