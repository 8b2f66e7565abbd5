/**
 * The writes of a user's calendar feed and of the busy intervals read from it. Each moves the
 * calendar's version on (users.calendar_version) in the same transaction and answers it: the
 * presence input carries it, and a replica applies only a newer one, so writes made at once (a
 * PUT and a refresh, a DELETE and a refresh, two PUTs on two instances) end on every replica
 * as the database holds them, whatever order their inputs arrive in. The users row is updated
 * first in each transaction, so writes of one user's calendar queue on that row's lock
 * (PostgreSQL) and their versions follow the order they were made in.
 */
import type { Db } from '../db/database.js';
import type { CalendarBusy } from '../presence/schedule.js';

/** Thrown inside a transaction to roll it back when there is nothing to write. */
class NothingToWrite extends Error {}

export class CalendarRepository {
  constructor(private readonly db: Db) {}

  /** Gives the user this feed with what was just read from it; the calendar's new version, or null when there is no such user. */
  async save(userId: number, feed: { url: string; shareTitles: boolean; busy: CalendarBusy[]; refreshedAt: number }): Promise<number | null> {
    return this.#versioned(userId, async (trx) => {
      const values = { url: feed.url, share_titles: feed.shareTitles ? 1 : 0, busy: JSON.stringify(feed.busy), refreshed_at: feed.refreshedAt, error: null };
      await trx
        .insertInto('user_calendars')
        .values({ user_id: userId, ...values })
        .onConflict((oc) => oc.column('user_id').doUpdateSet(values))
        .execute();
      return true;
    });
  }

  /**
   * A refresh's intervals, written only if the user's feed is still the one read, `url` with
   * `shareTitles` (a PUT meanwhile gave another, read already; or stopped sharing titles, which
   * intervals read while sharing them would show): the calendar's new version, or null when
   * nothing was written.
   */
  async refreshed(userId: number, feed: { url: string; shareTitles: boolean }, busy: CalendarBusy[], refreshedAt: number): Promise<number | null> {
    return this.#versioned(userId, async (trx) => {
      const res = await trx
        .updateTable('user_calendars')
        .set({ busy: JSON.stringify(busy), refreshed_at: refreshedAt, error: null })
        .where('user_id', '=', userId)
        .where('url', '=', feed.url)
        .where('share_titles', '=', feed.shareTitles ? 1 : 0)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    });
  }

  /** Removes the user's feed: the calendar's new version (no intervals), or null when there is no such user. */
  async remove(userId: number): Promise<number | null> {
    return this.#versioned(userId, async (trx) => {
      await trx.deleteFrom('user_calendars').where('user_id', '=', userId).execute();
      return true;
    });
  }

  /** Moves the version on, then runs `write`; rolled back (null) when `write` wrote nothing. */
  async #versioned(userId: number, write: (trx: Db) => Promise<boolean>): Promise<number | null> {
    try {
      return await this.db.transaction().execute(async (trx) => {
        const row = await trx
          .updateTable('users')
          .set((eb) => ({ calendar_version: eb('calendar_version', '+', 1) }))
          .where('id', '=', userId)
          .returning('calendar_version')
          .executeTakeFirst();
        if (!row || !(await write(trx))) throw new NothingToWrite();
        return Number(row.calendar_version);
      });
    } catch (err) {
      if (err instanceof NothingToWrite) return null;
      throw err;
    }
  }
}
