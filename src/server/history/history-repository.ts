/**
 * Status history: one row per change of a user's effective status (`status_history`), kept
 * for BEACON_HISTORY_RETENTION_DAYS. Rows are appended in batches and read per user.
 * Instances that replicate one user may each record the same change; readers treat
 * repeated statuses as one (see patterns.ts), so duplicates cost a row, not a wrong answer.
 */
import type { Status } from '../../protocol/index.js';
import type { Db } from '../db/database.js';

export interface Transition {
  userId: number;
  at: number;
  status: Status;
}

const DAY_MS = 86_400_000;
/** Rows per INSERT (3 parameters each). */
const CHUNK = 500;

export class HistoryRepository {
  constructor(private readonly db: Db) {}

  async append(rows: readonly Transition[]): Promise<void> {
    for (let i = 0; i < rows.length; i += CHUNK) {
      const values = rows.slice(i, i + CHUNK).map((r) => ({ user_id: r.userId, at: r.at, status: r.status }));
      await this.db.insertInto('status_history').values(values).execute();
    }
  }

  /**
   * The user's transitions within [from, to], preceded by the last one before `from` (the state
   * the window opens in), in one array (tests: what `pages` must add up to).
   */
  async range(userId: number, from: number, to: number): Promise<Transition[]> {
    const before = await this.#lastBefore(userId, from);
    const rows = await this.#between(userId, from, to + 1);
    return before ? [{ userId, at: Number(before.at), status: before.status }, ...rows] : rows;
  }

  /**
   * What `range` answers, a day (at most ~1,440 rows) a page, one query a page, empty days
   * included (history-reads.ts gives each page a turn of its own; history and patterns read
   * this). The first page starts with the last transition before `from`. Days, not row
   * counts, as for `daysOfUser`: rows sharing an `at` stay on one page, in the order one
   * query gives them.
   */
  async *pages(userId: number, from: number, to: number): AsyncGenerator<Transition[]> {
    const before = await this.#lastBefore(userId, from);
    let page = before ? [{ userId, at: Number(before.at), status: before.status }] : [];
    for (let start = from; start <= to; start += DAY_MS) {
      page.push(...(await this.#between(userId, start, Math.min(start + DAY_MS, to + 1))));
      yield page;
      page = [];
    }
  }

  async #lastBefore(userId: number, from: number) {
    return this.db
      .selectFrom('status_history')
      .select(['at', 'status'])
      .where('user_id', '=', userId)
      .where('at', '<', from)
      .orderBy('at', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  /** The user's transitions in [from, until), oldest first. */
  async #between(userId: number, from: number, until: number): Promise<Transition[]> {
    const rows = await this.db
      .selectFrom('status_history')
      .select(['at', 'status'])
      .where('user_id', '=', userId)
      .where('at', '>=', from)
      .where('at', '<', until)
      .orderBy('at')
      .execute();
    return rows.map((r) => ({ userId, at: Number(r.at), status: r.status }));
  }

  /** Everything kept about one user, oldest first, in one array (tests, small histories). */
  async ofUser(userId: number): Promise<Transition[]> {
    const out: Transition[] = [];
    for await (const day of this.daysOfUser(userId)) out.push(...day);
    return out;
  }

  /**
   * Everything kept about one user, oldest first, a day at a time (data export). At a row a
   * minute at most, 90 days are ~130,000 rows: read and written out in one go, that stalled
   * the event loop every user shares for half a second per export. A day is at most ~1,440
   * rows; the caller takes a turn per day (history-reads.ts). Days, not row counts, because
   * rows of one user may share an `at` (see the header) and a page boundary must not split them.
   */
  async *daysOfUser(userId: number): AsyncGenerator<Transition[]> {
    const span = await this.db
      .selectFrom('status_history')
      .select((eb) => [eb.fn.min('at').as('first'), eb.fn.max('at').as('last')])
      .where('user_id', '=', userId)
      .executeTakeFirst();
    if (span?.first == null || span.last == null) return;
    const last = Number(span.last);
    for (let from = Number(span.first); from <= last; from += DAY_MS) {
      const rows = await this.#between(userId, from, from + DAY_MS);
      if (rows.length > 0) yield rows;
    }
  }

  /** Removes one user's history (account deletion). */
  async deleteUser(userId: number): Promise<void> {
    await this.db.deleteFrom('status_history').where('user_id', '=', userId).execute();
  }

  /** Drops rows older than `before`; answers how many. */
  async prune(before: number): Promise<number> {
    const res = await this.db.deleteFrom('status_history').where('at', '<', before).executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}
