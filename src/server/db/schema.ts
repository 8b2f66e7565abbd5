/**
 * Table types for Kysely. Timestamps are integers of milliseconds since the epoch
 * (BIGINT in PostgreSQL, INTEGER in SQLite) so both dialects share one code path;
 * the API turns them into ISO 8601 strings at the edge.
 */
import type { Generated } from 'kysely';
import type {
  Activity,
  Audience,
  FriendCategory,
  Role,
  Status,
  StatusVisibility,
} from '../../protocol/index.js';

export interface UsersTable {
  id: Generated<number>;
  username: string;
  /** Lower-cased username: uniqueness and search are case-insensitive. */
  username_lower: string;
  /**
   * The username's confusable skeleton (users/username-skeleton.ts): registration refuses a
   * username whose skeleton a user has. Every row Beacon inserts has it (user-repository.ts,
   * integration/id-map.ts); null for a row an older Beacon inserted during a rolling upgrade,
   * or one a test or bench seed inserted directly.
   */
  username_skeleton: string | null;
  display_name: string;
  password_hash: string;
  role: Role;
  created_at: number;
  /** When the user's last session ended. */
  last_seen: number | null;
  /** Last effective status written behind by the presence service; `offline` after a clean stop. */
  online_status: Status;
  activity_type: Activity | null;
  /** Last interaction (input, API call), for idle detection and crash recovery. */
  last_activity: number | null;
  /** `busy` / `away` set by hand; null = automatic. */
  manual_status: 'busy' | 'away' | null;
  custom_message: string | null;
  custom_message_expires_at: number | null;
  status_visibility: StatusVisibility;
  activity_visibility: Audience;
  last_seen_visibility: Audience;
  custom_message_visibility: Audience;
  /** Who sees an approximate last seen when not allowed the exact one. */
  last_seen_approximate_visibility: Generated<Audience>;
  /** Who sees the user's weekly pattern (heatmap summary); default nobody. */
  pattern_visibility: Generated<Audience>;
  /** While status_visibility is hidden: the last_seen the user shows (fixed when they hid). */
  hidden_last_seen: number | null;
  /** While status_visibility is hidden: the status audience the user had when they hid (null otherwise). */
  visibility_before_hidden: Generated<StatusVisibility | null>;
  /** Moves on by one at every save of the settings (replicas take only a newer one). */
  settings_version: Generated<number>;
  /** A host's id for a shadow user (embedded or sidecar mode); null for Beacon's own accounts. */
  external_id: Generated<string | null>;
  /** When a host's user's name was last set from a dated source (a token's `iat`, the service API), ms; null if never. */
  name_at: Generated<number | null>;
  /** When a host's user was last signed out everywhere or deleted (ms): their host tokens issued before it are refused. */
  signed_out_at: Generated<number | null>;
  /** Games declared by game servers and not ended: JSON `[{matchId, activity, startedAt}]`. */
  server_games: string | null;
  /** The status schedule: JSON `{timeZone, rules}`, or null for none. */
  status_schedule: string | null;
  /** Moves on by one at every save of the status schedule (replicas take only a newer one). */
  schedule_version: Generated<number>;
  /** Moves on by one at every write of the calendar feed's busy intervals (set, refresh, removal). */
  calendar_version: Generated<number>;
  /**
   * The shared presence's version (ports/presence-store.ts) the presence columns were written at
   * (cluster mode): a replica loads the newer of this row and the Redis copy. Null: written
   * without one (one instance).
   */
  presence_version_at: Generated<number | null>;
  presence_version_by: Generated<string | null>;
  /** When the host deleted this user of theirs, while Beacon has not seen them since (ms); null otherwise. Game events skip such a user. */
  deleted_at: Generated<number | null>;
}

export interface UserSessionsTable {
  /** The token id (JWT `jti`). */
  id: string;
  user_id: number;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  revoked_at: number | null;
  user_agent: string | null;
  /** 1 for a host token with no expiry of its own: its row, once revoked, is never deleted. */
  open_ended: Generated<number>;
}

export interface FriendRequestsTable {
  id: Generated<number>;
  from_user_id: number;
  to_user_id: number;
  created_at: number;
}

/** One row per direction: (user_id → friend_id) carries the category user_id gave friend_id. */
export interface FriendshipsTable {
  user_id: number;
  friend_id: number;
  category: FriendCategory;
  created_at: number;
  /** When `user_id` last set the category it gives (ms; 0: never re-categorised). Migration 015. */
  category_at: Generated<number>;
}

/** One row per change of a user's effective status (kept BEACON_HISTORY_RETENTION_DAYS). */
export interface StatusHistoryTable {
  user_id: number;
  at: number;
  status: Status;
}

/** A user's private calendar feed (the URL is a secret: never logged, never shown back whole). */
export interface UserCalendarsTable {
  user_id: number;
  url: string;
  /** 1: event titles may be shown as the custom message; 0: "In a meeting". */
  share_titles: number;
  /** JSON CalendarBusy[] for the next 48 h, as of the last refresh. */
  busy: string | null;
  refreshed_at: number | null;
  /** Why the last refresh failed, in words fit for the user; null when it worked. */
  error: string | null;
}

/** Server-wide values such as the generated JWT secret, shared by every instance. */
export interface ServerSecretsTable {
  name: string;
  value: string;
}

/** Counters that only move one way (migration 017): `host`, the next id handed out counting down is `next - 1`. */
export interface IdCountersTable {
  name: string;
  next: number | string | bigint;
}

export interface AdminGrantsTable {
  user_id: number;
  granted_at: number;
}

/** When a BEACON_ADMINS name was first listed; it grants admin only to an account created before. */
export interface AdminNamesTable {
  username_lower: string;
  listed_at: number;
}

/** blocker_id blocked blocked_id: no requests from blocked_id, who sees blocker_id as a stranger. */
export interface BlocksTable {
  blocker_id: number;
  blocked_id: number;
  created_at: number;
}

export interface FriendRequestDeclinesTable {
  from_user_id: number;
  to_user_id: number;
  declined_at: number;
}

/** A browser's Web Push subscription (RFC 8030 endpoint, RFC 8291 keys, base64url). */
export interface PushSubscriptionsTable {
  endpoint: string;
  user_id: number;
  p256dh: string;
  auth: string;
  created_at: number;
  /** The login (user_sessions.id) that saved it, which ends it when it ends; null for rows from before migration 024. */
  session_id: string | null;
}

/** watcher_id is told when friend_id comes online; at most once per period (last_sent_at). */
export interface NotificationWatchesTable {
  watcher_id: number;
  friend_id: number;
  created_at: number;
  last_sent_at: number | null;
}

export interface NotificationSettingsTable {
  user_id: number;
  period_minutes: number;
}

/** A game invitation not yet answered (games/game-invites.ts). */
export interface GameInvitesTable {
  id: string;
  from_user_id: number;
  to_user_id: number;
  expires_at: number;
}

export interface DatabaseSchema {
  users: UsersTable;
  user_sessions: UserSessionsTable;
  friend_requests: FriendRequestsTable;
  friendships: FriendshipsTable;
  server_secrets: ServerSecretsTable;
  admin_grants: AdminGrantsTable;
  admin_names: AdminNamesTable;
  blocks: BlocksTable;
  friend_request_declines: FriendRequestDeclinesTable;
  status_history: StatusHistoryTable;
  user_calendars: UserCalendarsTable;
  push_subscriptions: PushSubscriptionsTable;
  notification_watches: NotificationWatchesTable;
  notification_settings: NotificationSettingsTable;
  game_invites: GameInvitesTable;
  id_counters: IdCountersTable;
}
