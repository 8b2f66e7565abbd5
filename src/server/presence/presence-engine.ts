/**
 * The pure presence core: sessions, grace, idleness, games and manual statuses in, the
 * effective PresenceState and its changes out. Like Phoenix's Tracker state it does no
 * I/O; the status service around it persists and publishes what the methods return.
 */
import type { Activity, ActivityDetails, ManualStatus } from '../../protocol/index.js';
import { DeadlineQueue } from './deadline-queue.js';
import { evaluateCalendar, evaluateSchedule, type CalendarBusy, type Schedule } from './schedule.js';
import { gameActivityOf, isGameActivity, mergeDetails, sameReportedState, type GameKind } from './presence-rules.js';
import type {
  Clock,
  PersistedPresence,
  PresenceChange,
  PresenceState,
  PresenceTimings,
  PresentAtStop,
  SessionKind,
  ReplicaState,
  ServerGame,
  TickResult,
} from './types.js';
import {
  OFFLINE_STATE,
  advanceIdle,
  applyCustomMessage,
  catchUpIdle,
  applyScheduleState,
  createRecord,
  declareActivity,
  deriveState,
  endDeclared,
  expireGames,
  gameEntry,
  gamesOf,
  isPresent,
  keptCalendar,
  markInteraction,
  markOffline,
  nextDeadline,
  orphanDeadline,
  persistedOf,
  releaseDeclaration,
  releaseSessions,
  resumeIdle,
  serverGamesOf,
  sessionsOf,
  type ActivityDate,
  type UserRecord,
} from './user-record.js';

/** Result of a client's activity declaration; `rejected` while a server game holds. */
export interface ActivityResult {
  change: PresenceChange | null;
  rejected: boolean;
}

/** A custom message and when it clears itself (ms), as given with a manual status. */
export interface CustomMessageInput {
  message: string | null;
  expiresAt: number | null;
}

/**
 * Per-user presence, keyed by user id, with one entry per live session. Every mutator
 * returns a PresenceChange only when the effective state really changed (lastActivity
 * alone never counts: see sameReportedState). Call `load` before anything else for a
 * user, so that the remembered manual status and last_seen are not lost.
 */
/** How far a grace runs on at a time while the server is saturated. */
export const GRACE_STEP_MS = 1000;
/**
 * The wall clock moving this much more (or less) than the monotonic one between two readings is
 * a step (NTP, a restored VM, a resumed laptop), not a slew: slewing (at most 0.5 ms/s) would
 * take over half an hour between readings, and the engine reads them at every tick (250 ms).
 */
export const CLOCK_STEP_MS = 1000;

export class PresenceEngine {
  readonly #users = new Map<number, UserRecord>();
  readonly #queue = new DeadlineQueue();
  /** While a tick runs, nothing is scheduled at or before its `now`, so the tick always ends. */
  #notBefore = -Infinity;
  /** The wall and monotonic clocks at the last reading (#now). */
  #lastWall = NaN;
  #lastMono = NaN;

  constructor(
    private readonly clock: Clock,
    private readonly timings: PresenceTimings,
    /** Whether this server is saturated now (saturation.ts); stretches ending graces. */
    private readonly saturated: () => boolean = () => false,
    /**
     * Whether this replica cannot hear the user's interactions now (cluster mode: the bus is
     * down and none of the user's sockets is here): its idle machine then waits, rather than
     * turning away a user who may be answering elsewhere; a reload from the shared store
     * catches it up when the bus returns.
     */
    private readonly deaf: (userId: number) => boolean = () => false,
  ) {}

  /** Seeds a user's remembered state; no-op when the engine already knows the user. */
  load(userId: number, persisted: PersistedPresence): void {
    if (this.#users.has(userId)) return;
    const u = this.#seeded(userId, persisted);
    this.#users.set(userId, u);
    this.#schedule(u);
  }

  /**
   * The state `load` would give the user now, without loading them: a read of a user nobody
   * holds here (their remembered presence is all there is of them on a single instance).
   */
  stateFromStore(userId: number, persisted: PersistedPresence): PresenceState {
    return this.#seeded(userId, persisted).state;
  }

  /** A record seeded from the remembered state, as of now. */
  #seeded(userId: number, persisted: PersistedPresence): UserRecord {
    const now = this.#now();
    const u = createRecord(userId, persisted, now);
    // A game whose end event never came, while nobody held the user, is over.
    expireGames(u, now, this.timings.maxGameMs);
    u.state = deriveState(u, now);
    return u;
  }

  /**
   * Who is present now, for a clean stop of a single instance: users with a live session (the
   * stop ends it: their grace starts now, last seen now) and users whose grace is running (it
   * runs on as it was). Nobody else: a player a game server declared in a match without a
   * session is not in the grace of anything.
   */
  presentAt(now: number): PresentAtStop[] {
    const out: PresentAtStop[] = [];
    for (const u of this.#users.values()) {
      const live = u.sessions.size > 0;
      if (!live && u.graceUntil === null) continue;
      out.push({
        userId: u.id,
        graceUntil: live ? now + this.timings.offlineGraceMs : u.graceUntil!,
        lastSeen: live ? now : u.lastSeen,
        graceSession: live ? [...u.sessions.keys()].at(-1)! : u.graceSession,
        autoAway: u.autoAway,
        activity: u.declaredActivity,
        details: u.declaredDetails,
        ...(u.declaredBy === null ? {} : { gameHeld: true }),
      });
    }
    return out;
  }

  /**
   * A clean restart within the grace: the user, present at the stop (presentAt), is in the
   * offline grace it left them, with what the database does not keep (auto-away, the declared
   * activity), as after any last socket's close: back before it ends, friends notice nothing.
   * Set silently, as `load` is (the stop changed nothing friends saw). False when it no longer
   * applies (the grace ended meanwhile, or a session is open).
   */
  resumeGrace(p: PresentAtStop): boolean {
    const u = this.#users.get(p.userId);
    const now = this.#now();
    if (!u || u.sessions.size > 0 || p.graceUntil <= now) return false;
    u.graceUntil = p.graceUntil;
    u.graceSession = p.graceSession;
    u.lastSeen = p.lastSeen;
    u.lastLeftAt = p.lastSeen;
    u.autoAway = p.autoAway;
    u.declaredActivity = p.activity;
    u.declaredDetails = p.details;
    // Its sessions all ended at the stop: a client game they held is orphaned since then.
    if (p.gameHeld && isGameActivity(p.activity)) [u.declaredBy, u.declaredOrphanedAt] = [[], p.lastSeen ?? now];
    u.state = deriveState(u, now);
    this.#schedule(u);
    return true;
  }

  /** Whether the engine holds state for this user. */
  known(userId: number): boolean {
    return this.#users.has(userId);
  }

  /** The user's effective state; offline and never seen for unknown users. */
  get(userId: number): PresenceState {
    return this.#users.get(userId)?.state ?? OFFLINE_STATE;
  }

  /** Forgets a user entirely (account deleted). */
  remove(userId: number): void {
    this.#users.delete(userId);
  }

  /** Number of live sessions (open sockets and unexpired poll sessions). */
  liveSessionCount(userId: number): number {
    return this.#users.get(userId)?.sessions.size ?? 0;
  }

  /** Whether a game server has the user in a match: the client cannot change the activity then. */
  inServerGame(userId: number): boolean {
    return (this.#users.get(userId)?.serverGames.size ?? 0) > 0;
  }

  /** The server games the user is in (none for a user not held here). */
  serverGames(userId: number): ServerGame[] {
    const u = this.#users.get(userId);
    return u ? serverGamesOf(u) : [];
  }

  /** Whether the user has no session left and the offline grace is running. */
  inGrace(userId: number): boolean {
    const u = this.#users.get(userId);
    return u !== undefined && u.sessions.size === 0 && u.graceUntil !== null;
  }

  /** Whether the user was asked `are_you_there` and has not answered yet. */
  probing(userId: number): boolean {
    return (this.#users.get(userId)?.probeAt ?? null) !== null;
  }

  /** Ids of the user's live sessions. */
  sessionIds(userId: number): string[] {
    const u = this.#users.get(userId);
    return u ? [...u.sessions.keys()] : [];
  }

  /** Whether one of the user's live sessions passes `test` (as `sessionIds(userId).some(test)`, without the copy: the reaping asks it of every replica at every beat). */
  hasSession(userId: number, test: (sessionId: string) => boolean): boolean {
    const u = this.#users.get(userId);
    if (u) for (const sessionId of u.sessions.keys()) if (test(sessionId)) return true;
    return false;
  }

  /** What the store should remember of this user. */
  snapshotForPersistence(userId: number): PersistedPresence {
    const u = this.#users.get(userId);
    return u ? persistedOf(u) : persistedOf(createRecord(userId));
  }

  /** The user's replicable state (cluster mode). */
  exportUser(userId: number): ReplicaState {
    const u = this.#users.get(userId) ?? createRecord(userId);
    return {
      sessions: [...u.sessions].map(([id, s]) => ({ id, kind: s.kind, lastTouch: s.lastTouch })),
      serverGames: serverGamesOf(u),
      manualStatus: u.manualStatus,
      customMessage: u.customMessage,
      customMessageExpiresAt: u.customMessageExpiresAt,
      declaredActivity: u.declaredActivity,
      declaredDetails: u.declaredDetails,
      // Only for a held client game: copies of everyone else stay as they were.
      ...(u.declaredBy === null ? {} : { declaredBy: [...u.declaredBy], declaredOrphanedAt: u.declaredOrphanedAt }),
      schedule: u.schedule,
      calendar: u.calendar,
      scheduleVersion: u.scheduleVersion,
      calendarVersion: u.calendarVersion,
      lastSeen: u.lastSeen,
      lastActivity: u.lastActivity,
      graceUntil: u.graceUntil,
      graceSession: u.graceSession,
      autoAway: u.autoAway,
      activityShown: u.state.activity === null || u.state.activitySince === null ? null : { activity: u.state.activity, since: u.state.activitySince },
      shownSince: u.shownSince,
    };
  }

  /**
   * Replaces a user's state with one from the shared store (cluster mode), keeping the
   * sessions `keep` says are this instance's own: the store may lag behind them. With
   * `sessionsOnly` (the stored user-level fields are older than this replica's) only the
   * other instances' sessions are taken.
   */
  importUser(userId: number, s: ReplicaState, keep: (sessionId: string) => boolean = () => false, sessionsOnly = false): PresenceChange | null {
    const u = this.#ensure(userId);
    const own = [...u.sessions].filter(([id]) => keep(id));
    u.sessions.clear();
    for (const e of s.sessions) if (!keep(e.id)) sessionsOf(u).set(e.id, { kind: e.kind, lastTouch: e.lastTouch });
    for (const [id, e] of own) sessionsOf(u).set(id, e);
    releaseSessions(u);
    // The schedule and calendar go by their database versions, not by the copy's: a newer one is
    // taken even from a copy otherwise older, and an older one never, whoever saved the copy last.
    this.#importVersioned(u, s, !sessionsOnly);
    if (sessionsOnly) {
      if (u.sessions.size > 0) u.graceUntil = null;
      releaseDeclaration(u, this.#now());
      return this.#commit(u, this.#catchUp(u));
    }
    u.serverGames.clear();
    for (const g of s.serverGames) gamesOf(u).set(g.matchId, gameEntry(g));
    u.manualStatus = s.manualStatus;
    u.customMessage = s.customMessage;
    u.customMessageExpiresAt = s.customMessageExpiresAt;
    u.declaredActivity = s.declaredActivity;
    u.declaredDetails = s.declaredDetails ?? null;
    u.declaredBy = s.declaredBy ?? null;
    u.declaredOrphanedAt = s.declaredOrphanedAt ?? null;
    releaseDeclaration(u, this.#now());
    u.lastSeen = s.lastSeen;
    u.lastActivity = s.lastActivity;
    u.autoAway = s.autoAway;
    u.graceUntil = u.sessions.size > 0 ? null : s.graceUntil;
    u.graceSession = s.graceSession ?? null;
    if (u.sessions.size === 0 && u.graceUntil === null && u.serverGames.size === 0) markOffline(u);
    // Never earlier than this replica knows: what she did while hidden stays invisible.
    if (s.shownSince != null) u.shownSince = Math.max(u.shownSince ?? -Infinity, s.shownSince);
    return this.#commit(u, this.#catchUp(u) ?? s.activityShown ?? null);
  }

  /**
   * Brings an imported record up to now: the stored copy is as of its last save, and the
   * time-driven transitions since (grace end, poll TTL, message expiry, games' maximum,
   * schedule and calendar, the idle machine) are applied by each replica's own clock and
   * never saved. So a replica loaded afresh runs every deadline already past before anyone
   * reads it, exactly as a replica that had held the user all along did at each tick. The
   * idle machine catches up without probing: the instances holding the user's sockets
   * probed when the idle timeout passed (catchUpIdle).
   */
  #catchUp(u: UserRecord): ActivityDate | null {
    const now = this.#now();
    // An input newer than a probe this replica sent answered it (an import after an outage).
    if (u.probeAt !== null && u.lastActivity !== null && u.lastActivity >= u.probeAt) u.probeAt = null;
    return this.#due(u, now, true).awayAt;
  }

  /**
   * A session went live. Counts as an interaction (a page opened, a client started), unless
   * `interaction: false`: a client reconnecting by itself (network blip, server restart), or any
   * poll (a read), is no sign anyone is there, so an idle or auto-away user stays so (resumeIdle).
   * Within the offline grace this is a reload: the grace is cancelled and viewers never notice.
   */
  openSession(userId: number, sessionId: string, kind: SessionKind, opts: { interaction?: boolean } = {}): PresenceChange | null {
    const u = this.#ensure(userId);
    const now = this.#now();
    sessionsOf(u).set(sessionId, { kind, lastTouch: now });
    u.graceUntil = null;
    u.loggedOut = null;
    // A page loaded (not a client reconnecting by itself): it plays no client game the sessions
    // that declared it left behind (a reload starts with no match running), so that game is over.
    if (opts.interaction !== false && u.declaredOrphanedAt !== null) endDeclared(u);
    if (opts.interaction !== false) markInteraction(u, now);
    else if (u.lastActivity !== null) resumeIdle(u, now, this.timings, true);
    // No interaction on record (none was ever saved): a socket's reconnect starts the idle clock
    // (its first open was one). A poll is a read, which never counts (CONTRACT): with no input
    // ever, the last one is older than any timeout, so the user is away at once, until one comes.
    else if (kind === 'socket') markInteraction(u, now);
    else u.autoAway = true;
    return this.#commit(u);
  }

  /** Heartbeat of a session (keeps a poll session alive); not an interaction. False if unknown. */
  touchSession(userId: number, sessionId: string): boolean {
    const session = this.#users.get(userId)?.sessions.get(sessionId);
    if (!session) return false;
    // Only postpones the poll deadline, so the queue entry already there stays valid.
    session.lastTouch = this.#now();
    return true;
  }

  /**
   * A session ended. When it was the last one the user stays as they are for the offline
   * grace (reloads, flaky networks), or goes offline at once with `immediate` (logout).
   * `at`: when it ended where it was seen (another instance; never later than now here): the
   * user's last_seen and the grace date from then, as on that instance.
   */
  closeSession(userId: number, sessionId: string, opts: { immediate?: boolean; at?: number } = {}): PresenceChange | null {
    const u = this.#users.get(userId);
    if (!u) return null;
    if (!u.sessions.delete(sessionId)) return this.datesLeaveEarlier(userId, sessionId, opts.at) ? this.#leftAt(u, opts.at!) : null;
    return this.#sessionsEnded(u, Math.min(opts.at ?? Infinity, this.#now()), sessionId, opts.immediate ?? false);
  }

  /**
   * A session of an instance that died (it stopped heartbeating, status/cluster-heartbeat.ts),
   * ended as of the last moment the user is known to have been there: `knownAliveAt`, the
   * instance's last beat, or later when this replica saw them later (the session opened or was
   * touched, another session of theirs ended, they interacted), never later than now. So
   * `last_seen` is when they were last there, not when the death was noticed, and the grace
   * counts from then, as for a socket dropped on a live instance (its last sign of life).
   */
  endDeadSession(userId: number, sessionId: string, knownAliveAt: number): PresenceChange | null {
    const u = this.#users.get(userId);
    const session = u?.sessions.get(sessionId);
    if (!u || !session) return null;
    const at = Math.max(knownAliveAt, session.lastTouch, u.lastLeftAt ?? -Infinity, u.lastActivity ?? -Infinity);
    return this.closeSession(userId, sessionId, { at });
  }

  /**
   * Whether the close of `sessionId`, dated `at`, is of a session a logout ended here before
   * this replica heard it close (the instance that held its socket ran the grace the logout
   * ended), the user gone since, and closed earlier: then the user left at the close, as on
   * that instance, not at the logout.
   */
  datesLeaveEarlier(userId: number, sessionId: string, at: number | undefined): boolean {
    const u = this.#users.get(userId);
    const loggedOut = u?.loggedOut;
    return at !== undefined && loggedOut !== undefined && loggedOut !== null && loggedOut.sessions.has(sessionId) && at < loggedOut.at && u!.sessions.size === 0 && u!.lastSeen === loggedOut.at;
  }

  #leftAt(u: UserRecord, at: number): PresenceChange | null {
    u.lastSeen = at;
    u.lastLeftAt = at;
    u.loggedOut = null;
    return this.#commit(u);
  }

  /**
   * Sessions of the user ended at `now` (already removed from the record), `last` among them:
   * when none is left, the user left then, and either goes offline (`immediate`) or begins the
   * offline grace with `last`.
   */
  #sessionsEnded(u: UserRecord, now: number, last: string, immediate: boolean): PresenceChange | null {
    this.#left(u, now, last, immediate);
    return this.#commit(u);
  }

  /** What #sessionsEnded does, without committing (a poll session's expiry is applied inside a tick). */
  #left(u: UserRecord, now: number, last: string, immediate: boolean): void {
    releaseSessions(u);
    releaseDeclaration(u, now);
    u.lastLeftAt = now;
    if (u.sessions.size === 0) {
      u.lastSeen = now;
      if (immediate) markOffline(u);
      else {
        u.graceUntil = now + this.timings.offlineGraceMs;
        u.graceSession = last;
      }
    }
  }

  /** Whether the offline grace running now began with the close of a session of this login (ids ending in `sessionSuffix`). */
  graceBegunBy(userId: number, sessionSuffix: string): boolean {
    const u = this.#users.get(userId);
    return u !== undefined && u.sessions.size === 0 && u.graceUntil !== null && (u.graceSession?.endsWith(sessionSuffix) ?? false);
  }

  /**
   * A login logged out (`sessionSuffix`: what the ids of its socket sessions end in). Its
   * sessions this replica still holds end at once, without grace: the replica may not have
   * heard yet that a socket of it, on another instance, already closed (that close, arriving
   * later, then finds nothing to close and begins no grace). And if the grace running now began
   * with the close of one of its sessions, the user goes offline at once, as with a logout while
   * the socket is open. A grace another login began (a tab reloading elsewhere) runs on, and so
   * do other logins' sessions. `at`: when the login logged out, on the instance that answered
   * it (never later than now here): the sessions held here end then, so every replica dates the
   * user's leave alike. A close of one of them heard later may date it earlier (closeSession).
   */
  logout(userId: number, sessionSuffix: string, at?: number): PresenceChange | null {
    const u = this.#users.get(userId);
    if (!u) return null;
    let ended: string | null = null;
    const endedIds = new Set<string>();
    for (const sessionId of [...u.sessions.keys()]) {
      if (sessionId.endsWith(sessionSuffix) && u.sessions.delete(sessionId)) endedIds.add((ended = sessionId));
    }
    if (ended !== null) {
      const endedAt = Math.min(at ?? Infinity, this.#now());
      const change = this.#sessionsEnded(u, endedAt, ended, true);
      if (u.sessions.size === 0) u.loggedOut = { sessions: endedIds, at: endedAt };
      return change;
    }
    if (!this.graceBegunBy(userId, sessionSuffix)) return null;
    markOffline(u);
    return this.#commit(u);
  }

  /** An input signal, `still_here` or an API call: back from auto-away, idle timer restarted. */
  interaction(userId: number): PresenceChange | null {
    const u = this.#ensure(userId);
    markInteraction(u, this.#now());
    return this.#commit(u);
  }

  /**
   * Sets a manual status: busy and away stick until changed, online is automatic mode.
   * `custom` undefined leaves the custom message as it is, `status` undefined the manual status.
   * Counts as an interaction.
   */
  setManualStatus(userId: number, status: ManualStatus | undefined, custom?: CustomMessageInput): PresenceChange | null {
    const u = this.#ensure(userId);
    const now = this.#now();
    if (status !== undefined) u.manualStatus = status === 'online' ? null : status;
    if (custom !== undefined) applyCustomMessage(u, custom.message, custom.expiresAt, now);
    markInteraction(u, now);
    return this.#commit(u);
  }

  /** The custom message the user set (not one a schedule rule shows). */
  ownCustomMessage(userId: number): string | null {
    return this.#users.get(userId)?.customMessage ?? null;
  }

  /**
   * Sets (or with null removes) the user's status schedule. Its transitions are deadlines
   * like any other: the engine re-evaluates it exactly when the next rule starts or ends.
   * `version`: the schedule's version in the database; a schedule not newer than the one held
   * changes nothing (two saves applied in another order than the database made them end on
   * the one it holds). Without a version (an older instance's input) it is applied as it comes.
   */
  setSchedule(userId: number, schedule: Schedule | null, version?: number): PresenceChange | null {
    const u = this.#ensure(userId);
    if (version !== undefined) {
      if (version <= u.scheduleVersion) return null;
      u.scheduleVersion = version;
    }
    this.#applySchedule(u, schedule);
    return this.#commit(u);
  }

  /** Replaces the busy intervals from the user's calendar feed (empty: none); `version` as for setSchedule. */
  setCalendar(userId: number, busy: CalendarBusy[], version?: number): PresenceChange | null {
    const u = this.#ensure(userId);
    if (version !== undefined) {
      if (version <= u.calendarVersion) return null;
      u.calendarVersion = version;
    }
    this.#applyCalendar(u, busy);
    return this.#commit(u);
  }

  /**
   * A stored copy's schedule and calendar, each if its database version is newer than the one
   * held here (`orEqual`: or the same, as a copy whose other fields are taken too).
   */
  #importVersioned(u: UserRecord, s: ReplicaState, orEqual: boolean): void {
    const newer = (version: number, held: number) => version > held || (orEqual && version === held);
    const scheduleVersion = s.scheduleVersion ?? 0;
    if (s.schedule !== undefined && newer(scheduleVersion, u.scheduleVersion)) {
      u.scheduleVersion = scheduleVersion;
      this.#applySchedule(u, s.schedule);
    }
    const calendarVersion = s.calendarVersion ?? 0;
    if (s.calendar !== undefined && newer(calendarVersion, u.calendarVersion)) {
      u.calendarVersion = calendarVersion;
      this.#applyCalendar(u, s.calendar);
    }
  }

  #applyCalendar(u: UserRecord, busy: CalendarBusy[]): void {
    u.calendar = keptCalendar(busy);
    applyScheduleState(u, evaluateCalendar(busy, this.#now()), 'calendarState');
  }

  #applySchedule(u: UserRecord, schedule: Schedule | null): void {
    u.schedule = schedule;
    applyScheduleState(u, evaluateSchedule(schedule, this.#now()));
  }

  /** Changes only the custom message (null clears it); an expiry in the past clears it too. */
  setCustomMessage(userId: number, message: string | null, expiresAt: number | null): PresenceChange | null {
    const u = this.#ensure(userId);
    applyCustomMessage(u, message, expiresAt, this.#now());
    return this.#commit(u);
  }

  /**
   * A client-declared activity; a game activity starts a client game, any other ends it.
   * Rejected (state untouched) while a game server's game is in progress; not kept by a user
   * with no session and no grace. Counts as an interaction either way: the user did something.
   * `holders`: the sessions declaring it (the socket, or the login's sessions); a client game
   * lasts while one of them is live (declareActivity), null: no session in particular.
   */
  setActivity(userId: number, activity: Activity, details: ActivityDetails | null = null, holders: readonly string[] | null = null): ActivityResult {
    const u = this.#ensure(userId);
    const now = this.#now();
    markInteraction(u, now);
    const rejected = u.serverGames.size > 0;
    // Only a present user has an activity: one declared with no session (offline, grace over)
    // is not kept, or it would show at the next connect (§5 "Activities and games").
    if (!rejected && isPresent(u)) declareActivity(u, activity, details, holders, now);
    return { change: this.#commit(u), rejected };
  }

  /**
   * A game server started a match or tournament: `in_game` until it ends, session or not.
   * A client game in progress is superseded (nobody plays a practice match meanwhile), so
   * it does not come back when the server game ends.
   */
  startGame(userId: number, matchId: string, kind: GameKind, details: ActivityDetails | null = null): PresenceChange | null {
    const u = this.#ensure(userId);
    // Idempotent per match: a repeated start keeps the original start time (and its timeout).
    const had = u.serverGames.get(matchId);
    u.serverGames.delete(matchId);
    gamesOf(u).set(matchId, { ...had, activity: gameActivityOf(kind), startedAt: had?.startedAt ?? this.#now(), details: details ?? had?.details ?? null });
    if (isGameActivity(u.declaredActivity)) endDeclared(u);
    u.probeAt = null;
    u.autoAway = false;
    return this.#commit(u);
  }

  /**
   * A game server reported news of a game in progress (score, round…): the details are
   * merged into what it reported before. Unknown match (never started, or ended): null.
   */
  updateGame(userId: number, matchId: string, details: ActivityDetails | null): PresenceChange | null {
    const u = this.#users.get(userId);
    const game = u?.serverGames.get(matchId);
    if (!u || !game || details === null) return null;
    gamesOf(u).set(matchId, { ...game, details: mergeDetails(game.details, details) });
    return this.#commit(u);
  }

  /**
   * A game server ended a game: the user returns to what they would be without it. With no
   * session (and no grace running) that is offline, last seen now. Unknown match: null.
   */
  endGame(userId: number, matchId: string): PresenceChange | null {
    const u = this.#users.get(userId);
    if (!u?.serverGames.delete(matchId)) return null;
    const now = this.#now();
    markInteraction(u, now);
    if (u.serverGames.size === 0 && u.sessions.size === 0 && u.graceUntil === null) {
      u.lastSeen = now;
      markOffline(u);
    }
    return this.#commit(u);
  }

  /**
   * A hidden user unhid at `at` (CONTRACT: unhiding never reveals what happened while hidden).
   * Others see her activity from then on (shownSince; her server games keep it, so a restart
   * does too). With no live session she shows what she showed while hidden: a grace still
   * running (she left while hidden) ends now, as she looked gone since she hid, and an offline
   * user keeps the last_seen `lastSeen` she showed. With a session, or in a server game, she
   * shows her current state.
   */
  unhide(userId: number, lastSeen: number | null, at: number): PresenceChange | null {
    const u = this.#users.get(userId);
    if (!u) return null;
    u.shownSince = at;
    for (const [matchId, game] of u.serverGames) gamesOf(u).set(matchId, { ...game, shownFrom: at });
    if (u.sessions.size === 0) {
      if (u.graceUntil !== null) markOffline(u);
      if (u.serverGames.size === 0) u.lastSeen = lastSeen;
    }
    return this.#commit(u);
  }

  /**
   * Advances to clock.now(): grace and poll-session expiry, idle probes and auto-away,
   * custom message expiry. Only users with a deadline due are visited, and everything due
   * for a user is applied before comparing, so each change is reported once.
   */
  tick(): TickResult {
    const now = this.#now();
    const result: TickResult = { changes: [], probes: [], expiredSessions: [] };
    this.#notBefore = now + 1;
    try {
      while (this.#queue.peekTime() <= now) {
        const due = this.#queue.peekTime();
        const userId = this.#queue.pop();
        const u = userId === undefined ? undefined : this.#users.get(userId);
        // Stale entry: the user was removed or rescheduled since.
        if (!u || u.scheduledAt !== due) continue;
        u.scheduledAt = Infinity;
        this.#advance(u, now, result);
      }
    } finally {
      this.#notBefore = -Infinity;
    }
    return result;
  }

  #advance(u: UserRecord, now: number, result: TickResult): void {
    const expired = this.#due(u, now, false);
    if (expired.sessions) for (const sessionId of expired.sessions) result.expiredSessions.push({ userId: u.id, sessionId });
    if (expired.probe) result.probes.push(u.id);
    const change = this.#commit(u);
    if (change) result.changes.push(change);
  }

  /**
   * Applies every time-driven transition due at `now` (the one place each deadline is owned),
   * without committing. The tick probes an idle user; a catch-up (`catchUp`, an import) puts
   * the idle machine where the ticks would have, without a probe of its own.
   */
  #due(u: UserRecord, now: number, catchUp: boolean): { sessions: string[] | null; probe: boolean; awayAt: ActivityDate | null } {
    const sessions = this.#expirePollSessions(u, now);
    if (u.graceUntil !== null && u.graceUntil <= now) this.#graceOver(u, now);
    if (u.customMessageExpiresAt !== null && u.customMessageExpiresAt <= now) applyCustomMessage(u, null, null, now);
    if (orphanDeadline(u, this.timings.offlineGraceMs) <= now) endDeclared(u);
    expireGames(u, now, this.timings.maxGameMs);
    const layered = u.scheduleState.active !== null || u.calendarState.active !== null;
    if (u.scheduleState.nextChange <= now) applyScheduleState(u, evaluateSchedule(u.schedule, now));
    if (u.calendarState.nextChange <= now) {
      u.calendar = keptCalendar(u.calendar.filter((b) => b.end > now));
      applyScheduleState(u, evaluateCalendar(u.calendar, now), 'calendarState');
    }
    // A schedule rule or calendar event ended: a user without input for longer than the idle
    // timeout and the probe's together is away at once, as on a reconnect, not `online` for a
    // probe's time first (the rule held the idle machine, not the user).
    if (layered && u.scheduleState.active === null && u.calendarState.active === null) resumeIdle(u, now, this.timings);
    if (catchUp) {
      const awayAt = catchUpIdle(u, now, this.timings);
      return { sessions, probe: false, awayAt: awayAt === null ? null : { activity: 'idle', since: awayAt } };
    }
    return { sessions, probe: !this.deaf(u.id) && advanceIdle(u, now, this.timings), awayAt: null };
  }

  /**
   * The grace is over: offline, unless this server is saturated. Then the user's reconnect
   * may be waiting in its own queues (a reconnect storm after a network blip), so the grace
   * runs on a step at a time, up to `graceStretch` graces after they left, instead of
   * flapping them offline and back. The grace started when the last session ended (lastSeen).
   */
  #graceOver(u: UserRecord, now: number): void {
    const stretch = this.timings.graceStretch ?? 1;
    const limit = (u.lastSeen ?? now) + stretch * this.timings.offlineGraceMs;
    if (stretch > 1 && now < limit && this.saturated()) u.graceUntil = Math.min(limit, now + GRACE_STEP_MS);
    else markOffline(u);
  }

  /**
   * Poll sessions not called within the TTL end (CONTRACT: a polling session is live while seen
   * within it), each at the moment its TTL ran out (not at the tick that noticed it, so every
   * replica dates it alike), and the last session ending is a leave like a socket's last close:
   * last_seen then, and friends see `offline` only after the offline grace, unless a poll or a
   * socket comes back meanwhile.
   */
  #expirePollSessions(u: UserRecord, now: number): string[] | null {
    const ttl = this.timings.pollSessionTtlMs;
    let endedAt = -Infinity;
    let last: string | null = null;
    let expired: string[] | null = null;
    for (const [sessionId, session] of u.sessions) {
      if (session.kind !== 'poll' || session.lastTouch + ttl > now) continue;
      u.sessions.delete(sessionId);
      (expired ??= []).push(sessionId);
      if (session.lastTouch + ttl >= endedAt) [endedAt, last] = [session.lastTouch + ttl, sessionId];
    }
    if (last === null) return expired;
    // A socket that closed after the poll session's end (before this tick) left later than it did.
    this.#left(u, Math.max(endedAt, u.lastLeftAt ?? -Infinity), last, false);
    return expired;
  }

  /**
   * The wall clock, once every in-process deadline has followed a step of it since the last
   * reading (see Clock): the offline grace, the idle timer and probe, poll sessions' TTL and an
   * orphaned client game's end are durations, so their moments move by the step and end as
   * much later, by the monotonic clock, as they would have. Before, a step forward of minutes
   * ended every running grace and probed every connected user at once, and a step back kept a
   * user who left online (and idle users from auto-away) for the step's length. Moments set in
   * calendar time (expiries, schedules, a game's start) and last_seen stay as dated.
   */
  #now(): number {
    const now = this.clock.now();
    const mono = this.clock.monotonic?.();
    if (mono === undefined) return now;
    const step = now - this.#lastWall - (mono - this.#lastMono);
    this.#lastWall = now;
    this.#lastMono = mono;
    if (Math.abs(step) >= CLOCK_STEP_MS) this.#stepped(step);
    return now;
  }

  /** Moves every user's in-process deadlines by `step` ms, and queues those now earlier (a step back). */
  #stepped(step: number): void {
    for (const u of this.#users.values()) {
      if (u.graceUntil !== null) u.graceUntil += step;
      if (u.probeAt !== null) u.probeAt += step;
      // A present user's last input: the idle timer runs from it while a session is live, and
      // resumes from it when the client reconnects within the offline grace (resumeIdle).
      if (u.lastActivity !== null && (u.sessions.size > 0 || u.graceUntil !== null)) u.lastActivity += step;
      if (u.declaredOrphanedAt !== null) u.declaredOrphanedAt += step;
      for (const session of u.sessions.values()) session.lastTouch += step;
      // The latest leave, which a poll session's end or a dead instance's session is dated no
      // earlier than: left unmoved by a step back, it dated their leave (and grace) that far ahead.
      if (u.lastLeftAt !== null) u.lastLeftAt += step;
      // A later deadline keeps its earlier entry, which re-checks the user (deadline-queue.ts).
      this.#schedule(u);
    }
  }

  #ensure(userId: number): UserRecord {
    let u = this.#users.get(userId);
    if (!u) {
      u = createRecord(userId);
      this.#users.set(userId, u);
    }
    return u;
  }

  /** Re-derives the state, reschedules, and reports the change if there is one. */
  #commit(u: UserRecord, dated: ActivityDate | null = null): PresenceChange | null {
    const before = u.state;
    const after = deriveState(u, this.#now(), dated);
    this.#schedule(u);
    if (sameReportedState(before, after)) {
      // Keep get() current without reporting a lastActivity-only move.
      if (before.lastActivity !== after.lastActivity) u.state = after;
      return null;
    }
    u.state = after;
    return { userId: u.id, before, after };
  }

  /** Queues the user's next deadline unless an earlier (or equal) entry already covers it. */
  #schedule(u: UserRecord): void {
    const next = Math.max(nextDeadline(u, this.timings, !this.deaf(u.id)), this.#notBefore);
    if (next < u.scheduledAt) {
      u.scheduledAt = next;
      this.#queue.push(next, u.id);
    }
  }
}
