/**
 * The presence service: where sockets, API calls, game events and graph changes meet the
 * pure core. Every presence input is published on the EventBus under the user's topic and
 * applied when it comes back — on this instance at once, on every other instance that
 * watches the user moments later — so one code path serves one instance and many. Changes
 * leave as views made by `view()` (the one privacy function) to this instance's gateway.
 *
 * This class wires the parts and applies inputs; the parts live beside it: login-sessions.ts
 * (a login's socket and polling sessions), presence-views.ts (views, and the frames that leave
 * when they change), bus-messages.ts (graph events sent, messages on users' topics handled),
 * replicas.ts (loading and sharing replicas), replica-lifecycle.ts (when they are taken up and
 * let go), status-reads.ts (the REST and polling reads), presence-stop.ts (a stop's drain),
 * status-commands.ts, renames.ts, restart-grace.ts, outage-catch-up.ts, ended-logins.ts.
 */
import { sameView, type Activity, type NotificationPayload, type GameEventBody, type Role, type ScheduleBody, type Settings, type SetStatusBody, type View } from '../../protocol/index.js';
import type { AuthContext } from '../auth/auth-service.js';
import { AppError } from '../errors.js';
import type { GraphEvent } from '../friends/friends-service.js';
import { PresenceEngine } from '../presence/presence-engine.js';
import type { PresenceChange, ViewerTier } from '../presence/types.js';
import { evaluateSchedule, type CalendarBusy } from '../presence/schedule.js';
import { applyInput } from './apply-input.js';
import { BusMessages, REVOCATIONS_TOPIC } from './bus-messages.js';
import { FriendGraph } from './friend-graph.js';
import { GraphViews } from './graph-views.js';
import { Interest } from './interest.js';
import { LoginSessions } from './login-sessions.js';
import type { PresenceDeps } from './presence-deps.js';
import { gameEnded, type PresenceEvent, type PresenceInput } from './presence-events.js';
import { sharedSettings, type Profile } from './presence-repository.js';
import { PresenceViews } from './presence-views.js';
import { PresenceWriter, type WriterHealth } from './presence-writer.js';
import { Renames } from './renames.js';
import { afterLastRun } from './restart-grace.js';
import { Saturation } from './saturation.js';
import { ReplicaLifecycle } from './replica-lifecycle.js';
import { Replicas } from './replicas.js';
import type { ReplicaSync } from './resync-retry.js';
import type { ReadySnapshot } from './ready-snapshot.js';
import { StatusCommands, type Declarer, type SavedSchedule, type VersionedSchedule } from './status-commands.js';
import { OwedNames } from './owed-names.js';
import { OutageCatchUp } from './outage-catch-up.js';
import { RepeatedStates } from './repeated-states.js';
import { EndedLogins } from './ended-logins.js';
import { StaleFriendLists } from './stale-friend-lists.js';
import type { SecretAgreementState } from './secret-agreement.js';
import { StopLogouts } from './stop-logouts.js';
import { StatusReads } from './status-reads.js';
import { drain } from './presence-stop.js';
import { settingNameOr } from '../config-options.js';

export type { PresenceDeps } from './presence-deps.js';
export { IncompleteStop } from './presence-stop.js';

const TICK_MS = 250;
/** How often replicas nobody needs any more are looked for. */
const RELEASE_EVERY_MS = 1000;
/** How long an answer waits at most for its request's changes to reach the other instances (PresenceService.shared). */
export const SHARE_WAIT_MS = 2000;

/**
 * The commands whose only save is the write-behind's row: one applied after the stop began may
 * come after its last write and be lost while the stop is recorded clean (the next start resumes
 * the user as the row has them). Schedules, settings and calendars are saved before they apply.
 */
const SAVED_BY_THE_ROW_ONLY: ReadonlySet<PresenceInput['op']> = new Set(['status', 'activity', 'game']);

export class PresenceService {
  readonly engine: PresenceEngine;
  readonly graph: FriendGraph;
  readonly instanceId: string;
  readonly #profiles = new Map<number, Profile>();
  /** After a rename: which tiers' frames carry the names (owed-names.ts). */
  readonly #names = new OwedNames();
  readonly #writer: PresenceWriter;
  readonly #replicas: Replicas;
  readonly #graphViews: GraphViews;
  /** Which replicas local viewers need (replica lifecycle). */
  readonly #interest: Interest;
  #lastRelease = -Infinity;
  #sink: (e: PresenceEvent) => void = () => {};
  #ticker: NodeJS.Timeout | null = null;
  /** Set as the stop begins: commands saved by the row only are refused from then on (#command). */
  #stopping = false;
  /** One instance: logouts during the stop, written at once and left out of its record (stop-logouts.ts). */
  readonly #stopLogouts: StopLogouts;
  readonly #saturation: Pick<Saturation, 'saturated' | 'stop'> | null;
  readonly #commands: StatusCommands;
  /** What this instance owes the others, and reads again, after a bus outage. */
  readonly #catchUp: OutageCatchUp;
  /** Logins here ended through another instance or process, read from the database while the bus cannot say, or every 30 s alone (ended-logins.ts). */
  readonly #ended: EndedLogins;
  /** After a bus outage, what other instances say waits until the friend lists here are re-read. */
  readonly #lists: StaleFriendLists;
  /** Views of the users replicated here, and the frames that leave when they change. */
  readonly #views: PresenceViews;
  /** Socket and polling sessions per login (login-sessions.ts). */
  readonly #sessions: LoginSessions;
  readonly #renames: Renames;
  /** Which replicas this instance holds, and when they go (replica-lifecycle.ts). */
  readonly #lifecycle: ReplicaLifecycle;
  /** Graph events published, and messages on users' topics handled (bus-messages.ts). */
  readonly #messages: BusMessages;
  /** The friends' and one user's status as the REST API and polling clients read them (status-reads.ts). */
  readonly #reads: StatusReads;

  constructor(private readonly deps: PresenceDeps) {
    const { config, now, bus } = deps;
    this.instanceId = bus.instanceId;
    this.#saturation = config.graceStretch > 1 ? (deps.saturation ?? new Saturation()) : null;
    const saturation = this.#saturation;
    // Any instance saturated stretches the grace here too (Replicas.othersSaturated): replicas agree.
    this.engine = new PresenceEngine(
      { now, monotonic: deps.monotonic ?? now },
      config,
      () => (saturation?.saturated ?? false) || this.#replicas.othersSaturated,
      // During a bus outage a replica of a user with no socket here cannot hear them interact.
      (userId) => deps.store.shared && !bus.isHealthy() && !this.#replicas.holdsSocket(userId),
    );
    this.graph = new FriendGraph(deps.friendRepo, now);
    this.#interest = new Interest(config.replicaLingerMs, now);
    this.#replicas = new Replicas(deps, this.engine, {
      profiles: this.#profiles,
      changed: (c) => this.#changed(c),
      saturated: () => saturation?.saturated ?? false,
      friendListsRead: () => this.#lists.whenRead(),
      // As the game's `_ended` naming the user alone would (StatusCommands.leaveServerGames).
      startedBeforeSignOut: (userId, start) => this.#input(userId, gameEnded(start.matchId, start.kind)),
    });
    this.#writer = new PresenceWriter(deps.repo, (id) => this.#row(id), {
      intervalMs: config.persistIntervalMs,
      now,
      log: deps.log,
      metrics: deps.metrics,
      isWriter: (id) => this.#replicas.isWriter(id),
    });
    this.#stopLogouts = new StopLogouts({
      repo: deps.repo,
      log: deps.log,
      presentNow: () => new Set(this.engine.presentAt(now()).map((p) => p.userId)),
      writeRow: (userId) => this.#writer.writeNow(userId),
    });
    deps.metrics?.watchReplicas(() => this.#profiles.size);
    const { engine, graph } = this;
    this.#lifecycle = new ReplicaLifecycle({
      engine,
      graph,
      interest: this.#interest,
      replicas: this.#replicas,
      writer: this.#writer,
      names: this.#names,
      history: deps.history,
      profiles: this.#profiles,
    });
    this.#views = new PresenceViews({
      engine: this.engine,
      graph: this.graph,
      profiles: this.#profiles,
      names: this.#names,
      now,
      history: deps.history,
      isWriter: (id) => this.#replicas.isWriter(id),
      sink: (e) => this.#sink(e),
    });
    this.#reads = new StatusReads({ deps, engine, profiles: this.#profiles, lifecycle: this.#lifecycle, views: this.#views });
    this.#renames = new Renames({ repo: deps.repo, log: deps.log, profiles: this.#profiles, views: this.#views });
    this.#sessions = new LoginSessions({
      instanceId: this.instanceId,
      engine: this.engine,
      graph: this.graph,
      interest: this.#interest,
      log: deps.log,
      ensureLoaded: (ids) => this.ensureLoaded(ids),
      input: (userId, input) => this.#input(userId, input),
      publishRevoked: (userId, sessionId) => this.#messages.revoked(userId, sessionId),
    });
    this.#graphViews = new GraphViews({
      graph: this.graph,
      friendRepo: deps.friendRepo,
      viewOf: (id, tier) => this.viewOf(id, tier),
      ensureLoaded: (ids) => this.ensureLoaded(ids),
      loaded: (id) => this.#profiles.has(id),
      // A viewer moved between tiers may have been in one that is still owed a rename's names.
      sink: (e) => this.#sink(e.kind === 'view_changed' && this.#names.owes(e.subjectId) ? { ...e, named: true } : e),
      friendship: (viewerId, subjectId, friends) => this.#sessions.friendship(viewerId, subjectId, friends),
    });
    // A list read again by age (FriendGraph, maxAgeMs): what differs is published as an announced change would be.
    const notReread = `friend list not read again by age: the list held is used, and read again after ${settingNameOr(deps.settingName)('BEACON_FRIEND_LIST_TTL_MS')}`;
    this.graph.rereadWith((viewerId) =>
      this.#graphViews.refresh(viewerId).then(
        () => true,
        (err: unknown) => {
          deps.log.warn({ err, viewerId }, notReread);
          return false;
        },
      ),
    );
    this.#commands = new StatusCommands({
      engine: this.engine,
      now,
      repo: deps.repo,
      users: deps.users,
      ensureLoaded: (ids) => this.ensureLoaded(ids),
      input: (userId, input) => this.#command(userId, input),
      profile: (userId) => this.#views.profile(userId),
      loaded: (userId) => this.#profiles.has(userId),
      viewOf: (userId, tier) => this.viewOf(userId, tier),
      holders: (userId, by) => this.#sessions.holdersOf(userId, by),
      signedOut: (userId) => this.#replicas.signedOut(userId),
    });
    bus.subscribe(REVOCATIONS_TOPIC);
    bus.onMessage((_topic, message, origin) => this.#messages.received(message, origin));
    this.#lists = new StaleFriendLists({
      bus,
      log: deps.log,
      // Every list cached here, not only those of users with a socket: a polling user's, or one
      // kept a while after its socket closed, is read by GET friends/status just the same.
      viewers: () => this.graph.viewerIds(),
      refresh: (viewerId) => this.#graphViews.refresh(viewerId),
    });
    this.#ended = new EndedLogins({
      bus,
      shared: deps.store.shared,
      now,
      sessions: deps.sessions,
      users: deps.users,
      logins: () => this.#sessions.logins,
      sink: (e) => this.#sink(e),
      forgetDeleted: (userId) => void this.#forgetHere(userId),
      log: deps.log,
    });
    const repeats = new RepeatedStates({ blocksHeld: deps.blocksHeld, categoriesHeld: deps.categoriesHeld, log: deps.log, sink: (e) => this.#sink(e) });
    this.#catchUp = new OutageCatchUp({
      bus,
      shared: deps.store.shared,
      now,
      recheckLogins: () => this.#ended.recheck(),
      log: deps.log,
      categoriesSetSince: deps.categoriesSetSince,
      pendingRequests: deps.pendingRequests,
      blocksHeld: deps.blocksHeld,
      logins: () => this.#sessions.logins,
      lists: this.#lists,
      sink: (e) => this.#sink(e),
      repeats,
    });
    this.#messages = new BusMessages({
      bus,
      log: deps.log,
      graph: this.graph,
      graphViews: this.#graphViews,
      catchUp: this.#catchUp,
      lists: this.#lists,
      replicas: this.#replicas,
      apply: (userId, input) => this.#apply(userId, input),
      renames: this.#renames,
      forgetDeleted: (userId) => void this.#forgetHere(userId),
      sink: (e) => this.#sink(e),
      repeats,
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
    this.#views.onAppeared(listener);
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
    this.#messages.publish(viewerId, { kind: 'notification', viewerId, payload });
  }

  /**
   * One instance: users the last run left online keep the offline grace of the stop after a
   * clean restart within it, else (a crash, or a restart slower than the grace) they are
   * written offline. Then starts the clock and the write-behind.
   */
  async start(): Promise<void> {
    if (!this.deps.store.shared) {
      const { repo, log, now } = this.deps;
      await afterLastRun({ repo, log, now, engine: this.engine, ensureLoaded: (ids) => this.ensureLoaded(ids), markDirty: (id) => this.#writer.markDirty(id), stopBoundMs: this.deps.config.shutdownTimeoutMs });
    }
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
  async shared(userId?: number, capMs = SHARE_WAIT_MS): Promise<void> {
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
   * Stops timers and writes everything. From its start, a status, activity or game command is
   * refused (SERVICE_UNAVAILABLE): applied after the last write, it was lost while the stop was
   * recorded clean, and the next start resumed the user as before it. With one instance, the stop records who was present
   * (a live session or a running grace) and their grace: a restart within it resumes them
   * (restart-grace.ts); a logout during the stop is written at once and takes the user out of the
   * record (stop-logouts.ts), so the next start shows her offline, last seen at the logout. A stop whose last write failed records nothing (the next start treats it
   * as a crash); one whose last write could not reach the database rejects, with one instance and
   * several alike: with several, what was not written lives in the shared store only, and no
   * other instance writes it for this one (it reaches the row with a later change written
   * there). With several, the database is written first, then what the
   * shared store has not taken is saved again until the drain's bound nears (STOP_RESERVE_MS);
   * a change it still lacks then also rejects the stop: the others take it from the row only
   * when they load the user or end this instance's sessions (Replicas.stop).
   */
  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#ticker) clearInterval(this.#ticker);
    this.#ticker = null;
    this.graph.stop();
    this.#saturation?.stop();
    this.#lists.stop();
    await drain({
      deps: this.deps,
      engine: this.engine,
      writer: this.#writer,
      replicas: this.#replicas,
      stopLogouts: this.#stopLogouts,
    });
  }

  /** Advances the core to now: grace expiry, idle probes, poll TTLs, message expiry; logins ended elsewhere (during a bus outage, or alone: ended-logins.ts). */
  tick(): void {
    const result = this.engine.tick();
    for (const change of result.changes) this.#changed(change, true);
    for (const userId of result.probes) this.#sink({ kind: 'probe', userId });
    this.#ended.tick();
    this.#views.rollOverDay();
    this.graph.rereadStale();
    const now = this.deps.now();
    if (now - this.#lastRelease >= RELEASE_EVERY_MS) {
      this.#lastRelease = now;
      this.releaseIdle();
    }
  }

  // ---- replica lifecycle -----------------------------------------------------------

  /**
   * The user was deleted (after their sessions were revoked): this instance drops what it holds
   * of them at once (replica-lifecycle.ts), and so does every other instance that holds them, told
   * on the user's topic after the revocations (which close their sockets there first).
   */
  async forgetDeleted(userId: number): Promise<void> {
    const dropped = this.#forgetHere(userId);
    this.#messages.deleted(userId);
    await dropped;
  }

  /**
   * What this instance does for a deleted user: every viewer cached here still listing them is
   * told `friend_removed` (with a host's social graph, Beacon holds no friendship rows whose
   * deletion would say so; once per viewer: a removal the friendship rows announced already is
   * not repeated), then everything held of them goes.
   */
  #forgetHere(userId: number): Promise<void> {
    for (const viewerId of this.graph.holders(userId)) void this.#graphViews.apply(viewerId, userId, null);
    return this.#lifecycle.forgetDeleted(userId);
  }

  /** Releases every replica no local viewer has needed for the linger time (see interest.ts). */
  releaseIdle(): void {
    this.#lifecycle.releaseIdle();
  }

  /**
   * The status the user shows, as `beacon_online_users` counts it: appearing offline
   * (status_visibility hidden) is `offline`, whatever the engine's status. The user must be loaded.
   */
  shownStatus(userId: number): string {
    return this.#profiles.get(userId)?.settings.status_visibility === 'hidden' ? 'offline' : this.engine.get(userId).status;
  }

  /** Users replicated here (tests, metrics). */
  get replicaCount(): number {
    return this.#profiles.size;
  }

  /** Whether this instance holds a replica of the user (tests). */
  replicates(userId: number): boolean {
    return this.#profiles.has(userId);
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

  /** Whether the instances sharing the presence store agree with this one on the secrets (for /readyz). */
  secretAgreement(): SecretAgreementState {
    return this.#replicas.secretAgreement();
  }

  /** Loads these users' replicas unless held already; what is read stays at least the linger time. */
  ensureLoaded(ids: readonly number[]): Promise<void> {
    return this.#lifecycle.ensureLoaded(ids);
  }

  /** Loads a viewer, their friend graph and their friends; call before `openSocket`. */
  async prepareViewer(auth: AuthContext): Promise<void> {
    await this.#lifecycle.loadFriends(auth, true);
  }

  // ---- sessions (per login: login-sessions.ts) ------------------------------------

  /**
   * Opens a socket session (synchronously, after prepareViewer) and returns the `ready` snapshot.
   * `reconnect`: the client says it reconnected by itself, which is no interaction (engine).
   */
  openSocket(auth: AuthContext, connId: string, reconnect = false): ReadySnapshot {
    this.#sessions.openSocket(auth, connId, reconnect);
    return this.#views.readySnapshot(auth.userId);
  }

  /** A socket ended (`at`: when, if earlier than now). `immediate` (logout) skips the offline grace. */
  closeSocket(auth: AuthContext, connId: string, immediate: boolean, at?: number): void {
    this.#sessions.closeSocket(auth, connId, immediate, at);
  }

  /** Every authenticated API call counts as activity (an interaction). */
  async apiCall(auth: AuthContext): Promise<void> {
    await this.ensureLoaded([auth.userId]);
    this.#input(auth.userId, { op: 'interaction' });
  }

  /**
   * A poll of the friends' status: a login with no socket is a polling client, live for
   * BEACON_POLL_SESSION_TTL_MS after each poll. A read, so never an interaction (LoginSessions.polled).
   */
  polled(auth: AuthContext): Promise<void> {
    return this.#sessions.polled(auth);
  }

  /** Logout: the login's sockets (on every instance) and polling session end at once, without grace. */
  revoked(userId: number, sessionId: string): void {
    this.#sessions.revoked(userId, sessionId);
  }

  interaction(userId: number): void {
    this.#input(userId, { op: 'interaction' });
  }

  // ---- status (validated and turned into inputs by StatusCommands) ----------------

  setStatus(userId: number, body: SetStatusBody, messageField?: string): Promise<View> {
    return this.#commands.setStatus(userId, body, messageField);
  }

  /** `by`: the login and socket declaring it; a client game lasts while one of their sessions is live. */
  setActivity(userId: number, activity: Activity, rawDetails?: object, by?: Declarer): Promise<View> {
    return this.#commands.setActivity(userId, activity, rawDetails, by);
  }

  getSchedule(userId: number): Promise<ScheduleBody> {
    return this.#commands.getSchedule(userId);
  }

  /** The schedule as the database holds it, with its version (the ETag of GET /users/me/status/schedule). */
  readSchedule(userId: number): Promise<VersionedSchedule> {
    return this.#commands.readSchedule(userId);
  }

  /** `ifVersion`: the versions an `If-Match` accepts (PRECONDITION_FAILED, nothing saved, when the stored one is none of them). */
  setSchedule(userId: number, body: ScheduleBody, ifVersion?: readonly number[]): Promise<SavedSchedule> {
    return this.#commands.setSchedule(userId, body, ifVersion);
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

  /** A sign-out: the user leaves every server game they are in (StatusCommands.leaveServerGames). */
  leaveServerGames(userId: number): Promise<void> {
    return this.#commands.leaveServerGames(userId);
  }

  // ---- views ---------------------------------------------------------------------

  /** The view of `userId` for a viewer of `tier`. The user must be loaded. */
  viewOf(userId: number, tier: ViewerTier): View {
    return this.#views.viewOf(userId, tier);
  }

  /**
   * The role the viewer's sockets here share changed (the gateway): each friend whose view
   * differs between the role it had and the one it has now goes to those sockets as a change
   * (`view_changed`), or they would keep showing what they saw under the old role.
   */
  setSocketsRole(viewerId: number, role: Role): void {
    const was = this.graph.setRole(viewerId, role);
    if (was === null) return;
    for (const subjectId of this.graph.friendIds(viewerId)) {
      if (!this.#profiles.has(subjectId)) continue;
      const before = this.viewOf(subjectId, this.graph.tierAs({ id: viewerId, role: was }, subjectId));
      const after = this.viewOf(subjectId, this.graph.tier(viewerId, subjectId));
      if (!sameView(before, after)) this.#sink({ kind: 'view_changed', viewerId, subjectId, view: after });
    }
  }

  /** Friends' views for a viewer, sorted as the contract says (status-reads.ts). */
  friendsStatus(viewer: AuthContext, onlineOnly: boolean): Promise<View[]> {
    return this.#reads.friendsStatus(viewer, onlineOnly);
  }

  /** One user's view as the caller may see it (status-reads.ts). */
  userStatus(viewer: AuthContext, subjectId: number): Promise<View> {
    return this.#reads.userStatus(viewer, subjectId);
  }

  // ---- graph ---------------------------------------------------------------------

  /** Friend requests, befriending, unfriending and category changes reach both sides, on every instance. */
  graphChanged(e: GraphEvent): void {
    this.#messages.graphChanged(e);
  }

  // ---- internals -----------------------------------------------------------------

  /**
   * These users' names changed where names come from (a host's profiles port, or the shadow
   * row the service API and host tokens describe): every instance holding one of them re-reads
   * the name, and friends and the user's own sockets see it live, as a view change.
   */
  renamed(userIds: readonly number[]): void {
    for (const userId of userIds) this.#messages.publish(userId, { kind: 'renamed', userId });
  }

  /** A user's name as read now from where names come from (Beacon's users, a host's profiles port or shadow rows). */
  async nameOf(userId: number): Promise<{ username: string; displayName: string } | undefined> {
    return (await this.deps.repo.namesOf([userId])).get(userId);
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
    // One instance, stopping: a logout's row is written now, not left to a last write that may be over.
    if (this.#stopping && !this.deps.store.shared && (input.op === 'logout' || (input.op === 'close' && input.immediate))) {
      this.#replicas.whenLoaded(userId, () => this.#stopLogouts.loggedOut(userId));
    }
    this.#replicas.share(userId, input, leaves);
  }

  /** A status command's input; once the stop began, one only the row would save is refused, not applied (SAVED_BY_THE_ROW_ONLY). */
  #command(userId: number, input: PresenceInput): void {
    if (this.#stopping && SAVED_BY_THE_ROW_ONLY.has(input.op)) {
      throw new AppError('SERVICE_UNAVAILABLE', 'The server is shutting down: the change was not applied; send it again once reconnected');
    }
    this.#input(userId, input);
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
    const before = this.#views.subject(userId);
    const unhiding = profile.settings.status_visibility === 'hidden' && input.settings.status_visibility !== 'hidden';
    const shown = profile.hiddenLastSeen;
    profile.settings = sharedSettings(input.settings);
    profile.hiddenLastSeen = input.hiddenLastSeen;
    profile.visibilityBeforeHidden = input.visibilityBeforeHidden ?? null;
    // Unhiding never reveals what happened while hidden: with no session the user stays as she
    // looked (offline, the last_seen she showed), and what she does shows only from now on.
    const change = unhiding ? this.engine.unhide(userId, shown, input.at ?? this.deps.now()) : null;
    if (change) this.#writer.markDirty(userId);
    const after = this.#views.subject(userId);
    this.#views.recordHistory(userId, before, after);
    this.#views.publishViews(userId, before, after, { origin });
    // Every instance with a socket of the user holds the replica, so each tells its own.
    this.#sink({ kind: 'settings', userId, settings: input.settings });
  }

  #maybe(change: PresenceChange | null, origin: boolean): void {
    if (change) this.#changed(change, origin);
  }

  /** `origin`: this instance applied the input first (or its clock caused the change). */
  #changed(change: PresenceChange, origin = false): void {
    // One writer per user: only the instance the rule names writes the row and the history.
    this.#writer.markDirty(change.userId);
    if (!this.#profiles.has(change.userId)) return;
    const before = this.#views.subject(change.userId, change.before);
    const after = this.#views.subject(change.userId, change.after);
    this.#views.recordHistory(change.userId, before, after);
    this.#views.publishViews(change.userId, before, after, { origin });
  }

  #row(userId: number) {
    if (!this.engine.known(userId)) return null;
    const state = this.engine.get(userId);
    return { userId, status: state.status, activity: state.activity, persisted: this.engine.snapshotForPersistence(userId), version: this.#replicas.rowVersion(userId) };
  }
}
