/**
 * Writes made while another transaction holds a user's row, to put them in a race at once
 * (the store contract's locked writes, the schedule's If-Match checked under that lock).
 */
import { sql, type Transaction } from 'kysely';
import type { Database } from '../../src/server/db/database.js';
import type { DatabaseSchema } from '../../src/server/db/schema.js';

/**
 * Runs the writes `start` starts while another transaction holds the user's row, then lets
 * them go at once: on PostgreSQL they wait on the row lock (checked: every one is blocked
 * before the row is let go), on SQLite on its one connection. `held`: what the holding
 * transaction writes meanwhile (by default nothing but the row's own lock). `reaching`: how
 * many of them reach the row before it is let go, by default all; withUserRow's callers on
 * this instance take their turns before it (db/user-locks.ts inTurn), so only one of them.
 */
export async function behindHeldRow<T>(
  database: Database,
  userId: number,
  start: () => Array<Promise<T>>,
  opts: { held?: (trx: Transaction<DatabaseSchema>) => Promise<void>; reaching?: number } = {},
): Promise<T[]> {
  let writes: Array<Promise<T>> = [];
  await database.db.transaction().execute(async (trx) => {
    await trx.updateTable('users').set((eb) => ({ name_at: eb.ref('name_at') })).where('id', '=', userId).execute();
    writes = start();
    await opts.held?.(trx);
    if (database.dialect !== 'postgres') return;
    await untilBlocked(trx, opts.reaching ?? writes.length, 'the writes never queued on the held row');
  });
  return Promise.all(writes);
}

/** PostgreSQL: waits until `n` backends wait on `trx`, directly or behind one that does; else throws `never` after 5 s. */
export async function untilBlocked(trx: Transaction<DatabaseSchema>, n: number, never: string): Promise<void> {
  const blocked = async () => {
    // pg_stat_activity is read once per transaction unless its snapshot is dropped.
    await sql`select pg_stat_clear_snapshot()`.execute(trx);
    const { rows } = await sql<{ n: number | string }>`
      with recursive w(pid) as (
        select pid from pg_stat_activity where pg_backend_pid() = any(pg_blocking_pids(pid))
        union select a.pid from pg_stat_activity a join w on w.pid = any(pg_blocking_pids(a.pid)))
      select count(*) as n from w`.execute(trx);
    return Number(rows[0]!.n);
  };
  const end = Date.now() + 5_000;
  while ((await blocked()) < n) {
    if (Date.now() > end) throw new Error(never);
    await new Promise((r) => setTimeout(r, 5));
  }
}
