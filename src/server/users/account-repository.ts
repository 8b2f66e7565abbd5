/** Everything stored about one account, read for an export, and its deletion. */
import type { FriendRequest } from '../../protocol/index.js';
import type { Db } from '../db/database.js';
import { withUserRow } from '../db/user-locks.js';
import { BlockRepository } from '../friends/block-repository.js';
import { FriendRepository } from '../friends/friend-repository.js';

/** What a deleted account left: whom to tell, and which sessions to close. */
export interface DeletedAccount {
  friendIds: number[];
  /** The users who blocked it: their lists of blocks lose it. */
  blockerIds: number[];
  /** `shadowed`: the ids of those hidden from their recipient by a block (FriendRepository.requestsOf). */
  requests: { incoming: FriendRequest[]; outgoing: FriendRequest[]; shadowed: number[] };
  sessionIds: string[];
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export class AccountRepository {
  constructor(private readonly db: Db) {}

  /** Every row about the user, timestamps as ISO 8601; null if there is no such account. */
  async exportRows(userId: number) {
    const u = await this.db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
    if (!u) return null;
    const sessions = await this.db
      .selectFrom('user_sessions')
      .select(['created_at', 'last_seen_at', 'expires_at', 'revoked_at', 'user_agent'])
      .where('user_id', '=', userId)
      .orderBy('created_at')
      .execute();
    const declines = await this.db
      .selectFrom('friend_request_declines')
      .selectAll()
      .where((eb) => eb.or([eb('from_user_id', '=', userId), eb('to_user_id', '=', userId)]))
      .execute();
    const grant = await this.db.selectFrom('admin_grants').select('granted_at').where('user_id', '=', userId).executeTakeFirst();
    const calendar = await this.db.selectFrom('user_calendars').selectAll().where('user_id', '=', userId).executeTakeFirst();
    const invites = await this.db
      .selectFrom('game_invites')
      .selectAll()
      .where((eb) => eb.or([eb('from_user_id', '=', userId), eb('to_user_id', '=', userId)]))
      .orderBy('expires_at')
      .execute();
    return {
      account: { id: u.id, username: u.username, display_name: u.display_name, role: u.role, created_at: iso(u.created_at) },
      settings: {
        status_visibility: u.status_visibility,
        activity_visibility: u.activity_visibility,
        last_seen_visibility: u.last_seen_visibility,
        custom_message_visibility: u.custom_message_visibility,
        last_seen_approximate_visibility: u.last_seen_approximate_visibility,
        pattern_visibility: u.pattern_visibility,
      },
      stored_presence: {
        status: u.online_status,
        activity: u.activity_type,
        manual_status: u.manual_status,
        custom_message: u.custom_message,
        custom_message_expires_at: iso(u.custom_message_expires_at),
        last_seen: iso(u.last_seen),
        last_activity: iso(u.last_activity),
        hidden_last_seen: iso(u.hidden_last_seen),
        visibility_before_hidden: u.visibility_before_hidden,
        server_games: exportedGames(parseJson(u.server_games)),
      },
      status_schedule: exportedSchedule(parseJson(u.status_schedule)),
      calendar: calendar
        ? {
            url: calendar.url,
            share_titles: calendar.share_titles === 1,
            busy: exportedBusy(parseJson(calendar.busy)),
            refreshed_at: iso(calendar.refreshed_at),
            error: calendar.error,
          }
        : null,
      sessions: sessions.map((s) => ({
        created_at: iso(s.created_at),
        last_seen_at: iso(s.last_seen_at),
        expires_at: iso(s.expires_at),
        revoked_at: iso(s.revoked_at),
        user_agent: s.user_agent,
      })),
      declined_requests: declines.map((d) => ({ from_user_id: d.from_user_id, to_user_id: d.to_user_id, declined_at: iso(d.declined_at) })),
      admin_grant: grant ? { granted_at: iso(grant.granted_at) } : null,
      // Sent and received, until answered or expired (deleted hourly once expired).
      game_invites: invites.map((i) => ({ id: i.id, from_user_id: i.from_user_id, to_user_id: i.to_user_id, expires_at: iso(i.expires_at) })),
    };
  }

  /** The ids of the user's sessions that are not revoked. */
  async liveSessionIds(userId: number): Promise<string[]> {
    const rows = await this.db.selectFrom('user_sessions').select('id').where('user_id', '=', userId).where('revoked_at', 'is', null).execute();
    return rows.map((r) => r.id);
  }

  /**
   * Deletes the account; every row about it goes with it (foreign keys cascade; game_invites
   * has none, migrations/011-game-invites.ts, so its rows are deleted here). Answers its
   * friends, those who blocked it, requests and live sessions as they were when it went, read in the same
   * transaction with the account's row held (db/user-locks.ts withUserRow): a friendship or
   * request or block being made with it at that moment either is among them or is refused, never
   * deleted unannounced. Null if there was no such account.
   */
  async delete(userId: number): Promise<DeletedAccount | null> {
    return withUserRow(this.db, userId, async (trx) => {
      const friends = new FriendRepository(trx);
      const left: DeletedAccount = {
        friendIds: (await friends.listFriends(userId)).map((f) => f.user_id),
        blockerIds: await new BlockRepository(trx).blockersOf(userId),
        requests: await friends.requestsOf(userId),
        sessionIds: await new AccountRepository(trx).liveSessionIds(userId),
      };
      await trx
        .deleteFrom('game_invites')
        .where((eb) => eb.or([eb('from_user_id', '=', userId), eb('to_user_id', '=', userId)]))
        .execute();
      const res = await trx.deleteFrom('users').where('id', '=', userId).executeTakeFirst();
      return Number(res.numDeletedRows) > 0 ? left : null;
    });
  }
}

/** A JSON column as stored (null, or the text itself if it is not JSON). */
/*
 * Stored JSON in the API's shape (snake_case, ISO 8601 times), as GET /users/me/status/schedule
 * answers a schedule: what a user reads in their export is what the API would say.
 */
type Json = Record<string, unknown>;
const list = (v: unknown): Json[] => (Array.isArray(v) ? v.filter((x): x is Json => typeof x === 'object' && x !== null) : []);
const isoOf = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? new Date(v).toISOString() : null);

function exportedSchedule(stored: unknown) {
  if (typeof stored !== 'object' || stored === null) return null;
  const s = stored as Json;
  return { time_zone: s.timeZone ?? null, rules: list(s.rules).map((r) => ({ days: r.days, from: r.from, to: r.to, status: r.status, message: r.message ?? null })) };
}

function exportedBusy(stored: unknown) {
  return list(stored).map((b) => ({ start: isoOf(b.start), end: isoOf(b.end), title: b.title ?? null }));
}

function exportedGames(stored: unknown) {
  return list(stored).map((g) => ({ match_id: g.matchId, activity: g.activity, started_at: isoOf(g.startedAt), details: g.details ?? null, shown_from: isoOf(g.shownFrom) }));
}

function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
