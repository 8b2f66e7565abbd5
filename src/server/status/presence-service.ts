/**
 * The presence service: where sockets, API calls, game events and graph changes meet the
 * pure core. Every presence input is published on the EventBus under the user's topic and
 * applied when it comes back — on this instance at once, on every other instance that
 * watches the user moments later — so one code path serves one instance and many. Changes
 * leave as views made by `view()` (the one privacy function) to this instance's gateway.
 */
import type { FastifyBaseLogger } from 'fastify';
import { sortViewsInPlace, type Activity, type Friend, type NotificationPayload, type GameEventBody, type ScheduleBody, type Settings, type SetStatusBody, type View } from '../../protocol/index.js';
import type { AuthContext } from '../auth/auth-service.js';
import type { SessionRepository } from '../auth/session-repository.js';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import type { GraphEvent } from '../friends/friends-service.js';
import type { BusMessage, EventBus } from '../ports/event-bus.js';
import type { PresenceStore } from '../ports/presence-store.js';
import type { SocialGraph } from '../ports/social-graph.js';
import { PresenceEngine } from '../presence/presence-engine.js';
import { changedViews, historyStatus, tierOf, view, type ChangedView } from '../presence/privacy.js';
import type { PresenceChange, Subject, ViewerTier } from '../presence/types.js';
import type { HistoryRecorder } from '../history/history-recorder.js';
import type { UserRepository } from '../users/user-repository.js';
import type { Metrics } from '../metrics/metrics.js';
import { evaluateSchedule, type CalendarBusy } from '../presence/schedule.js';
import { applyInput } from './apply-input.js';
import { FriendGraph } from './friend-graph.js';
import { GraphViews } from './graph-views.js';
import { Interest } from './interest.js';
import { isBusEvent, userTopic, type BusEvent, type PresenceEvent, type PresenceInput } from './presence-events.js';
import { sharedSettings, type PresenceRepository, type Profile } from './presence-repository.js';
import { PresenceWriter, type WriterHealth } from './presence-writer.js';
import { Saturation } from './saturation.js';
import { Replicas } from './replicas.js';
import type { ReplicaSync } from './resync-retry.js';
import { FriendJsonCache, ReadySnapshot } from './ready-snapshot.js';
import { StatusCommands } from './status-commands.js';
import { OwedNames } from './owed-names.js';
import type { PendingRequests, RequestFrame } from './held-request-frames.js';
import { OutageCatchUp } from './outage-catch-up.js';
import { isoUtc } from '../presence/iso-time.js';


export interface PresenceDeps {
  config: Readonly<Config>;
  now: () => number;
  bus: EventBus;
  store: PresenceStore;
  repo: PresenceRepository;
  users: UserRepository;
  /** The friend graph's data source: Beacon's friendships, or a host's (ports/social-graph.ts). */
  friendRepo: SocialGraph;
  sessions: SessionRepository;
  /** Where changes of effective status are recorded (status history). */
  history: HistoryRecorder;
  log: FastifyBaseLogger;
  metrics?: Metrics;
  /** Whether this instance is saturated (default: measured, saturation.ts; tests inject one). */
  saturation?: Pick<Saturation, 'saturated' | 'stop'>;
  /**
   * Beacon's own friend lists (standalone mode; the integration modes send no `friend_updated`):
   * the friends whose category one of these users set at `since` or later, as the user lists
   * them. Read after a bus outage, to send again the `friend_updated` it may have dropped.
   */
  categoriesSetSince?: (userIds: readonly number[], since: number) => Promise<Array<{ userId: number; friend: Friend }>>;
  /**
   * Which of these friend requests are still pending (standalone mode: the integration modes
   * have no requests). Read after a bus outage, before request frames held meanwhile go out again.
   */
  pendingRequests?: PendingRequests;
}

const TICK_MS = 250;
/** How often replicas nobody needs any more are looked for. */
const RELEASE_EVERY_MS = 1000;
const DAY_MS = 86_400_000;
export class PresenceService {
  readonly engine: PresenceEngine;
  readonly graph: FriendGraph;
  readonly instanceId: string;
  readonly #profiles = new Map<number, Profile>();
  /** Name re-reads in flight, by user (see renamed). */
  readonly #renaming = new Map<number, Promise<void>>();
  /** After a rename: which tiers' frames carry the names (owed-names.ts). */
  readonly #names = new OwedNames();
  /** Open sockets per login session: a login with a socket is not also a polling client. */
  readonly #logins = new Map<string, { userId: number; sockets: number }>();
  readonly #writer: PresenceWriter;
  readonly #replicas: Replicas;
  readonly #graphViews: GraphViews;
  /** Which replicas local viewers need (replica lifecycle). */
  readonly #interest: Interest;
  /** Open sockets here per user: a user with one is a local viewer, holding themself and their friends. */
  readonly #viewerSockets = new Map<number, number>();
  #lastRelease = -Infinity;
  #sink: (e: PresenceEvent) => void = () => {};
  /** Told when a user goes from offline to present for some tiers (watch notifications). */
  #appeared: ((userId: number, views: Partial<Record<ViewerTier, View>>) => void) | null = null;
  /** The UTC day of the last tick (approximate last-seen buckets change with it). */
  #day: number | null = null;
  #ticker: NodeJS.Timeout | null = null;
  readonly #saturation: Pick<Saturation, 'saturated' | 'stop'> | null;
  readonly #friendJson = new FriendJsonCache();
  readonly #commands: StatusCommands;
  /** What this instance owes the others, and reads again, after a bus outage. */
  readonly #catchUp: OutageCatchUp;

  constructor(private readonly deps: PresenceDeps) {
    const { config, now, bus } = deps;
    this.instanceId = bus.instanceId;
    this.#saturation = config.graceStretch > 1 ? (deps.saturation ?? new Saturation()) : null;
    const saturation = this.#saturation;
    // Any instance saturated stretches the grace here too (Replicas.othersSaturated): replicas agree.
    this.engine = new PresenceEngine(
      { now },
      config,
      () => (saturation?.saturated ?? false) || this.#replicas.othersSaturated,
      // During a bus outage a replica of a user with no socket here cannot hear them interact.
      (userId) => deps.store.shared && !bus.isHealthy() && !this.#replicas.holdsSocket(userId),
    );
    this.graph = new FriendGraph(deps.friendRepo);
    this.#interest = new Interest(config.replicaLingerMs, now);
    this.#replicas = new Replicas(deps, this.engine, {
      profiles: this.#profiles,
      changed: (c) => this.#changed(c),
      saturated: () => saturation?.saturated ?? false,
    });
    this.#writer = new PresenceWriter(deps.repo, (id) => this.#row(id), {
      intervalMs: config.persistIntervalMs,
      now,
      log: deps.log,
      metrics: deps.metrics,
      isWriter: (id) => this.#replicas.isWriter(id),
    });
    deps.metrics?.watchReplicas(() => this.#profiles.size);
    this.#graphViews = new GraphViews({
      graph: this.graph,
      friendRepo: deps.friendRepo,
      viewOf: (id, tier) => this.viewOf(id, tier),
      ensureLoaded: (ids) => this.ensureLoaded(ids),
      loaded: (id) => this.#profiles.has(id),
      // A viewer moved between tiers may have been in one that is still owed a rename's names.
      sink: (e) => this.#sink(e.kind === 'view_changed' && this.#names.owes(e.subjectId) ? { ...e, named: true } : e),
      friendship: (viewerId, subjectId, friends) => this.#friendship(viewerId, subjectId, friends),
    });
    this.#commands = new StatusCommands({
      engine: this.engine,
      now,
      repo: deps.repo,
      users: deps.users,
      ensureLoaded: (ids) => this.ensureLoaded(ids),
      input: (userId, input) => this.#input(userId, input),
      profile: (userId) => this.#profile(userId),
      loaded: (userId) => this.#profiles.has(userId),
      viewOf: (userId, tier) => this.viewOf(userId, tier),
    });
    bus.onMessage((_topic, message) => this.#onBus(message));
    this.#catchUp = new OutageCatchUp({
      bus,
      now,
      sessions: deps.sessions,
      log: deps.log,
      categoriesSetSince: deps.categoriesSetSince,
      pendingRequests: deps.pendingRequests,
      logins: () => this.#logins,
      refresh: (viewerId) => this.#graphViews.refresh(viewerId),
      sink: (e) => this.#sink(e),
    });
  }

  /** Where this instance's gateway receives presence events. */
  setSink(sink: (e: PresenceEvent) => void): void {
    this.#sink = sink;
  }

  /**
   * Where appearances go: a user went from offline to present as viewers of the given tiers
   * see them. Only the instance that applied the input first (or whose clock moved it) reports.
   */
  onAppeared(listener: (userId: number, views: Partial<Record<ViewerTier, View>>) => void): void {
    this.#appeared = listener;
  }

  /**
   * Whether the user must not be disturbed now: busy (Do Not Disturb, shown now or set by hand
   * and kept while offline), or a busy rule of their schedule holds (quiet hours).
   */
  async quiet(userId: number): Promise<boolean> {
    await this.ensureLoaded([userId]);
    if (!this.engine.known(userId)) return false;
    const state = this.engine.get(userId);
    if (state.status === 'busy' || state.manualStatus === 'busy') return true;
    const schedule = this.engine.snapshotForPersistence(userId).schedule ?? null;
    return evaluateSchedule(schedule, this.deps.now()).active?.status === 'busy';
  }

  /** Sends a notification frame to the user's sockets, on every instance. */
  notify(viewerId: number, payload: NotificationPayload): void {
    this.#publish(viewerId, { kind: 'notification', viewerId, payload });
  }

  /**
   * One instance: users the last run left online keep the offline grace of the stop after a
   * clean restart within it, else (a crash, or a restart slower than the grace) they are
   * written offline. Then starts the clock and the write-behind.
   */
  async start(): Promise<void> {
    if (!this.deps.store.shared) await this.#afterLastRun();
    await this.#replicas.start();
    this.#writer.start();
    this.deps.history.start();
    this.#ticker = setInterval(() => this.tick(), TICK_MS);
    this.#ticker.unref();
  }

  /** Whether presence is shared with other instances (cluster mode). */
  get sharesState(): boolean {
    return this.deps.store.shared;
  }

  /**
   * Several instances: resolves once what this instance changed of the user so far (of every
   * user, without `userId`) has reached the others (Replicas.sharedSoFar), at most `capMs`
   * later (a store or bus down fails fast anyway). One instance, or the bus down: at once.
   */
  async shared(userId?: number, capMs = 2000): Promise<void> {
    // With the bus down nothing reaches the others anyway (they resync when it is back).
    if (!this.deps.store.shared || !this.deps.bus.isHealthy()) return;
    let timer: NodeJS.Timeout | undefined;
    const cap = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, capMs);
      timer.unref();
    });
    try {
      await Promise.race([this.#replicas.sharedSoFar(userId), cap]);
    } catch (err) {
      // A failed save or publish is the replicas' to retry (resync); the change itself was made.
      this.deps.log.warn({ err: (err as Error).message }, 'change not confirmed shared before answering');
    } finally {
      clearTimeout(timer);
    }
  }

  /** Heartbeats into the shared store now (a timer does it every fifth of the heartbeat interval). */
  beat(): Promise<void> {
    return this.#replicas.beat();
  }

  /** Ends the sessions of instances that stopped heartbeating, now (a timer does it after each beat). */
  reap(): Promise<void> {
    return this.#replicas.reap();
  }

  /**
   * Stops timers and writes everything. With one instance, the stop records who was present
   * (a live session or a running grace) and their grace: a restart within it resumes them
   * (#afterLastRun). A stop whose last write failed records nothing: the next start treats it
   * as a crash.
   */
  async stop(): Promise<void> {
    if (this.#ticker) clearInterval(this.#ticker);
    this.#ticker = null;
    this.#saturation?.stop();
    const now = this.deps.now();
    const present = this.deps.store.shared ? [] : this.engine.presentAt(now);
    await this.#replicas.stop();
    await this.#writer.stop();
    await this.deps.history.stop();
    if (this.deps.store.shared) return;
    const health = this.#writer.health();
    const saved = health.ok && health.setAside.length === 0 && this.#writer.pending === 0;
    // Dated `now` (when the sockets ended), but recorded after the final flush, whose alive mark
    // is a few milliseconds later: the next start must not read that as a run going on after the stop.
    if (saved) await this.deps.repo.markStopped(now, present, Math.max(now, this.deps.now()));
    else await this.deps.repo.clearStopped();
  }

  /**
   * A deploy (a clean stop, then a start within the offline grace) is a network blip for every
   * connected user: friends see no one go offline and come back, and followers get no "is
   * online" notification. First every row still online is written offline (last seen at the
   * stop, or when a crashed run was last alive), then the users present at a clean stop whose
   * grace still runs are loaded in it (their rows written again by the write-behind); those
   * whose grace ran out while loading stay offline.
   */
  async #afterLastRun(): Promise<void> {
    const { repo, log } = this.deps;
    const stop = await repo.takeStopped();
    const aliveAt = await repo.lastAlive();
    // No alive mark after the stop was recorded: nothing ran after it (a record of an older version has no recordedAt).
    const clean = stop !== null && (aliveAt === null || (stop.recordedAt ?? stop.at) >= aliveAt);
    const n = await repo.resetGhosts(clean ? stop.at : aliveAt, this.deps.now());
    const resumable = clean ? stop.present.filter((p) => p.graceUntil > this.deps.now()) : [];
    if (n > 0 && resumable.length === 0) log.info({ users: n }, clean ? 'reset users left online by a stop longer than the offline grace' : 'reset users left online by an unclean stop');
    if (resumable.length === 0) return;
    await this.ensureLoaded(resumable.map((p) => p.userId));
    let resumed = 0;
    for (const p of resumable) {
      if (!this.engine.resumeGrace(p)) continue;
      this.#writer.markDirty(p.userId);
      resumed++;
    }
    log.info({ users: resumed, of: resumable.length }, 'restarted within the offline grace: users present at the stop keep it');
  }

  /** Advances the core to now: grace expiry, idle probes, poll TTLs, message expiry. */
  tick(): void {
    const result = this.engine.tick();
    for (const change of result.changes) this.#changed(change, true);
    for (const userId of result.probes) this.#sink({ kind: 'probe', userId });
    this.#rollOverDay();
    const now = this.deps.now();
    if (now - this.#lastRelease >= RELEASE_EVERY_MS) {
      this.#lastRelease = now;
      this.releaseIdle();
    }
  }

  // ---- replica lifecycle -----------------------------------------------------------

  /**
   * The user was deleted: this instance drops what it holds of them at once (replica, profile,
   * friend list, a row waiting to be written), so nothing of theirs is written onto a row that
   * takes their id again (a host's user deleted and put back as a fresh shadow row).
   */
  forgetDeleted(userId: number): void {
    this.#writer.forget(userId);
    this.#replicas.release(userId);
    this.graph.forget(userId);
    this.#names.forget(userId);
  }

  /** Releases every replica no local viewer has needed for the linger time (see interest.ts). */
  releaseIdle(): void {
    this.#interest.sweep((id) => this.#release(id));
  }

  /** Users replicated here (tests, metrics). */
  get replicaCount(): number {
    return this.#profiles.size;
  }

  /** Whether this instance holds a replica of the user (tests). */
  replicates(userId: number): boolean {
    return this.#profiles.has(userId);
  }

  /**
   * Drops the user's replica, profile, friend list and subscription, unless this instance
   * still owes the user something: a load in progress, a row or store save not yet written,
   * or — as the user's writer — a deadline of a session it ended (grace → offline, poll TTL).
   */
  #release(userId: number): boolean {
    if (!this.#profiles.has(userId)) {
      // Never loaded (no such user) or a friend list alone (a poller's): forget it.
      if (!this.#replicas.releasable(userId)) return false;
      this.graph.forget(userId);
      return true;
    }
    if (!this.#replicas.releasable(userId)) return false;
    // Another instance writes this user: a mark left here is dropped at the next flush anyway.
    if (this.#replicas.isWriter(userId) && (this.#writer.isDirty(userId) || this.engine.get(userId).status !== 'offline')) return false;
    this.#replicas.release(userId);
    this.graph.forget(userId);
    this.#names.forget(userId);
    return true;
  }

  /** A friendship of a local viewer began or ended: the viewer now needs (or no longer needs) the friend. */
  #friendship(viewerId: number, subjectId: number, friends: boolean): void {
    if (!this.#viewerSockets.has(viewerId)) return;
    if (friends) this.#interest.hold([subjectId]);
    else this.#interest.drop([subjectId]);
  }

  /**
   * Approximate last-seen buckets move only at midnight UTC (the one deadline they have):
   * then re-send the views of offline users shown approximately, where they changed.
   */
  #rollOverDay(): void {
    const now = this.deps.now();
    const day = Math.floor(now / DAY_MS);
    const previous = this.#day;
    this.#day = day;
    if (previous === null || day === previous) return;
    const lastMsOfYesterday = day * DAY_MS - 1;
    for (const [userId, profile] of this.#profiles) {
      if ((profile.settings.last_seen_approximate_visibility ?? 'nobody') === 'nobody' || this.engine.get(userId).status !== 'offline') continue;
      const subject = this.#subject(userId);
      this.#publishViews(userId, subject, subject, { beforeMs: lastMsOfYesterday });
    }
  }

  /** Writes pending presence now (tests and shutdown). */
  flush(): Promise<void> {
    return this.#writer.flush();
  }

  /** Whether the write-behind is saving (for /readyz). */
  persistenceHealth(): WriterHealth {
    return this.#writer.health();
  }

  /** Whether replicas of other instances' users are in sync, or wait for a resync after a bus outage (for /readyz). */
  replicaSync(): ReplicaSync {
    return this.#replicas.sync();
  }

  /** Loads these users' replicas unless held already; what is read stays at least the linger time. */
  ensureLoaded(ids: readonly number[]): Promise<void> {
    this.#interest.touch(ids);
    return this.#replicas.ensure(ids);
  }

  /** Loads a viewer, their friend graph and their friends; call before `openSocket`. */
  async prepareViewer(auth: AuthContext): Promise<void> {
    await this.#loadFriends(auth, true);
  }

  /** Loads a viewer's friend graph and their friends (and the viewer's own replica `withSelf`). */
  async #loadFriends(viewer: AuthContext, withSelf: boolean): Promise<void> {
    // Pinned from the friend list's load to the last friend's: nothing of it is released meanwhile.
    await this.#replicas.pinned([viewer.userId], async () => {
      await this.graph.load(viewer.userId, viewer.role);
      const friends = this.graph.friendsOf(viewer.userId);
      await this.ensureLoaded(withSelf ? [viewer.userId, ...friends] : friends);
    });
  }

  // ---- sessions ------------------------------------------------------------------

  /**
   * Opens a socket session (synchronously, after prepareViewer) and returns the `ready` snapshot.
   * `reconnect`: the client says it reconnected by itself, which is no interaction (engine).
   */
  openSocket(auth: AuthContext, connId: string, reconnect = false): ReadySnapshot {
    const login = this.#logins.get(auth.sessionId);
    if (login) login.sockets++;
    else this.#logins.set(auth.sessionId, { userId: auth.userId, sockets: 1 });
    const open = this.#viewerSockets.get(auth.userId) ?? 0;
    this.#viewerSockets.set(auth.userId, open + 1);
    if (open === 0) {
      this.#interest.hold([auth.userId]);
      this.#interest.hold(this.graph.friendIds(auth.userId));
    }
    this.#input(auth.userId, { op: 'open', sessionId: this.#socketSession(auth, connId), kind: 'socket', ...(reconnect ? { reconnect } : {}) });
    // The socket supersedes a polling session of the same login: it must not outlive the tab.
    if (this.engine.sessionIds(auth.userId).includes(pollId(auth.sessionId))) {
      this.#input(auth.userId, { op: 'close', sessionId: pollId(auth.sessionId), immediate: false });
    }
    return this.#readySnapshot(auth.userId);
  }

  /** The viewer's own view and their friends' (JSON kept between connects: ready-snapshot.ts). */
  #readySnapshot(viewerId: number): ReadySnapshot {
    const now = this.deps.now();
    const parts = this.#friends(viewerId, (subject, tier) => this.#friendJson.part(subject, tier, now));
    return new ReadySnapshot(this.viewOf(viewerId, 'self'), parts, isoUtc(now));
  }

  /** A socket ended. `immediate` (logout) skips the offline grace. */
  closeSocket(auth: AuthContext, connId: string, immediate: boolean): void {
    const login = this.#logins.get(auth.sessionId);
    if (login && --login.sockets === 0) this.#logins.delete(auth.sessionId);
    this.#input(auth.userId, { op: 'close', sessionId: this.#socketSession(auth, connId), immediate });
    const open = (this.#viewerSockets.get(auth.userId) ?? 0) - 1;
    if (open > 0) this.#viewerSockets.set(auth.userId, open);
    else if (this.#viewerSockets.delete(auth.userId)) {
      this.#interest.drop([auth.userId]);
      this.#interest.drop(this.graph.friendIds(auth.userId));
    }
  }

  /** Every authenticated API call counts as activity (an interaction). */
  async apiCall(auth: AuthContext): Promise<void> {
    await this.ensureLoaded([auth.userId]);
    this.#input(auth.userId, { op: 'interaction' });
  }

  /**
   * A poll of the friends' status: a login with no socket is a polling client, live for
   * BEACON_POLL_SESSION_TTL_MS after each poll. Other API calls do not make anyone online.
   * `reconnect` (`?reconnect=1`): the client polls by itself, its connection lost, so the poll
   * that opens the polling session is no interaction, as for a socket's `?reconnect=1`.
   */
  async polled(auth: AuthContext, reconnect = false): Promise<void> {
    await this.ensureLoaded([auth.userId]);
    // A login with a socket, here or on another instance, is not also a polling client.
    if (this.#logins.has(auth.sessionId)) return;
    const ids = this.engine.sessionIds(auth.userId);
    const tag = `~${loginTag(auth.sessionId)}`;
    if (ids.some((id) => id.endsWith(tag))) return;
    const sessionId = pollId(auth.sessionId);
    const live = ids.includes(sessionId);
    // `reconnect`: a client polling by itself after its connection was lost: no interaction (engine).
    this.#input(auth.userId, live ? { op: 'touch', sessionId } : { op: 'open', sessionId, kind: 'poll', ...(reconnect ? { reconnect } : {}) });
  }

  /**
   * Logout: the login's sockets (on every instance) and polling session end at once, without
   * grace, and so does a grace the close of its last socket began moments before.
   */
  revoked(userId: number, sessionId: string): void {
    if (this.engine.sessionIds(userId).includes(pollId(sessionId))) {
      this.#input(userId, { op: 'close', sessionId: pollId(sessionId), immediate: true });
    }
    // Every replica ends the login's sessions it still holds and a grace one of them began. Sent
    // whatever this replica knows: it may not have heard yet that the login's socket on another
    // instance closed (it holds the session, no grace), while that instance runs the grace. Such
    // a replica ends the session at the logout (its last_seen then; the close, arriving later,
    // finds nothing to close), as it would have applied the close a bus delay late anyway.
    void this.ensureLoaded([userId])
      .then(() => this.#input(userId, { op: 'logout', sessionSuffix: `~${loginTag(sessionId)}` }))
      .catch((err: unknown) => this.deps.log.error({ err, userId }, 'logout: the offline grace of its last socket was not ended; it runs out by itself'));
    this.#publish(userId, { kind: 'revoked', userId, sessionId });
  }

  interaction(userId: number): void {
    this.#input(userId, { op: 'interaction' });
  }

  // ---- status (validated and turned into inputs by StatusCommands) ----------------

  setStatus(userId: number, body: SetStatusBody): Promise<View> {
    return this.#commands.setStatus(userId, body);
  }

  setActivity(userId: number, activity: Activity, rawDetails?: object): Promise<View> {
    return this.#commands.setActivity(userId, activity, rawDetails);
  }

  getSchedule(userId: number): Promise<ScheduleBody> {
    return this.#commands.getSchedule(userId);
  }

  setSchedule(userId: number, body: ScheduleBody): Promise<ScheduleBody> {
    return this.#commands.setSchedule(userId, body);
  }

  /** `version`: what the write that stored `busy` answered (calendar-repository.ts). */
  setCalendar(userId: number, busy: CalendarBusy[], version: number): Promise<void> {
    return this.#commands.setCalendar(userId, busy, version);
  }

  getSettings(userId: number): Promise<Settings> {
    return this.#commands.getSettings(userId);
  }

  updateSettings(userId: number, patch: Partial<Settings>): Promise<Settings> {
    return this.#commands.updateSettings(userId, patch);
  }

  /** Stops appearing offline, back to the audience in force before (StatusCommands.unhide). */
  unhide(userId: number): Promise<Settings> {
    return this.#commands.unhide(userId);
  }

  gameEvent(body: GameEventBody): Promise<number[]> {
    return this.#commands.gameEvent(body);
  }

  // ---- views ---------------------------------------------------------------------

  /** The view of `userId` for a viewer of `tier`. The user must be loaded. */
  viewOf(userId: number, tier: ViewerTier): View {
    return view(this.#subject(userId), tier, this.deps.now());
  }

  /** Friends' views for a viewer, sorted as the contract says. */
  async friendsStatus(viewer: AuthContext, onlineOnly: boolean): Promise<View[]> {
    await this.#loadFriends(viewer, false);
    const views = this.#friendViews(viewer.userId);
    return onlineOnly ? views.filter((v) => v.status !== 'offline') : views;
  }

  /** One user's view as the caller may see it; 404 when there is no such user. */
  async userStatus(viewer: AuthContext, subjectId: number): Promise<View> {
    await this.ensureLoaded([subjectId]);
    if (!this.#profiles.has(subjectId)) throw new AppError('NOT_FOUND', 'No such user');
    const category = subjectId === viewer.userId ? null : await this.deps.friendRepo.categoryGiven(subjectId, viewer.userId);
    return this.viewOf(subjectId, tierOf({ id: viewer.userId, role: viewer.role }, subjectId, category));
  }

  // ---- graph ---------------------------------------------------------------------

  /** Friend requests, befriending, unfriending and category changes reach both sides, on every instance. */
  graphChanged(e: GraphEvent): void {
    // Lost for the other instances while the bus is down: remembered for when it returns.
    this.#catchUp.graphChanged(e);
    if (e.kind === 'request_sent') {
      this.#publishRequestFrame({ kind: 'request_received', viewerId: e.request.to_user_id, request: e.request });
      // The sender's devices (every one: the REST call names no socket) list it as outgoing.
      this.#publishRequestFrame({ kind: 'request_sent', viewerId: e.request.from_user_id, request: e.request });
      return;
    }
    if (e.kind === 'request_closed') {
      for (const viewerId of [e.request.from_user_id, e.request.to_user_id]) {
        this.#publishRequestFrame({ kind: 'request_closed', viewerId, requestId: e.request.id, reason: e.reason });
      }
      return;
    }
    if (e.kind === 'category_changed') {
      this.#publish(e.friendId, { kind: 'category_changed', viewerId: e.friendId, subjectId: e.userId, category: e.category });
      // The user's other devices list the category they give: each is told, on every instance.
      if (e.friend) {
        this.#publish(e.userId, { kind: 'friend_updated', viewerId: e.userId, friend: e.friend });
      }
      return;
    }
    for (const [viewerId, subjectId] of [
      [e.a, e.b],
      [e.b, e.a],
    ] as const) {
      this.#publish(
        viewerId,
        e.kind === 'unfriended' ? { kind: 'friend_removed', viewerId, subjectId } : { kind: 'friend_added', viewerId, subjectId, category: 'friend' },
      );
    }
  }

  // ---- internals -----------------------------------------------------------------

  /**
   * These users' names changed where names come from (a host's profiles port, or the shadow
   * row the service API and host tokens describe): every instance holding one of them re-reads
   * the name, and friends and the user's own sockets see it live, as a view change.
   */
  renamed(userIds: readonly number[]): void {
    for (const userId of userIds) this.#publish(userId, { kind: 'renamed', userId });
  }

  /** A user's name as read now from where names come from (Beacon's users, a host's profiles port or shadow rows). */
  async nameOf(userId: number): Promise<{ username: string; displayName: string } | undefined> {
    return (await this.deps.repo.namesOf([userId])).get(userId);
  }

  /** Re-reads a loaded user's name; renames of one user are read one after another, so the last one wins. */
  #reread(userId: number): void {
    const previous = this.#renaming.get(userId) ?? Promise.resolve();
    const next = previous
      .then(async () => {
        const name = (await this.deps.repo.namesOf([userId])).get(userId);
        const profile = this.#profiles.get(userId);
        if (!name || !profile || (profile.username === name.username && profile.displayName === name.displayName)) return;
        const before = this.#subject(userId);
        profile.username = name.username;
        profile.displayName = name.displayName;
        this.#publishViews(userId, before, this.#subject(userId), { renamed: true });
      })
      .catch((err: unknown) => this.deps.log.error({ err, userId }, 'renamed user’s name not re-read; friends see the old name until it is loaded again'))
      .finally(() => {
        if (this.#renaming.get(userId) === next) this.#renaming.delete(userId);
      });
    this.#renaming.set(userId, next);
  }

  /**
   * A socket's session id: `<instance>/<connection>~<login tag>`. The tag (a hash of the login
   * session) lets any instance tell that a login already has a socket somewhere, so a REST read
   * that reaches another instance (no sticky sessions) is not taken for a polling client.
   */
  #socketSession(auth: AuthContext, connId: string): string {
    return `${this.instanceId}/${connId}~${loginTag(auth.sessionId)}`;
  }

  #publish(userId: number, event: BusEvent): void {
    this.deps.bus.publish(userTopic(userId), event);
  }

  /** A friend-request frame for the viewer's sockets on every instance; held while the bus is down, for the others (outage-catch-up.ts). */
  #publishRequestFrame(frame: RequestFrame): void {
    this.#publish(frame.viewerId, frame);
    this.#catchUp.requestFrame(frame);
  }

  /**
   * Applies an input to this instance's replica now, then shares it: saved to the shared
   * store first and only then published to the other instances, so an instance that
   * starts watching the user in between finds it in the store.
   */
  #input(userId: number, given: PresenceInput): void {
    // Settings carry when they were applied first: every instance dates an unhiding alike.
    // So do a close and a logout: every instance dates the user's leave alike, however late it hears of it.
    const input = (given.op === 'settings' || given.op === 'close' || given.op === 'logout') && given.at === undefined ? { ...given, at: this.deps.now() } : given;
    // Read before the input applies: whether it makes the user leave here (field-versions.ts `left`).
    const leaves = this.#replicas.leaves(userId, input);
    this.#replicas.whenLoaded(userId, () => this.#apply(userId, input, true));
    this.#replicas.share(userId, input, leaves);
  }

  #onBus(message: BusMessage): void {
    if (!isBusEvent(message)) return;
    switch (message.kind) {
      case 'input':
        return this.#replicas.whenLoaded(message.userId, () => {
          const input = this.#replicas.received(message.userId, message.input, message.version);
          if (input) this.#apply(message.userId, input);
        });
      case 'request_received':
      case 'request_sent':
      case 'request_closed':
        // Each once: after an outage another instance may send one again (outage-catch-up.ts).
        if (this.#catchUp.deliverRequestFrame(message)) this.#sink(message);
        return;
      case 'revoked':
      case 'friend_updated':
      case 'game_invite':
      case 'game_invite_accepted':
      case 'notification':
        return this.#sink(message);
      case 'reload':
        void this.#replicas.reload(message.userId);
        return;
      case 'friends_changed':
        if (this.graph.has(message.viewerId)) {
          void this.#graphViews.refresh(message.viewerId).catch((err: unknown) => this.deps.log.error({ err }, 'friend list not re-read; a later change or reconnect corrects it'));
        }
        return;
      case 'renamed':
        return this.#replicas.whenLoaded(message.userId, () => this.#reread(message.userId));
      case 'friend_removed':
      case 'friend_added':
      case 'category_changed': {
        const category = message.kind === 'friend_removed' ? null : message.category;
        void this.#graphViews
          .apply(message.viewerId, message.subjectId, category)
          .catch((err: unknown) => this.deps.log.error({ err }, 'graph change not delivered'));
        // Changes of one pair made at once on two instances may arrive here in either order.
        if (message.kind === 'category_changed') {
          void this.#graphViews
            .recheck(message.viewerId, message.subjectId)
            .catch((err: unknown) => this.deps.log.error({ err }, 'friend category not re-read; a later change corrects it'));
        }
      }
    }
  }

  /** Applies one input to this instance's replica of the user. */
  #apply(userId: number, input: PresenceInput, origin = false): void {
    if (input.op !== 'settings') {
      // Each replica probed the user's sockets it holds; an input that answers it tells them.
      const probing = this.engine.probing(userId);
      this.#maybe(applyInput(this.engine, userId, input), origin);
      if (probing && !this.engine.probing(userId)) this.#sink({ kind: 'probe_answered', userId });
      return;
    }
    const profile = this.#profiles.get(userId);
    if (!profile) return;
    // Saves reach instances in any order: only a newer version of the settings is taken.
    if (input.version !== undefined) {
      if (input.version <= profile.settingsVersion) return;
      profile.settingsVersion = input.version;
    }
    const before = this.#subject(userId);
    const unhiding = profile.settings.status_visibility === 'hidden' && input.settings.status_visibility !== 'hidden';
    const shown = profile.hiddenLastSeen;
    profile.settings = sharedSettings(input.settings);
    profile.hiddenLastSeen = input.hiddenLastSeen;
    // Unhiding never reveals what happened while hidden: with no session the user stays as she
    // looked (offline, the last_seen she showed), and what she does shows only from now on.
    const change = unhiding ? this.engine.unhide(userId, shown, input.at ?? this.deps.now()) : null;
    if (change) this.#writer.markDirty(userId);
    const after = this.#subject(userId);
    this.#recordHistory(userId, before, after);
    this.#publishViews(userId, before, after, { origin });
    // Every instance with a socket of the user holds the replica, so each tells its own.
    this.#sink({ kind: 'settings', userId, settings: input.settings });
  }

  #friendViews(viewerId: number): View[] {
    const now = this.deps.now();
    return sortViewsInPlace(this.#friends(viewerId, (subject, tier) => view(subject, tier, now)));
  }

  /** `make(friend, the viewer's tier towards them)` for each of the viewer's friends loaded here. */
  #friends<T>(viewerId: number, make: (subject: Subject, tier: ViewerTier) => T): T[] {
    const out: T[] = [];
    for (const id of this.graph.friendIds(viewerId)) {
      if (this.#profiles.has(id)) out.push(make(this.#subject(id), this.graph.tier(viewerId, id)));
    }
    return out;
  }

  #profile(userId: number): Profile {
    const p = this.#profiles.get(userId);
    if (!p) throw new AppError('NOT_FOUND', 'No such user');
    return p;
  }

  #subject(userId: number, presence = this.engine.get(userId)): Subject {
    const p = this.#profile(userId);
    return { id: p.id, username: p.username, displayName: p.displayName, presence, settings: p.settings, hiddenLastSeen: p.hiddenLastSeen };
  }

  #maybe(change: PresenceChange | null, origin: boolean): void {
    if (change) this.#changed(change, origin);
  }

  /** `origin`: this instance applied the input first (or its clock caused the change). */
  #changed(change: PresenceChange, origin = false): void {
    // One writer per user: only the instance the rule names writes the row and the history.
    this.#writer.markDirty(change.userId);
    if (!this.#profiles.has(change.userId)) return;
    const before = this.#subject(change.userId, change.before);
    const after = this.#subject(change.userId, change.after);
    this.#recordHistory(change.userId, before, after);
    this.#publishViews(change.userId, before, after, { origin });
  }

  /**
   * Status history records what the user's status audience saw (historyStatus): hiding writes
   * `offline`, nothing is written while hidden, unhiding writes what shows then. So a pattern,
   * or the user's own history and export, never holds what the user did while hidden.
   */
  #recordHistory(userId: number, before: Subject, after: Subject): void {
    if (!this.#replicas.isWriter(userId)) return;
    const now = this.deps.now();
    const shown = historyStatus(after, now);
    if (historyStatus(before, now) !== shown) this.deps.history.record(userId, shown);
  }

  /**
   * Hands the gateway the views of the tiers that changed, each computed once. `beforeMs`
   * (default now) is when `before` was seen: the day roll-over compares one subject across
   * midnight. `origin`: this instance applied the input first. `renamed`: the user's names
   * changed: the frames carry them, to the tiers that see the user present (and the user);
   * the others get them with their next frame (OwedNames).
   */
  #publishViews(userId: number, before: Subject, after: Subject, o: { beforeMs?: number; origin?: boolean; renamed?: boolean } = {}): void {
    const { changed, named } = this.#names.select(userId, changedViews(before, after, this.deps.now(), o.beforeMs), o.renamed === true);
    if (changed.length === 0) return;
    const views: Partial<Record<ViewerTier, View>> = {};
    for (const c of changed) views[c.tier] = c.after;
    this.#sink(named !== 0 ? { kind: 'presence', userId, views, named } : { kind: 'presence', userId, views });
    if (o.origin && this.#appeared && after.presence.status !== 'offline') this.#reportAppeared(userId, changed);
  }

  /** The tiers that saw the user offline before and present now, with what they see now. */
  #reportAppeared(userId: number, changed: readonly ChangedView[]): void {
    const appeared: Partial<Record<ViewerTier, View>> = {};
    let any = false;
    for (const { tier, before, after } of changed) {
      if (after.status === 'offline' || before.status !== 'offline') continue;
      appeared[tier] = after;
      any = true;
    }
    if (any) this.#appeared?.(userId, appeared);
  }

  #row(userId: number) {
    if (!this.engine.known(userId)) return null;
    const state = this.engine.get(userId);
    return { userId, status: state.status, activity: state.activity, persisted: this.engine.snapshotForPersistence(userId) };
  }
}

const pollId = (sessionId: string) => `poll:${sessionId}`;

/** A short hash of a login session id (FNV-1a, 32 bits, base 36): which socket sessions are whose. */
function loginTag(sessionId: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < sessionId.length; i++) h = Math.imul(h ^ sessionId.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(36);
}
