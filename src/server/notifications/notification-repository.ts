/** Push subscriptions, "tell me when X comes online" watches and notification settings. */
import { DEFAULT_NOTIFY_PERIOD_MINUTES, type PushSubscriptionBody, type Watch } from '../../protocol/index.js';
import { isLive } from '../auth/live-login.js';
import type { Db } from '../db/database.js';
import { AppError } from '../errors.js';
import { isPostgres, withUserLock, type Trx } from '../db/user-locks.js';

export interface StoredSubscription {
  endpoint: string;
  p256dh: string;
  auth: string;
}

/** At most this many browsers per user receive pushes; the oldest beyond it is dropped. */
export const MAX_SUBSCRIPTIONS_PER_USER = 10;
/** At most this many friends watched per user. */
export const MAX_WATCHES_PER_USER = 200;

export class NotificationRepository {
  constructor(private readonly db: Db) {}

  /**
   * Saves a browser's subscription for the user. An endpoint belongs to one browser: saving it
   * again (another account logged in there) moves it to this user. Under the user's lock
   * (db/user-locks.ts), so that saves sent at once, to any instance, cannot each trim the
   * same oldest browser and leave more than the cap; the endpoint is upserted, so two saves of
   * one endpoint at once (one account or two) never meet its primary key. `sessionId`: the login
   * saving it, whose end ends it (endLoginPushes).
   */
  async saveSubscription(userId: number, sub: PushSubscriptionBody, now: number, sessionId: string): Promise<void> {
    await withUserLock(this.db, userId, async (tx) => {
      // Under the lock an end of logins takes too (withUserRow): one that ended this login while
      // its request ran came first, and a subscription saved now would outlive it.
      if (!(await isLive(tx, sessionId, userId, now))) throw new AppError('UNAUTHORIZED', 'Invalid, expired or revoked token');
      const values = { user_id: userId, p256dh: sub.keys.p256dh, auth: sub.keys.auth, created_at: now, session_id: sessionId };
      await tx
        .insertInto('push_subscriptions')
        .values({ endpoint: sub.endpoint, ...values })
        .onConflict((oc) => oc.column('endpoint').doUpdateSet(values))
        .execute();
      const extra = await tx
        .selectFrom('push_subscriptions')
        .select('endpoint')
        .where('user_id', '=', userId)
        .orderBy('created_at', 'desc')
        .orderBy('endpoint')
        .offset(MAX_SUBSCRIPTIONS_PER_USER)
        .limit(1000)
        .execute();
      if (extra.length > 0) await tx.deleteFrom('push_subscriptions').where('endpoint', 'in', extra.map((e) => e.endpoint)).execute();
    });
  }

  /** Removes the user's subscription with this endpoint (any of its spellings); false when they had none. */
  async deleteSubscription(userId: number, endpoints: readonly string[]): Promise<boolean> {
    const res = await this.db.deleteFrom('push_subscriptions').where('user_id', '=', userId).where('endpoint', 'in', endpoints).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  /** The push service said this endpoint is gone (404/410). */
  async dropEndpoint(endpoint: string): Promise<void> {
    await this.db.deleteFrom('push_subscriptions').where('endpoint', '=', endpoint).execute();
  }

  async subscriptionsOf(userId: number): Promise<StoredSubscription[]> {
    return this.db.selectFrom('push_subscriptions').select(['endpoint', 'p256dh', 'auth']).where('user_id', '=', userId).execute();
  }

  /** The endpoints the user's pushes go to (at most MAX_SUBSCRIPTIONS_PER_USER), oldest first. */
  async endpointsOf(userId: number): Promise<string[]> {
    const rows = await this.db.selectFrom('push_subscriptions').select(['endpoint']).where('user_id', '=', userId).orderBy('created_at').orderBy('endpoint').execute();
    return rows.map((r) => r.endpoint);
  }

  /**
   * Starts watching; false when the user already watches as many friends as allowed. Counted
   * and written under the user's lock (db/user-locks.ts): watches added at once, to any
   * instance, cannot all pass the count together.
   */
  async addWatch(watcherId: number, friendId: number, now: number): Promise<boolean> {
    return withUserLock(this.db, watcherId, (tx) => addWatchIn(tx, watcherId, friendId, now));
  }

  /**
   * addWatch for one of the watcher's friends (the PUT route). The friendship is read in the
   * same transaction, and on PostgreSQL locked (`for share`) until the watch is written: a
   * friendship ended at the same time either waits for the watch, whose removal on unfriending
   * then drops it, or is seen ended. Read first and written after, a watch outlived it.
   */
  async addFriendWatch(watcherId: number, friendId: number, now: number): Promise<'added' | 'full' | 'not_friend'> {
    // The friend's row is held too: a deletion of their account waits, or is waited for, instead of deadlocking with the watch's foreign key.
    return withUserLock(
      this.db,
      watcherId,
      async (tx) => {
        let friendship = tx.selectFrom('friendships').select('friend_id').where('user_id', '=', watcherId).where('friend_id', '=', friendId);
        if (isPostgres(tx)) friendship = friendship.forShare();
        if (!(await friendship.executeTakeFirst())) return 'not_friend';
        return (await addWatchIn(tx, watcherId, friendId, now)) ? 'added' : 'full';
      },
      [friendId],
    );
  }

  async removeWatch(watcherId: number, friendId: number): Promise<void> {
    await this.db.deleteFrom('notification_watches').where('watcher_id', '=', watcherId).where('friend_id', '=', friendId).execute();
  }

  /** Unfriending ends the watches both ways. */
  async removeWatchesBetween(a: number, b: number): Promise<void> {
    await this.db
      .deleteFrom('notification_watches')
      .where((eb) => eb.or([eb.and([eb('watcher_id', '=', a), eb('friend_id', '=', b)]), eb.and([eb('watcher_id', '=', b), eb('friend_id', '=', a)])]))
      .execute();
  }

  async countWatches(watcherId: number): Promise<number> {
    const row = await this.db.selectFrom('notification_watches').select((eb) => eb.fn.countAll<number>().as('n')).where('watcher_id', '=', watcherId).executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /** The friends the user watches, by username. */
  async watchesOf(watcherId: number): Promise<Watch[]> {
    const rows = await this.db
      .selectFrom('notification_watches as w')
      .innerJoin('users as u', 'u.id', 'w.friend_id')
      .select(['u.id', 'u.username', 'u.display_name', 'w.created_at'])
      .where('w.watcher_id', '=', watcherId)
      .orderBy('u.username_lower')
      .execute();
    return rows.map((r) => ({ user_id: r.id, username: r.username, display_name: r.display_name, since: new Date(Number(r.created_at)).toISOString() }));
  }

  /** Who watches this user, with each watcher's role (admins see through privacy) and period. */
  /** The watchers of each of these users (one query per 500 ids), with their role and period. */
  async watchersOf(friendIds: readonly number[]): Promise<Array<{ friendId: number; watcherId: number; role: 'user' | 'admin'; periodMinutes: number }>> {
    const out: Array<{ friendId: number; watcherId: number; role: 'user' | 'admin'; periodMinutes: number }> = [];
    for (let i = 0; i < friendIds.length; i += 500) {
      const rows = await this.db
        .selectFrom('notification_watches as w')
        .innerJoin('users as u', 'u.id', 'w.watcher_id')
        .leftJoin('notification_settings as s', 's.user_id', 'w.watcher_id')
        .select(['w.friend_id', 'w.watcher_id', 'u.role', 's.period_minutes'])
        .where('w.friend_id', 'in', friendIds.slice(i, i + 500))
        .orderBy('w.friend_id')
        .orderBy('w.watcher_id')
        .execute();
      for (const r of rows) out.push({ friendId: r.friend_id, watcherId: r.watcher_id, role: r.role, periodMinutes: r.period_minutes ?? DEFAULT_NOTIFY_PERIOD_MINUTES });
    }
    return out;
  }

  /**
   * Claims the right to notify watcher about friend at `now`: true for exactly one caller per
   * period, whichever instance asks (one conditional UPDATE, atomic in both dialects).
   */
  async claim(watcherId: number, friendId: number, now: number, periodMs: number): Promise<boolean> {
    const res = await this.db
      .updateTable('notification_watches')
      .set({ last_sent_at: now })
      .where('watcher_id', '=', watcherId)
      .where('friend_id', '=', friendId)
      .where((eb) => eb.or([eb('last_sent_at', 'is', null), eb('last_sent_at', '<=', now - periodMs)]))
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  async periodMinutes(userId: number): Promise<number> {
    const row = await this.db.selectFrom('notification_settings').select('period_minutes').where('user_id', '=', userId).executeTakeFirst();
    return row?.period_minutes ?? DEFAULT_NOTIFY_PERIOD_MINUTES;
  }

  async setPeriodMinutes(userId: number, minutes: number): Promise<void> {
    await this.db
      .insertInto('notification_settings')
      .values({ user_id: userId, period_minutes: minutes })
      .onConflict((oc) => oc.column('user_id').doUpdateSet({ period_minutes: minutes }))
      .execute();
  }

  /** Everything about the user's notifications, for the data export (endpoints are the user's own data). */
  async exportRows(userId: number) {
    const [subs, watches, period] = await Promise.all([
      this.db.selectFrom('push_subscriptions').select(['endpoint', 'created_at']).where('user_id', '=', userId).execute(),
      this.watchesOf(userId),
      this.periodMinutes(userId),
    ]);
    return {
      period_minutes: period,
      push_subscriptions: subs.map((s) => ({ endpoint: s.endpoint, created_at: new Date(Number(s.created_at)).toISOString() })),
      watches: watches.map((w) => ({ user_id: w.user_id, since: w.since })),
    };
  }
}

/**
 * A browser receives a user's pushes for as long as the login that saved it lives: ending
 * logins (in the caller's transaction, auth/session-repository.ts) deletes the subscriptions
 * they saved. `ids`: these logins ended; `allBut`: every login of the user but this one (null:
 * every one), which also takes the subscriptions saved before logins were recorded (migration
 * 024). Without it, a browser signed out from elsewhere (a shared computer, a leaked token, a
 * password change) went on showing the account's "X is online" notifications for good.
 */
export async function endLoginPushes(db: Db, userId: number, ended: { ids: readonly string[] } | { allBut: string | null }): Promise<void> {
  let q = db.deleteFrom('push_subscriptions').where('user_id', '=', userId);
  if ('ids' in ended) {
    if (ended.ids.length === 0) return;
    q = q.where('session_id', 'in', ended.ids);
  } else if (ended.allBut !== null) {
    const keep = ended.allBut;
    q = q.where((eb) => eb.or([eb('session_id', 'is', null), eb('session_id', '!=', keep)]));
  }
  await q.execute();
}

/** Adds a watch unless the watcher is at the cap (a watch that exists already is kept): in the caller's locked transaction. */
async function addWatchIn(tx: Trx, watcherId: number, friendId: number, now: number): Promise<boolean> {
  if ((await new NotificationRepository(tx).countWatches(watcherId)) >= MAX_WATCHES_PER_USER) {
    return (await tx.selectFrom('notification_watches').select('friend_id').where('watcher_id', '=', watcherId).where('friend_id', '=', friendId).executeTakeFirst()) !== undefined;
  }
  await tx
    .insertInto('notification_watches')
    .values({ watcher_id: watcherId, friend_id: friendId, created_at: now, last_sent_at: null })
    .onConflict((oc) => oc.columns(['watcher_id', 'friend_id']).doNothing())
    .execute();
  return true;
}
