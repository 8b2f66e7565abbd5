/**
 * The precedence rule of CONTRACT.md "Presence rules and timings", as one pure function.
 * The engine derives every state through it, so the rule lives in exactly one place.
 */
import type { Activity, ActivityDetails, Status } from '../../protocol/index.js';
import type { PresenceState } from './types.js';

/** Activities that show `in_game` (GAME_ACTIVITIES of the protocol). */
export type GameActivity = 'playing_pong' | 'in_tournament';

/** What a game server declares: a single match or a whole tournament. */
export type GameKind = 'match' | 'tournament';

/** Everything that decides a user's effective status and activity. */
export interface PresenceInputs {
  /** Activity of the newest game a game server declared and has not ended, or null. */
  serverGame: GameActivity | null;
  /** A session is live, or the last one ended less than the offline grace ago. */
  present: boolean;
  /** What the client last declared (possibly a client game such as a practice match), or null. */
  declaredActivity: Activity | null;
  /** Manual status in force; null is automatic mode. */
  manualStatus: 'busy' | 'away' | null;
  /** The status a schedule rule imposes right now, or null. */
  scheduled: 'busy' | 'away' | null;
  /** The idle probe went unanswered. */
  autoAway: boolean;
}

/** The two derived fields of a PresenceState, and what decided the status. */
export interface EffectivePresence {
  status: Status;
  activity: Activity | null;
  /**
   * The status shown is the one a schedule rule or calendar event imposes (`scheduled`), not
   * one a game or the user chose: the rule's or event's message shows with it, and only then.
   */
  bySchedule: boolean;
}

/** True for the activities that mean "in a game". */
export function isGameActivity(activity: Activity | null): activity is GameActivity {
  return activity === 'playing_pong' || activity === 'in_tournament';
}

/** The activity a server-declared game shows. */
export function gameActivityOf(kind: GameKind): GameActivity {
  return kind === 'tournament' ? 'in_tournament' : 'playing_pong';
}

/** The kind of game a server game's activity stands for (the inverse of gameActivityOf). */
export function gameKindOf(activity: GameActivity): GameKind {
  return activity === 'in_tournament' ? 'tournament' : 'match';
}

/**
 * Status precedence: in_game > busy (manual) > away (manual) > scheduled busy/away > online >
 * away (auto) > offline. A schedule sits below what the user or a game says and above the
 * automatic states (CONTRACT order, with the schedule layer of docs/protocol.md §5).
 * A server game shows even without a live session (the player may be on a game client that
 * Beacon does not see); everything else needs the user to be present.
 */
export function effectivePresence(inputs: PresenceInputs): EffectivePresence {
  if (inputs.serverGame !== null) return { status: 'in_game', activity: inputs.serverGame, bySchedule: false };
  if (!inputs.present) return { status: 'offline', activity: null, bySchedule: false };
  const declared = inputs.declaredActivity;
  if (isGameActivity(declared)) return { status: 'in_game', activity: declared, bySchedule: false };
  if (inputs.manualStatus !== null) return { status: inputs.manualStatus, activity: declared ?? 'browsing', bySchedule: false };
  if (inputs.scheduled !== null) return { status: inputs.scheduled, activity: declared ?? 'browsing', bySchedule: true };
  if (inputs.autoAway) return { status: 'away', activity: 'idle', bySchedule: false };
  return { status: 'online', activity: declared ?? 'browsing', bySchedule: false };
}

/**
 * Whether two states differ in anything a viewer or the store cares about. `lastActivity`
 * is left out on purpose: it moves on every input signal, and reporting each of those as a
 * change would make every keystroke a fan-out and a write.
 */
export function sameReportedState(a: PresenceState, b: PresenceState): boolean {
  return (
    a.status === b.status &&
    a.activity === b.activity &&
    a.activityDetails === b.activityDetails &&
    a.activitySince === b.activitySince &&
    a.manualStatus === b.manualStatus &&
    a.customMessage === b.customMessage &&
    a.customMessageExpiresAt === b.customMessageExpiresAt &&
    (a.busyUntil ?? null) === (b.busyUntil ?? null) &&
    (a.busyLabel ?? null) === (b.busyLabel ?? null) &&
    a.lastSeen === b.lastSeen &&
    a.shownSince === b.shownSince
  );
}

/** At most this many keys of activity details are kept (status/activity-details.ts cleans each report to it). */
export const MAX_DETAIL_KEYS = 16;

/**
 * A game server's news merged into what it reported before: keys keep their place (a new one
 * goes last), the news' values win, and past MAX_DETAIL_KEYS the earliest keys the news did
 * not name go, so a series of updates with different keys never shows friends more. A Map,
 * so a key such as "__proto__" stays an ordinary key (as cleanDetails keeps it).
 */
export function mergeDetails(before: ActivityDetails | null | undefined, news: ActivityDetails): ActivityDetails {
  const merged = new Map(Object.entries(before ?? {}));
  for (const [key, value] of Object.entries(news)) merged.set(key, value);
  for (const key of merged.keys()) {
    if (merged.size <= MAX_DETAIL_KEYS) break;
    if (!Object.hasOwn(news, key)) merged.delete(key);
  }
  return Object.fromEntries(merged);
}
