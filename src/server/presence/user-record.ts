/**
 * One user's mutable bookkeeping inside the PresenceEngine, and the pure helpers that read
 * it. Nothing outside the presence folder sees a record: callers get frozen PresenceStates.
 */
import type { Activity, ActivityDetails } from '../../protocol/index.js';
import { effectivePresence, isGameActivity, type GameActivity } from './presence-rules.js';
import { evaluateCalendar, evaluateSchedule, type CalendarBusy, type Schedule, type ScheduleState } from './schedule.js';
import type { PersistedPresence, PresenceState, PresenceTimings, ServerGame, SessionKind } from './types.js';

export interface SessionEntry {
  kind: SessionKind;
  /** Last open or touch (ms); a poll session expires pollSessionTtlMs after it. */
  lastTouch: number;
}

export interface UserRecord {
  readonly id: number;
  /**
   * Live sessions by session id: one entry per tab, device, socket or polling client. A user
   * with none shares NO_SESSIONS; write through sessionsOf(u), and call releaseSessions(u)
   * after removing entries.
   */
  sessions: Map<string, SessionEntry>;
  /** Server-declared games by match id, oldest first; the newest one shows. */
  serverGames: Map<string, ServerGameEntry>;
  manualStatus: 'busy' | 'away' | null;
  schedule: Schedule | null;
  /** What the schedule said when last evaluated, and when to evaluate it again. */
  scheduleState: ScheduleState;
  /** Busy intervals from the calendar feed, and what they said when last evaluated. */
  calendar: CalendarBusy[];
  calendarState: ScheduleState;
  /**
   * The database versions of the schedule and the calendar held here (0: as loaded before any
   * versioned write): a schedule or calendar of an older version, saved earlier but arriving
   * later, is not applied (PresenceEngine.setSchedule).
   */
  scheduleVersion: number;
  calendarVersion: number;
  customMessage: string | null;
  customMessageExpiresAt: number | null;
  lastSeen: number | null;
  lastActivity: number | null;
  /** What the client declared, and its details; cleared when the user goes offline. */
  declaredActivity: Activity | null;
  declaredDetails: ActivityDetails | null;
  /**
   * The sessions holding a client game (the declared activity is `playing_pong` or
   * `in_tournament` and sessions declared it): it lasts while one of them is live. Null when the
   * declaration names no session (the old rule: it lasts until another activity or offline).
   */
  declaredBy: readonly string[] | null;
  /**
   * When the last session holding the client game ended, while none holds it (see
   * releaseDeclaration); null otherwise. The game ends an offline grace later, or at once when a
   * page loads (a fresh session), unless a session declares it again meanwhile.
   */
  declaredOrphanedAt: number | null;
  /** End of the offline grace while no session is live, else null. */
  graceUntil: number | null;
  /** The session whose close began the running grace (a logout of its login ends the grace). */
  graceSession: string | null;
  /** When any session of this user last ended (not only the last one). */
  lastLeftAt: number | null;
  /**
   * The sessions whose logout made the user leave here, and when, while no session opened
   * since: their close may still arrive from the instance that held them, dated earlier.
   */
  loggedOut: { sessions: ReadonlySet<string>; at: number } | null;
  /** When `are_you_there` was reported, while waiting for an answer. */
  probeAt: number | null;
  autoAway: boolean;
  /** When the user last unhid (ms), or null (PresenceState.shownSince); server games keep it too. */
  shownSince: number | null;
  /** The last derived state (frozen); compared with the next one to report changes. */
  state: PresenceState;
  /** Deadline of the queue entry the engine counts on for this user; Infinity if none. */
  scheduledAt: number;
}

export interface ServerGameEntry {
  activity: GameActivity;
  startedAt: number;
  details: ActivityDetails | null;
  /** When the player unhid during it (ServerGame.shownFrom). */
  shownFrom?: number;
}

/**
 * An empty map shared by every record with nothing in it, so it refuses writes: a record gets
 * a Map of its own from the helper named in the error (gamesOf, sessionsOf) before a write.
 */
class SharedEmptyMap<V> extends Map<string, V> {
  constructor(private readonly writeThrough: string) {
    super();
  }

  override set(): this {
    throw new Error(`this empty map is shared: write through ${this.writeThrough}(u)`);
  }
}

/** The games of every user in none (most users never play). */
const NO_GAMES: Map<string, ServerGameEntry> = new SharedEmptyMap('gamesOf');

/** The user's games, made the user's own before a write. */
export function gamesOf(u: UserRecord): Map<string, ServerGameEntry> {
  if (u.serverGames === NO_GAMES) u.serverGames = new Map();
  return u.serverGames;
}

/**
 * The sessions of every user with none. Most records are offline friends of someone connected
 * (or, with Redis, users connected to another instance), and a Map of their own cost each of
 * them ~180 bytes.
 */
const NO_SESSIONS: Map<string, SessionEntry> = new SharedEmptyMap('sessionsOf');

/** The user's sessions, made the user's own before a write. */
export function sessionsOf(u: UserRecord): Map<string, SessionEntry> {
  if (u.sessions === NO_SESSIONS) u.sessions = new Map();
  return u.sessions;
}

/** Gives up the user's own sessions map once it is empty (after removing entries). */
export function releaseSessions(u: UserRecord): void {
  if (u.sessions.size === 0) u.sessions = NO_SESSIONS;
}

/** The calendar of every user without busy intervals: shared, so frozen (calendars are replaced, never mutated). */
const NO_BUSY = Object.freeze([]) as unknown as CalendarBusy[];

/**
 * A calendar to keep: `busy`, or the shared empty one when it has no interval. Every replica
 * imported from a stored copy brings an empty array of its own (32 B each), as does a feed
 * emptied or a calendar whose last event ended.
 */
export function keptCalendar(busy: CalendarBusy[]): CalendarBusy[] {
  return busy.length > 0 ? busy : NO_BUSY;
}

/** What an unknown user looks like: offline, never seen. */
export const OFFLINE_STATE: PresenceState = Object.freeze({
  status: 'offline',
  activity: null,
  activityDetails: null,
  activitySince: null,
  manualStatus: null,
  customMessage: null,
  customMessageExpiresAt: null,
  lastSeen: null,
  lastActivity: null,
  shownSince: null,
});

/**
 * A record for a user the engine has not seen, optionally seeded from the store. A message
 * that expired while nobody held the user (`now` given) starts cleared.
 */
export function createRecord(id: number, persisted?: PersistedPresence, now = -Infinity): UserRecord {
  const record: UserRecord = {
    id,
    sessions: NO_SESSIONS,
    serverGames: persisted?.serverGames?.length
      ? new Map(persisted.serverGames.map((g) => [g.matchId, gameEntry(g)]))
      : NO_GAMES,
    manualStatus: persisted?.manualStatus ?? null,
    schedule: persisted?.schedule ?? null,
    scheduleState: evaluateSchedule(persisted?.schedule ?? null, now),
    calendar: keptCalendar(persisted?.calendar ?? NO_BUSY),
    calendarState: evaluateCalendar(persisted?.calendar ?? [], now),
    scheduleVersion: persisted?.scheduleVersion ?? 0,
    calendarVersion: persisted?.calendarVersion ?? 0,
    customMessage: persisted?.customMessage ?? null,
    customMessageExpiresAt: persisted?.customMessage ? persisted.customMessageExpiresAt : null,
    lastSeen: persisted?.lastSeen ?? null,
    lastActivity: persisted?.lastActivity ?? null,
    declaredActivity: null,
    declaredDetails: null,
    declaredBy: null,
    declaredOrphanedAt: null,
    graceUntil: null,
    graceSession: null,
    lastLeftAt: null,
    loggedOut: null,
    probeAt: null,
    autoAway: false,
    shownSince: null,
    state: OFFLINE_STATE,
    scheduledAt: Infinity,
  };
  if (record.customMessageExpiresAt !== null && record.customMessageExpiresAt <= now) applyCustomMessage(record, null, null, now);
  record.state = deriveState(record, now);
  return record;
}

/** An activity and since when it has been shown, as another replica (or a catch-up) dated it. */
export interface ActivityDate {
  activity: Activity;
  since: number;
}

/**
 * The user's effective state at `now`, as a frozen snapshot. The activity's start is kept
 * from the previous state while the activity stays the same; a server game's is its own.
 * A new activity starts now, unless `dated` says when it started (an imported replica).
 */
export function deriveState(u: UserRecord, now: number, dated: ActivityDate | null = null): PresenceState {
  const game = newestGame(u);
  const { status, activity, bySchedule } = effectivePresence({
    serverGame: game?.activity ?? null,
    present: isPresent(u),
    declaredActivity: u.declaredActivity,
    manualStatus: u.manualStatus,
    scheduled: layer(u)?.status ?? null,
    autoAway: u.autoAway,
  });
  const since =
    activity === null ? null
    : game ? game.startedAt
    : activity === u.state.activity ? u.state.activitySince
    : activity === dated?.activity ? dated.since
    : now;
  const details = game ? game.details : activity !== null && activity === u.declaredActivity ? u.declaredDetails : null;
  // The user's own message wins; a schedule rule's (or calendar event's) fills in only while
  // its status is the one shown: never under a manual status or a game ("Away · At work").
  const layered = bySchedule && u.customMessage === null ? layer(u) : null;
  const calendarEnd = layered?.until !== undefined && layered.label !== undefined;
  return Object.freeze({
    status,
    activity,
    activityDetails: details,
    activitySince: since,
    manualStatus: u.manualStatus,
    customMessage: u.customMessage ?? layered?.message ?? null,
    customMessageExpiresAt: u.customMessageExpiresAt,
    busyUntil: calendarEnd ? layered.until : null,
    busyLabel: calendarEnd ? layered.label : null,
    lastSeen: u.lastSeen,
    lastActivity: u.lastActivity,
    shownSince: game?.shownFrom !== undefined ? Math.max(game.shownFrom, u.shownSince ?? -Infinity) : u.shownSince,
  });
}

/** A stored or replicated game as the record keeps it. */
export function gameEntry(g: ServerGame): ServerGameEntry {
  const entry: ServerGameEntry = { activity: g.activity, startedAt: g.startedAt, details: g.details ?? null };
  if (Number.isFinite(g.shownFrom)) entry.shownFrom = g.shownFrom;
  return entry;
}

/** Whether the user is present: a live session, or the offline grace after the last one. */
export function isPresent(u: UserRecord): boolean {
  return u.sessions.size > 0 || u.graceUntil !== null;
}

/** The busy/away a schedule or calendar imposes now: a calendar event (busy) wins over a schedule rule. */
function layer(u: UserRecord): ScheduleState['active'] {
  return u.calendarState.active ?? u.scheduleState.active;
}

function newestGame(u: UserRecord): ServerGameEntry | null {
  let newest = null;
  for (const game of u.serverGames.values()) newest = game;
  return newest;
}

/**
 * Whether the idle timer runs: online in automatic mode with a live session to probe.
 * Manual statuses and games are never turned away, and a user in the grace has no socket.
 */
export function idleWatched(u: UserRecord): boolean {
  return (
    u.sessions.size > 0 &&
    u.serverGames.size === 0 &&
    u.manualStatus === null &&
    u.scheduleState.active === null &&
    u.calendarState.active === null &&
    !u.autoAway &&
    !isGameActivity(u.declaredActivity) &&
    u.lastActivity !== null
  );
}

/** The earliest moment something may fall due for this user; Infinity if nothing will. `idle`: whether the idle machine runs. */
export function nextDeadline(u: UserRecord, timings: PresenceTimings, idle = true): number {
  let next = u.graceUntil ?? Infinity;
  for (const session of u.sessions.values()) {
    if (session.kind === 'poll') next = Math.min(next, session.lastTouch + timings.pollSessionTtlMs);
  }
  if (u.customMessage !== null && u.customMessageExpiresAt !== null) next = Math.min(next, u.customMessageExpiresAt);
  for (const game of u.serverGames.values()) next = Math.min(next, game.startedAt + timings.maxGameMs);
  next = Math.min(next, orphanDeadline(u, timings.offlineGraceMs));
  next = Math.min(next, u.scheduleState.nextChange, u.calendarState.nextChange);
  if (idle && idleWatched(u) && u.lastActivity !== null) {
    const idleAt = u.probeAt === null ? u.lastActivity + timings.idleTimeoutMs : u.probeAt + timings.idleProbeTimeoutMs;
    next = Math.min(next, idleAt);
  }
  return next;
}

/**
 * Moves the idle machine on at `now`: idle long enough → probe (returns true, once);
 * probe unanswered for the probe timeout → auto-away. The probe time is when the probe
 * was actually reported, so a late tick still gives the user the full time to answer.
 */
export function advanceIdle(u: UserRecord, now: number, timings: PresenceTimings): boolean {
  if (!idleWatched(u) || u.lastActivity === null) return false;
  if (u.probeAt === null) {
    if (u.lastActivity + timings.idleTimeoutMs > now) return false;
    u.probeAt = now;
    return true;
  }
  if (u.probeAt + timings.idleProbeTimeoutMs <= now) {
    u.probeAt = null;
    u.autoAway = true;
  }
  return false;
}

/**
 * A session opened by a client reconnecting by itself, which is no interaction: a user whose
 * last input is older than the idle timeout and the probe's together would have been auto-away
 * had they stayed connected, so they are at once (no `online` until the probe runs out); one
 * idle for less is left to the idle machine. `reconnect`: past the idle timeout, the probe runs
 * from when it went out (or would have) had they stayed connected, the last input plus the idle
 * timeout, not from now: a probe cut short by a server restart (its time is not saved) or a
 * network blip gets no new full time (the new socket is asked at once, as `probing` says). Not
 * for a schedule rule that ended: no probe went out while it held the idle machine.
 */
export function resumeIdle(u: UserRecord, now: number, timings: PresenceTimings, reconnect = false): void {
  if (u.probeAt !== null || !idleWatched(u) || u.lastActivity === null) return;
  if (u.lastActivity + timings.idleTimeoutMs + timings.idleProbeTimeoutMs <= now) u.autoAway = true;
  else if (reconnect) probeSinceDue(u, now, timings);
}

/** Idle past the timeout with no probe on record: the probe went out when the timeout passed. */
function probeSinceDue(u: UserRecord, now: number, timings: PresenceTimings): void {
  if (u.probeAt === null && u.lastActivity !== null && u.lastActivity + timings.idleTimeoutMs <= now) u.probeAt = u.lastActivity + timings.idleTimeoutMs;
}

/**
 * Puts the idle machine of a record imported from another instance where the ticks of a
 * replica that held the user all along put it, without probing (the instances holding the
 * user's sockets probed when the timeout passed; a socket opened here later is asked at once,
 * as `probing` says): idle past the timeout, the probe went out then (the probe time is when
 * the timeout passed); past the probe's timeout as well, auto-away, as resumeIdle decides for
 * a reconnect.
 */
export function catchUpIdle(u: UserRecord, now: number, timings: PresenceTimings): number | null {
  if (!idleWatched(u) || u.lastActivity === null) return null;
  probeSinceDue(u, now, timings);
  if (u.probeAt === null || u.probeAt + timings.idleProbeTimeoutMs > now) return null;
  // Away since the probe ran out, as the ticks of a replica that held the user all along made it.
  const awayAt = u.probeAt + timings.idleProbeTimeoutMs;
  u.probeAt = null;
  u.autoAway = true;
  return awayAt;
}

/**
 * Ends the server games that outlived `maxGameMs` (their end event never came). A player
 * left with no session is offline, last seen when the last such game timed out.
 */
export function expireGames(u: UserRecord, now: number, maxGameMs: number): void {
  let endedAt = -Infinity;
  for (const [matchId, game] of u.serverGames) {
    const deadline = game.startedAt + maxGameMs;
    if (deadline > now) continue;
    u.serverGames.delete(matchId);
    endedAt = Math.max(endedAt, deadline);
  }
  if (endedAt === -Infinity || u.serverGames.size > 0 || u.sessions.size > 0 || u.graceUntil !== null) return;
  u.lastSeen = Math.max(u.lastSeen ?? -Infinity, endedAt);
  markOffline(u);
}

/**
 * Records what the schedule says now. While a rule holds the user is never probed for
 * idleness (like a manual status), so a probe in flight is dropped.
 */
export function applyScheduleState(u: UserRecord, state: ScheduleState, which: 'scheduleState' | 'calendarState' = 'scheduleState'): void {
  u[which] = state;
  if (state.active) {
    u.probeAt = null;
    u.autoAway = false;
  }
}

/** An input signal: the user is here. Restarts the idle timer and answers any probe. */
export function markInteraction(u: UserRecord, now: number): void {
  u.lastActivity = now;
  u.probeAt = null;
  u.autoAway = false;
}

/** The user has no session left (and the grace, if any, is over). */
export function markOffline(u: UserRecord): void {
  u.graceUntil = null;
  endDeclared(u);
  u.probeAt = null;
  u.autoAway = false;
}

/**
 * A client's activity declaration. A game declared by sessions (`holders`, those of them live)
 * is held by them, and by those that held the same game already; declared by none live it is
 * held by nobody from now (releaseDeclaration). `holders` null: held by no session in particular.
 */
export function declareActivity(u: UserRecord, activity: Activity, details: ActivityDetails | null, holders: readonly string[] | null, now: number): void {
  if (!isGameActivity(activity) || holders === null) {
    u.declaredBy = null;
    u.declaredOrphanedAt = null;
  } else {
    const kept = u.declaredActivity === activity && u.declaredBy !== null ? u.declaredBy : [];
    u.declaredBy = [...new Set([...kept, ...holders.filter((id) => u.sessions.has(id))])];
    u.declaredOrphanedAt = u.declaredBy.length > 0 ? null : ((u.declaredActivity === activity ? u.declaredOrphanedAt : null) ?? now);
  }
  u.declaredActivity = activity;
  u.declaredDetails = details;
}

/**
 * Sessions ended (already removed from the record) at `now`: a client game none of its sessions
 * holds any longer is orphaned then (the page playing it is gone: reloaded, closed, navigated).
 */
export function releaseDeclaration(u: UserRecord, now: number): void {
  if (u.declaredBy === null || !isGameActivity(u.declaredActivity)) return;
  u.declaredBy = u.declaredBy.filter((id) => u.sessions.has(id));
  if (u.declaredBy.length === 0) u.declaredOrphanedAt ??= now;
}

/**
 * When an orphaned client game ends while a session is live (an offline grace after its last
 * holder ended, as for a reload); Infinity if none. With no session the grace ends it.
 */
export function orphanDeadline(u: UserRecord, offlineGraceMs: number): number {
  return u.declaredOrphanedAt !== null && u.sessions.size > 0 ? u.declaredOrphanedAt + offlineGraceMs : Infinity;
}

/** Forgets what the client declared (offline, or its game is over): the activity is `browsing` again. */
export function endDeclared(u: UserRecord): void {
  u.declaredActivity = null;
  u.declaredDetails = null;
  u.declaredBy = null;
  u.declaredOrphanedAt = null;
}

/** Sets or clears the custom message; one already expired at `now` is simply cleared. */
export function applyCustomMessage(u: UserRecord, message: string | null, expiresAt: number | null, now: number): void {
  const expired = expiresAt !== null && expiresAt <= now;
  u.customMessage = message === null || expired ? null : message;
  u.customMessageExpiresAt = u.customMessage === null ? null : expiresAt;
}

/** The server-declared games in progress, oldest first. */
export function serverGamesOf(u: UserRecord): ServerGame[] {
  return [...u.serverGames].map(([matchId, g]) => ({ matchId, activity: g.activity, startedAt: g.startedAt, details: g.details, ...(g.shownFrom === undefined ? {} : { shownFrom: g.shownFrom }) }));
}

/** Snapshot of what the store keeps between runs. */
export function persistedOf(u: UserRecord): PersistedPresence {
  return {
    manualStatus: u.manualStatus,
    schedule: u.schedule,
    calendar: u.calendar,
    serverGames: serverGamesOf(u),
    customMessage: u.customMessage,
    customMessageExpiresAt: u.customMessageExpiresAt,
    lastSeen: u.lastSeen,
    lastActivity: u.lastActivity,
  };
}
