import type { Kysely, Migration } from 'kysely';

/**
 * `push_subscriptions.session_id`: the login that saved the subscription. A login that ends
 * (logged out, ended from another login, every other one ended, a password change or reset)
 * takes its browsers' subscriptions with it (auth/session-repository.ts): before, a browser
 * signed out from elsewhere (a shared computer, a leaked token) went on receiving the account's
 * "X is online" pushes for good. Rows saved before have none (null): they end with the next
 * end of every other login (or password change), not with a single logout.
 */
export function pushSubscriptionLogin(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('push_subscriptions').addColumn('session_id', 'varchar(64)').execute();
    },
  };
}
