/**
 * What presence keeps in the database: the profile and settings it needs to build
 * views, the remembered state (manual status, custom message, last seen) and the
 * written-behind live columns. Called in bulk, never once per heartbeat.
 */
import { sql } from 'kysely';
import { AUDIENCES, MANUAL_STATUSES, ROLES, Settings as SettingsSchema, STATUS_VISIBILITIES, type Activity, type Role, type Settings, type Status } from '../../protocol/index.js';
import type { Db } from '../db/database.js';
import { withUserRow } from '../db/user-locks.js';
import { storedVisibilityBeforeHidden } from '../users/user-repository.js';
import { isTimeZone, type CalendarBusy, type Schedule } from '../presence/schedule.js';
import type { PersistedPresence, PresentAtStop, ServerGame, ShownStatusVisibility } from '../presence/types.js';
import type { Version } from '../ports/presence-store.js';

/**
 * Each enum value as one string shared by every profile: a row's columns arrive as strings
 * of their own, and ten thousand loaded profiles would otherwise each keep six copies of
 * `friends`/`nobody` and one of `user` (~0.2 KiB per user).
 */
const CANONICAL = new Map<string, string>([...AUDIENCES, ...STATUS_VISIBILITIES, ...ROLES, ...MANUAL_STATUSES].map((v) => [v, v]));
const canonical = <T extends string | null>(v: T): T => (v === null ? v : ((CANONICAL.get(v) as T | undefined) ?? v));

/**
 * One frozen settings object per distinct combination of values, shared by every profile
 * that has it: most users keep the defaults, and an object of its own cost each loaded user
 * 72 bytes. The combinations are few (six enum columns), so the table stays small.
 */
const SHARED_SETTINGS = new Map<string, Settings>();
/** Every field of the schema, so a field added there is part of the key without an edit here. */
const SETTINGS_FIELDS = Object.keys(SettingsSchema.properties) as (keyof Settings)[];
export function sharedSettings(s: Settings): Settings {
  const key = SETTINGS_FIELDS.map((f) => String(s[f])).join('|');
  let shared = SHARED_SETTINGS.get(key);
  if (!shared) {
    shared = Object.freeze({ ...s });
    SHARED_SETTINGS.set(key, shared);
  }
  return shared;
}

/** What a schedule save did: written (its new version, the schedule it replaced), or not, the stored version not the one expected. */
export type ScheduleSave = { version: number; before: Schedule | null } | { stale: number };

export interface Profile {
  id: number;
  username: string;
  displayName: string;
  role: Role;
  settings: Settings;
  /** While hidden: the last_seen the user shows (see Subject.hiddenLastSeen). */
  hiddenLastSeen: number | null;
  /** While hidden: the status audience the user had when they hid, who may see that last_seen (see Subject.visibilityBeforeHidden). */
  visibilityBeforeHidden: ShownStatusVisibility | null;
  /** users.settings_version when `settings` were read or last applied: an older save is not applied. */
  settingsVersion: number;
}

export interface PresenceRow {
  userId: number;
  status: Status;
  activity: Activity | null;
  persisted: PersistedPresence;
  /**
   * The version of the shared presence (cluster mode) this state is at: a replica loads the row
   * over an older Redis copy (ReplicaLoading). Absent or null: none (one instance).
   */
  version?: Version | null;
}

/** A user's remembered presence, and the version of the shared presence it was written at (PresenceRow.version; null: none). */
export interface RowPresence {
  persisted: PersistedPresence;
  version: Version | null;
}

/**
 * A user as presence loads them: profile and remembered presence. `deleted`: a row a host's
 * deletion put back only to date it (`deleted_at`): no such user to anyone asking.
 */
export type LoadedUser = RowPresence & { profile: Profile; deleted: boolean };

/**
 * The columns of the remembered presence. Read in one statement, so the schedule and the
 * calendar are read with the versions they were written with.
 */
const PRESENCE_COLUMNS = [
  'manual_status',
  'custom_message',
  'custom_message_expires_at',
  'last_seen',
  'last_activity',
  'server_games',
  'status_schedule',
  'schedule_version',
  'calendar_version',
  'presence_version_at',
  'presence_version_by',
  'user_calendars.busy as calendar_busy',
] as const;

interface PresenceColumns {
  manual_status: 'busy' | 'away' | null;
  custom_message: string | null;
  custom_message_expires_at: number | null;
  last_seen: number | null;
  last_activity: number | null;
  server_games: string | null;
  status_schedule: string | null;
  schedule_version: number;
  calendar_version: number;
  presence_version_at: number | null;
  presence_version_by: string | null;
  calendar_busy: string | null;
}

function presenceOfRow(r: PresenceColumns): RowPresence {
  return {
    persisted: {
      manualStatus: canonical(r.manual_status),
      serverGames: parseGames(r.server_games),
      schedule: parseSchedule(r.status_schedule),
      scheduleVersion: Number(r.schedule_version),
      calendar: parseBusy(r.calendar_busy),
      calendarVersion: Number(r.calendar_version),
      customMessage: r.custom_message,
      customMessageExpiresAt: r.custom_message_expires_at,
      lastSeen: r.last_seen,
      lastActivity: r.last_activity,
    },
    version: r.presence_version_at === null || r.presence_version_by === null ? null : { at: Number(r.presence_version_at), by: r.presence_version_by },
  };
}

const CHUNK = 500;
/** Users per UPDATE of the write-behind (11 parameters each; far below SQLite's 32,766). */
const WRITE_CHUNK = 250;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

const gamesJson = (games: readonly ServerGame[]): string | null => (games.length === 0 ? null : JSON.stringify(games));

/** The stored games in progress; anything unreadable is treated as none (they time out anyway). */
function parseGames(json: string | null): ServerGame[] {
  if (!json) return [];
  try {
    const games = JSON.parse(json) as unknown;
    if (!Array.isArray(games)) return [];
    return games.filter(
      (g): g is ServerGame =>
        typeof g === 'object' && g !== null && typeof g.matchId === 'string' && (g.activity === 'playing_pong' || g.activity === 'in_tournament') && Number.isFinite(g.startedAt),
    );
  } catch {
    return [];
  }
}

/** Stored busy intervals; anything unreadable counts as none (the next refresh rewrites them). */
export function parseBusy(json: string | null): CalendarBusy[] {
  if (!json) return [];
  try {
    const list = JSON.parse(json) as unknown;
    if (!Array.isArray(list)) return [];
    return list.filter(
      (b): b is CalendarBusy => typeof b === 'object' && b !== null && Number.isFinite(b.start) && Number.isFinite(b.end) && typeof b.message === 'string',
    );
  } catch {
    return [];
  }
}

/** A stored schedule; anything unreadable counts as none. */
function parseSchedule(json: string | null): Schedule | null {
  if (!json) return null;
  try {
    const s = JSON.parse(json) as Schedule;
    return typeof s.timeZone === 'string' && Array.isArray(s.rules) && isTimeZone(s.timeZone) ? s : null;
  } catch {
    return null;
  }
}

export class PresenceRepository {
  /**
   * `names`: where profiles' names come from when not Beacon's own accounts (a host's
   * profiles port, see integration/host-graph.ts): one call per loaded batch.
   */
  constructor(
    private readonly db: Db,
    private readonly names: ((ids: readonly number[]) => Promise<Map<number, string>>) | null = null,
  ) {}

  /**
   * A user's stored status schedule with its version (users.schedule_version), read in one
   * statement: the pair `GET /users/me/status/schedule` answers (its ETag) and a conditional
   * save checks. Null when there is no such user.
   */
  async readSchedule(userId: number): Promise<{ schedule: Schedule | null; version: number } | null> {
    const row = await this.db.selectFrom('users').select(['status_schedule', 'schedule_version']).where('id', '=', userId).executeTakeFirst();
    return row ? { schedule: parseSchedule(row.status_schedule), version: Number(row.schedule_version) } : null;
  }

  /**
   * Saves a user's status schedule (null removes it). Durable at once, like settings. Answers
   * the schedule's new version (users.schedule_version, moved on by this write: two saves at
   * once get versions in the order the database applied them) and the schedule it replaced, or
   * null when there is no such user. The version travels with the input: a replica applies only
   * a newer one.
   * `ifVersion` (an `If-Match`): the versions the caller read and accepts to replace; when the
   * stored one is none of them nothing is written and the stored version is answered as
   * `stale`. The check and the write are one transaction holding the user's row, so of two
   * saves made against one version, one is written and the other finds it moved on.
   */
  async saveSchedule(userId: number, schedule: Schedule | null, ifVersion?: readonly number[]): Promise<ScheduleSave | null> {
    return withUserRow(this.db, userId, async (trx) => {
      const before = await trx.selectFrom('users').select(['status_schedule', 'schedule_version']).where('id', '=', userId).executeTakeFirst();
      if (!before) return null;
      if (ifVersion && !ifVersion.includes(Number(before.schedule_version))) return { stale: Number(before.schedule_version) };
      const row = await trx
        .updateTable('users')
        .set((eb) => ({ status_schedule: schedule === null ? null : JSON.stringify(schedule), schedule_version: eb('schedule_version', '+', 1) }))
        .where('id', '=', userId)
        .returning('schedule_version')
        .executeTakeFirstOrThrow();
      return { version: Number(row.schedule_version), before: parseSchedule(before.status_schedule) };
    });
  }

  /**
   * The users' names as load() gives a profile them: from `names` when integrated with a host,
   * else Beacon's own columns. Unknown ids are left out.
   */
  async namesOf(ids: readonly number[]): Promise<Map<number, { username: string; displayName: string }>> {
    const out = new Map<number, { username: string; displayName: string }>();
    if (ids.length === 0) return out;
    if (this.names) {
      for (const [id, name] of await this.names(ids)) out.set(id, { username: name, displayName: name });
      return out;
    }
    for (const part of chunks([...new Set(ids)])) {
      const rows = await this.db.selectFrom('users').select(['id', 'username', 'display_name']).where('id', 'in', part).execute();
      for (const r of rows) out.set(r.id, { username: r.username, displayName: r.display_name });
    }
    return out;
  }

  /** Profiles and remembered presence of the given users (unknown ids are left out). */
  async load(ids: readonly number[]): Promise<LoadedUser[]> {
    const out: LoadedUser[] = [];
    for (const part of chunks([...new Set(ids)])) {
      // One statement, so the schedule and the calendar are read with the versions they were written with.
      const rows = await this.db
        .selectFrom('users')
        .leftJoin('user_calendars', 'user_calendars.user_id', 'users.id')
        .select([
          'users.id',
          'username',
          'display_name',
          'role',
          'status_visibility',
          'activity_visibility',
          'last_seen_visibility',
          'custom_message_visibility',
          'last_seen_approximate_visibility',
          'pattern_visibility',
          'hidden_last_seen',
          'visibility_before_hidden',
          'settings_version',
          'deleted_at',
          ...PRESENCE_COLUMNS,
        ])
        .where('users.id', 'in', part)
        .execute();
      for (const r of rows) {
        out.push({
          profile: {
            id: r.id,
            username: r.username,
            displayName: r.display_name,
            role: canonical(r.role),
            settings: sharedSettings({
              status_visibility: canonical(r.status_visibility),
              activity_visibility: canonical(r.activity_visibility),
              last_seen_visibility: canonical(r.last_seen_visibility),
              custom_message_visibility: canonical(r.custom_message_visibility),
              last_seen_approximate_visibility: canonical(r.last_seen_approximate_visibility),
              pattern_visibility: canonical(r.pattern_visibility),
            }),
            hiddenLastSeen: r.hidden_last_seen === null ? null : Number(r.hidden_last_seen),
            visibilityBeforeHidden: storedVisibilityBeforeHidden(r.visibility_before_hidden),
            settingsVersion: Number(r.settings_version),
          },
          ...presenceOfRow(r),
          deleted: r.deleted_at !== null,
        });
      }
    }
    if (this.names && out.length > 0) {
      const names = await this.namesOf(out.map((r) => r.profile.id));
      for (const { profile } of out) {
        const name = names.get(profile.id);
        if (name !== undefined) Object.assign(profile, name);
      }
    }
    return out;
  }

  /** The remembered presence of the given users and the version it was written at, without their profiles (unknown ids are left out). */
  async presenceOf(ids: readonly number[]): Promise<Map<number, RowPresence>> {
    const out = new Map<number, RowPresence>();
    for (const part of chunks([...new Set(ids)])) {
      const rows = await this.db
        .selectFrom('users')
        .leftJoin('user_calendars', 'user_calendars.user_id', 'users.id')
        .select(['users.id', ...PRESENCE_COLUMNS])
        .where('users.id', 'in', part)
        .execute();
      for (const r of rows) out.set(r.id, presenceOfRow(r));
    }
    return out;
  }

  /**
   * Writes many users' presence in one transaction, WRITE_CHUNK users per statement:
   * `UPDATE users … FROM (VALUES …)` (SQLite ≥ 3.33 and PostgreSQL), so a write-behind
   * flush of thousands of users costs a handful of statements instead of one compiled and
   * prepared statement per user (which stalled the event loop ~0.1 ms per user).
   * Values are CAST so PostgreSQL types the VALUES columns like the target columns.
   */
  async write(rows: readonly PresenceRow[]): Promise<void> {
    if (rows.length === 0) return;
    // The last row of a user wins, as with one UPDATE per row in order.
    const latest = new Map<number, PresenceRow>();
    for (const r of rows) latest.set(r.userId, r);
    const all = [...latest.values()];
    await this.db.transaction().execute(async (trx) => {
      for (let i = 0; i < all.length; i += WRITE_CHUNK) {
        // Let sockets be served between statements: ~2 ms of SQLite each, never one long stall.
        if (i > 0) await new Promise((resolve) => setImmediate(resolve));
        const values = all.slice(i, i + WRITE_CHUNK).map(
          (r) =>
            sql`(cast(${r.userId} as integer), cast(${r.status} as varchar(10)), cast(${r.activity} as varchar(20)), cast(${r.persisted.manualStatus} as varchar(10)), cast(${r.persisted.customMessage} as varchar(1024)), cast(${r.persisted.customMessageExpiresAt} as bigint), cast(${r.persisted.lastSeen} as bigint), cast(${r.persisted.lastActivity} as bigint), cast(${gamesJson(r.persisted.serverGames)} as text), cast(${r.version?.at ?? null} as bigint), cast(${r.version?.by ?? null} as text))`,
        );
        await sql`update users set
            online_status = v.column2,
            activity_type = v.column3,
            manual_status = v.column4,
            custom_message = v.column5,
            custom_message_expires_at = v.column6,
            last_seen = v.column7,
            last_activity = v.column8,
            server_games = v.column9,
            presence_version_at = v.column10,
            presence_version_by = v.column11
          from (values ${sql.join(values)}) as v
          where users.id = v.column1`.execute(trx);
      }
    });
  }

  /**
   * After a crash, rows still say `online`: turn them offline with last_seen = the last
   * moment this server was known alive (or their last activity, if later). No ghost online.
   */
  async resetGhosts(lastAliveAt: number | null, now: number): Promise<number> {
    const seen = lastAliveAt ?? now;
    const res = await this.db
      .updateTable('users')
      .set({
        online_status: 'offline',
        activity_type: null,
        last_seen: sql<number>`case when last_activity is not null and last_activity > ${seen} then last_activity else ${seen} end`,
      })
      .where('online_status', '<>', 'offline')
      .executeTakeFirst();
    return Number(res.numUpdatedRows);
  }

  /**
   * Records a clean stop: when (`at`, the last seen of whoever does not come back), who was
   * present (PresenceEngine.presentAt), for the next start to resume within their grace, and
   * when the record was written (`recordedAt`): after the stop's last write-behind flush and its
   * alive mark, which a crash after the record would leave later. Only a stop that saved
   * everything is recorded as clean.
   */
  async markStopped(at: number, present: readonly PresentAtStop[], recordedAt = at): Promise<void> {
    await this.#putSecret('stopped', JSON.stringify({ at, present, recordedAt }));
  }

  /** The last clean stop's record, removed as it is read (it serves one start); null if none. */
  async takeStopped(): Promise<{ at: number; present: PresentAtStop[]; recordedAt?: number } | null> {
    const row = await this.db.selectFrom('server_secrets').select('value').where('name', '=', 'stopped').executeTakeFirst();
    if (!row) return null;
    await this.clearStopped();
    try {
      return JSON.parse(row.value) as { at: number; present: PresentAtStop[]; recordedAt?: number };
    } catch {
      return null;
    }
  }

  /** Forgets a clean stop's record (a stop that could not save everything counts as a crash). */
  async clearStopped(): Promise<void> {
    await this.db.deleteFrom('server_secrets').where('name', '=', 'stopped').execute();
  }

  /** The heartbeat the write-behind leaves, read at start to date a crash. */
  async lastAlive(): Promise<number | null> {
    const row = await this.db.selectFrom('server_secrets').select('value').where('name', '=', 'alive_at').executeTakeFirst();
    return row ? Number(row.value) : null;
  }

  async markAlive(at: number): Promise<void> {
    await this.#putSecret('alive_at', String(at));
  }

  async #putSecret(name: string, value: string): Promise<void> {
    await this.db
      .insertInto('server_secrets')
      .values({ name, value })
      .onConflict((oc) => oc.column('name').doUpdateSet({ value }))
      .execute();
  }
}
