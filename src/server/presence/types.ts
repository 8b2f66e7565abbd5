/**
 * Types of the pure presence core. No I/O here: the clock is injected, and every
 * method returns what changed so that the caller (the status service) does the I/O.
 */
import type { Activity, ActivityDetails, FriendCategory, ManualStatus, Role, Settings, Status, StatusVisibility } from '../../protocol/index.js';
import type { CalendarBusy, Schedule } from './schedule.js';

/**
 * The engine's clocks. Tests pass a fake one.
 *
 * Which deadline follows which clock: every moment the engine keeps is a wall-clock time, as
 * users, the store and other instances read it. Those set in calendar time follow the wall
 * clock, steps included: a message's expiry, schedules and calendar events, a server game's
 * maximum (from its start, which restarts keep), a grace kept across a restart. The durations
 * this process times itself (the offline grace, the idle timeout and the probe's, a poll
 * session's TTL, an orphaned client game's grace) must neither end nor stretch when the wall
 * clock steps (NTP, a restored VM): the engine reads `monotonic` beside it and, when the two part,
 * moves those moments by the step (PresenceEngine.#now), a connected user's last input (the idle
 * timer's start) included; last_seen stays as dated. Each deadline keeps its one owner (#due).
 */
export interface Clock {
  /** The wall clock: milliseconds since the epoch. */
  now(): number;
  /** A monotonic clock (ms, any origin: performance.now()); absent, a wall-clock step is not noticed. */
  monotonic?(): number;
}

/** The presence timings of CONTRACT.md "Presence rules and timings", all in ms. */
export interface PresenceTimings {
  heartbeatIntervalMs: number;
  offlineGraceMs: number;
  /** Up to this many graces after leaving, a grace that ends while the server is saturated runs on (1: never). */
  graceStretch?: number;
  idleTimeoutMs: number;
  idleProbeTimeoutMs: number;
  pollSessionTtlMs: number;
  /** A server-declared game ends after this long without its end event. */
  maxGameMs: number;
}

/** A game a game server declared and has not ended. */
export interface ServerGame {
  matchId: string;
  activity: 'playing_pong' | 'in_tournament';
  /** When it started (ms): it ends at startedAt + maxGameMs at the latest. */
  startedAt: number;
  /** Opponent, score, mode… as the game server last reported them; null for none. */
  details?: ActivityDetails | null;
  /** When the player unhid during the game (ms): others see it from then, after a restart too. */
  shownFrom?: number;
}

/** `socket`: kept alive by its WebSocket; `poll`: an HTTP-only client, live for pollSessionTtlMs after each call. */
export type SessionKind = 'socket' | 'poll';

/** A user's presence as the core derives it, before any privacy rule is applied. */
export interface PresenceState {
  /** Effective status after precedence: in_game > busy(manual) > away(manual) > online > away(auto) > offline. */
  status: Status;
  /** Effective activity; `null` when offline. `idle` while auto-away. */
  activity: Activity | null;
  /** Details of the effective activity (a server game's, or what the client declared with it), or null. */
  activityDetails: ActivityDetails | null;
  /** When the effective activity started (a server game: its start), or null when offline. */
  activitySince: number | null;
  /** The manual status in force, or null in automatic mode. Survives restarts. */
  manualStatus: Exclude<ManualStatus, 'online'> | null;
  customMessage: string | null;
  /** When the custom message clears itself, or null for never. */
  customMessageExpiresAt: number | null;
  /**
   * While the message shown is a calendar event's: when its busy stretch ends (ms) and the
   * message without that time ("In a meeting"), so each viewer can say the end in their own
   * zone. Null (or absent) otherwise.
   */
  busyUntil?: number | null;
  busyLabel?: string | null;
  /** When the user's last session ended (ms), or null if never seen. */
  lastSeen: number | null;
  /** Last interaction (input signal, API call), ms, or null. */
  lastActivity: number | null;
  /**
   * When the user last unhid (ms), or null: others see no activity start before it, as what was
   * done while hidden stays invisible (activities and server games started then).
   */
  shownSince?: number | null;
}

/** What the store remembers of a user between runs; fed to `PresenceEngine.load`. */
export interface PersistedPresence {
  manualStatus: Exclude<ManualStatus, 'online'> | null;
  /** The user's status schedule, or null (optional: absent means none). */
  schedule?: Schedule | null;
  /** The schedule's version in the database (users.schedule_version; absent: 0). */
  scheduleVersion?: number;
  /** Busy intervals from the user's calendar feed (optional: absent means none). */
  calendar?: CalendarBusy[];
  /** The calendar's version in the database (users.calendar_version; absent: 0). */
  calendarVersion?: number;
  /** Server-declared games in progress, oldest first: they survive a restart. */
  serverGames: ServerGame[];
  customMessage: string | null;
  customMessageExpiresAt: number | null;
  lastSeen: number | null;
  lastActivity: number | null;
}

/** One user's effective state changed. Reported only when `before` and `after` differ. */
export interface PresenceChange {
  userId: number;
  before: PresenceState;
  after: PresenceState;
}

/** Result of advancing the clock. */
export interface TickResult {
  changes: PresenceChange[];
  /** Users who must be sent `are_you_there` on every socket now. */
  probes: number[];
  /** Poll sessions that expired (their TTL passed without a call). */
  expiredSessions: Array<{ userId: number; sessionId: string }>;
}

/** Where a viewer stands towards a subject, lowest to highest. Admin sees everything. */
export type ViewerTier = 'public' | 'friend' | 'close_friend' | 'self' | 'admin';

/** Everything the privacy projection needs to know about the subject. */
export interface Subject {
  id: number;
  username: string;
  displayName: string;
  presence: PresenceState;
  settings: Settings;
  /**
   * While `status_visibility` is `hidden`: the last_seen the user shows, fixed when they hid
   * (the moment they hid, or their last_seen if they were offline then; null if never seen).
   */
  hiddenLastSeen?: number | null;
  /**
   * While `status_visibility` is `hidden`: the status audience the user had when they hid
   * (users.visibility_before_hidden). Hidden looks like a logout, so only that audience may see
   * `hiddenLastSeen`. Null (not known) occurs now only if an instance older than migration 016,
   * which did not keep it, hides the user during a rolling upgrade (021 filled the rows of users
   * who hid before): treated as nobody, as a safeguard.
   */
  visibilityBeforeHidden?: ShownStatusVisibility | null;
}

/** A status audience other than `hidden`: what a hidden user had before hiding, and gets back on unhiding. */
export type ShownStatusVisibility = Exclude<StatusVisibility, 'hidden'>;

export interface ViewerInfo {
  id: number;
  role: Role;
}

export type { FriendCategory };

/**
 * A user's whole replicable state, for instances that share presence (cluster mode):
 * written to the shared store after each change and imported by an instance that starts
 * watching the user. Socket session ids carry their instance id (`<instance>/<conn>`).
 */
export interface ReplicaState {
  sessions: Array<{ id: string; kind: SessionKind; lastTouch: number }>;
  serverGames: ServerGame[];
  manualStatus: Exclude<ManualStatus, 'online'> | null;
  customMessage: string | null;
  customMessageExpiresAt: number | null;
  declaredActivity: Activity | null;
  /** Optional: replicas saved by an older version have none. */
  declaredDetails?: ActivityDetails | null;
  /**
   * The sessions holding a client game, and when the last of them ended while none does
   * (UserRecord.declaredBy, declaredOrphanedAt). Optional: replicas saved by an older version
   * have none (a game held by no session in particular).
   */
  declaredBy?: string[] | null;
  declaredOrphanedAt?: number | null;
  /** Optional: replicas saved by an older version have none. */
  schedule?: Schedule | null;
  calendar?: CalendarBusy[];
  /**
   * The database versions of `schedule` and `calendar` (users.schedule_version and
   * calendar_version): an import takes each only if it is at least as new as the replica's.
   * Optional: replicas saved by an older version have none (taken as 0).
   */
  scheduleVersion?: number;
  calendarVersion?: number;
  lastSeen: number | null;
  lastActivity: number | null;
  graceUntil: number | null;
  /** The session whose close began the grace. Optional: replicas saved by an older version have none. */
  graceSession?: string | null;
  autoAway: boolean;
  /**
   * The effective activity when saved and since when (the saver's activity_since): a replica
   * loaded later dates that activity alike instead of at its load. Optional: replicas saved by
   * an older version have none.
   */
  activityShown?: { activity: Activity; since: number } | null;
  /** When the user last unhid (PresenceState.shownSince). Optional, as above. */
  shownSince?: number | null;
}

/**
 * A user present when a single instance stopped cleanly (a live session, or the offline grace
 * running), as the next start resumes them if it comes within `graceUntil`: their grace, when
 * they were last seen, and what the database does not keep (auto-away, the declared activity).
 */
export interface PresentAtStop {
  userId: number;
  graceUntil: number;
  lastSeen: number | null;
  graceSession: string | null;
  autoAway: boolean;
  activity: Activity | null;
  details: ActivityDetails | null;
  /** The declared activity is a client game its sessions held (all ended at the stop). Optional: absent from older stops. */
  gameHeld?: boolean;
}
