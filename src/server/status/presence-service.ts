/**
 * The presence service: the one place where sockets, API calls, game events and graph
 * changes meet the pure core. Data flows one way: input → PresenceEngine → (write-behind,
 * EventBus) → gateway. Privacy is applied by `view()` only; fan-out goes through the bus only.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Activity, FriendCategory, GameEventBody, Settings, SetStatusBody, View } from '../../protocol/index.js';
import type { AuthContext } from '../auth/auth-service.js';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import type { FriendRepository } from '../friends/friend-repository.js';
import type { GraphEvent } from '../friends/friends-service.js';
import type { EventBus } from '../ports/event-bus.js';
import { PresenceEngine } from '../presence/presence-engine.js';
import { changedTiers, sameView, tierOf, view } from '../presence/privacy.js';
import type { PresenceChange, Subject, ViewerTier } from '../presence/types.js';
import type { UserRepository } from '../users/user-repository.js';
import { FriendGraph } from './friend-graph.js';
import { userTopic, type PresenceEvent } from './presence-events.js';
import type { PresenceRepository, Profile } from './presence-repository.js';
import { PresenceWriter } from './presence-writer.js';
import { sortViews } from './sort-views.js';

export interface SocketSnapshot {
  self: View;
  friends: View[];
}

const TICK_MS = 250;

export class PresenceService {
  readonly engine: PresenceEngine;
  readonly graph: FriendGraph;
  readonly #profiles = new Map<number, Profile>();
  /** Open sockets per login session: a session with a socket is not also a polling session. */
  readonly #socketsOf = new Map<string, Set<string>>();
  readonly #writer: PresenceWriter;
  #ticker: NodeJS.Timeout | null = null;

  constructor(
    private readonly deps: {
      config: Readonly<Config>;
      now: () => number;
      bus: EventBus;
      repo: PresenceRepository;
      users: UserRepository;
      friendRepo: FriendRepository;
      log: FastifyBaseLogger;
    },
  ) {
    const { config, now } = deps;
    this.engine = new PresenceEngine({ now }, config);
    this.graph = new FriendGraph(deps.friendRepo);
    this.#writer = new PresenceWriter(deps.repo, (id) => this.#row(id), { intervalMs: config.persistIntervalMs, now, log: deps.log });
  }

  /** Clears ghosts left by a crash, then starts the clock and the write-behind. */
  async start(opts: { resetGhosts: boolean }): Promise<void> {
    if (opts.resetGhosts) {
      const n = await this.deps.repo.resetGhosts(await this.deps.repo.lastAlive(), this.deps.now());
      if (n > 0) this.deps.log.info({ users: n }, 'reset users left online by an unclean stop');
    }
    this.#writer.start();
    this.#ticker = setInterval(() => this.tick(), TICK_MS);
    this.#ticker.unref();
  }

  /** Stops timers and writes everything; every user this instance had online is written offline. */
  async stop(): Promise<void> {
    if (this.#ticker) clearInterval(this.#ticker);
    this.#ticker = null;
    await this.#writer.stop();
    await this.deps.repo.resetGhosts(this.deps.now(), this.deps.now());
  }

  /** Advances the core to now: grace expiry, idle probes, poll TTLs, message expiry. */
  tick(): void {
    const result = this.engine.tick();
    for (const change of result.changes) this.#changed(change);
    for (const userId of result.probes) this.#publish(userId, { kind: 'probe', userId });
  }

  /** Writes pending presence now (tests and shutdown). */
  flush(): Promise<void> {
    return this.#writer.flush();
  }

  // ---- loading -------------------------------------------------------------------

  /** Makes sure profiles and remembered presence of these users are in memory. */
  async ensureLoaded(ids: readonly number[]): Promise<void> {
    const missing = ids.filter((id) => !this.#profiles.has(id));
    if (missing.length === 0) return;
    for (const { profile, persisted } of await this.deps.repo.load(missing)) {
      if (this.#profiles.has(profile.id)) continue;
      this.#profiles.set(profile.id, profile);
      this.engine.load(profile.id, persisted);
    }
  }

  /** Loads a viewer, their friend graph and their friends; call before `openSocket`. */
  async prepareViewer(auth: AuthContext): Promise<void> {
    await this.graph.load(auth.userId, auth.role);
    await this.ensureLoaded([auth.userId, ...this.graph.friendsOf(auth.userId)]);
  }

  // ---- sessions ------------------------------------------------------------------

  /** Opens a socket session (synchronously, after prepareViewer) and returns the `ready` snapshot. */
  openSocket(auth: AuthContext, connId: string): SocketSnapshot {
    const sockets = this.#socketsOf.get(auth.sessionId) ?? new Set<string>();
    this.#socketsOf.set(auth.sessionId, sockets);
    sockets.add(connId);
    this.#apply(this.engine.openSession(auth.userId, connId, 'socket'));
    // The socket supersedes a polling session of the same login: it must not outlive the tab.
    this.#apply(this.engine.closeSession(auth.userId, pollId(auth.sessionId), { immediate: false }));
    return { self: this.viewOf(auth.userId, 'self'), friends: this.#friendViews(auth.userId) };
  }

  /** A socket ended. `immediate` (logout) skips the offline grace. */
  closeSocket(auth: AuthContext, connId: string, immediate: boolean): void {
    const sockets = this.#socketsOf.get(auth.sessionId);
    sockets?.delete(connId);
    if (sockets?.size === 0) this.#socketsOf.delete(auth.sessionId);
    this.#apply(this.engine.closeSession(auth.userId, connId, { immediate }));
  }

  /** Whether any viewer connected here still needs this user's friend graph. */
  hasSockets(sessionId: string): boolean {
    return this.#socketsOf.has(sessionId);
  }

  /** Every authenticated API call counts as activity (an interaction). */
  async apiCall(auth: AuthContext): Promise<void> {
    await this.ensureLoaded([auth.userId]);
    this.#apply(this.engine.interaction(auth.userId));
  }

  /**
   * A poll of the friends' status: a login with no socket is a polling client, live for
   * BEACON_POLL_SESSION_TTL_MS after each poll. Other API calls do not make anyone online.
   */
  async polled(auth: AuthContext): Promise<void> {
    await this.ensureLoaded([auth.userId]);
    if (this.#socketsOf.has(auth.sessionId)) return;
    const id = pollId(auth.sessionId);
    if (!this.engine.touchSession(auth.userId, id)) this.#apply(this.engine.openSession(auth.userId, id, 'poll'));
  }

  /** Logout: the login's sockets and polling session end at once, without grace. */
  revoked(userId: number, sessionId: string): void {
    this.#apply(this.engine.closeSession(userId, pollId(sessionId), { immediate: true }));
    this.#publish(userId, { kind: 'revoked', userId, sessionId });
  }

  interaction(userId: number): void {
    this.#apply(this.engine.interaction(userId));
  }

  // ---- status --------------------------------------------------------------------

  async setStatus(userId: number, body: Omit<SetStatusBody, never>): Promise<View> {
    await this.ensureLoaded([userId]);
    const custom =
      body.custom_message === undefined && body.expires_at === undefined
        ? undefined
        : { message: body.custom_message ?? null, expiresAt: parseExpiry(body.expires_at ?? null, this.deps.now()) };
    if (custom && custom.message === null) custom.expiresAt = null;
    this.#apply(this.engine.setManualStatus(userId, body.status, custom));
    return this.viewOf(userId, 'self');
  }

  async setActivity(userId: number, activity: Activity): Promise<View> {
    await this.ensureLoaded([userId]);
    const { change, rejected } = this.engine.setActivity(userId, activity);
    if (rejected) throw new AppError('CONFLICT', 'A game server reports you in a match; it ends when the match ends');
    this.#apply(change);
    return this.viewOf(userId, 'self');
  }

  async getSettings(userId: number): Promise<Settings> {
    await this.ensureLoaded([userId]);
    return { ...this.#profile(userId).settings };
  }

  /** Saves settings at once (they are durable) and tells every viewer whose view changed. */
  async updateSettings(userId: number, patch: Partial<Settings>): Promise<Settings> {
    await this.ensureLoaded([userId]);
    await this.deps.users.updateSettings(userId, patch);
    const before = this.#subject(userId);
    const profile = this.#profile(userId);
    profile.settings = { ...profile.settings, ...patch };
    this.#publishViews(userId, before, this.#subject(userId));
    return { ...profile.settings };
  }

  async gameEvent(body: GameEventBody): Promise<number[]> {
    await this.ensureLoaded(body.player_ids);
    const matchId = String(body.match_id);
    const applied: number[] = [];
    for (const id of body.player_ids) {
      if (!this.#profiles.has(id)) continue;
      const kind = body.event.startsWith('tournament') ? 'tournament' : 'match';
      const started = body.event.endsWith('_started');
      this.#apply(started ? this.engine.startGame(id, matchId, kind) : this.engine.endGame(id, matchId));
      applied.push(id);
    }
    return applied;
  }

  // ---- views ---------------------------------------------------------------------

  /** The view of `userId` for a viewer of `tier`. The user must be loaded. */
  viewOf(userId: number, tier: ViewerTier): View {
    return view(this.#subject(userId), tier, this.deps.now());
  }

  /** Friends' views for a viewer, sorted as the contract says; from the DB graph when not cached. */
  async friendsStatus(viewer: AuthContext, onlineOnly: boolean): Promise<View[]> {
    const cached = this.graph.has(viewer.userId);
    if (!cached) await this.graph.load(viewer.userId, viewer.role);
    try {
      await this.ensureLoaded(this.graph.friendsOf(viewer.userId));
      const views = this.#friendViews(viewer.userId);
      return onlineOnly ? views.filter((v) => v.status !== 'offline') : views;
    } finally {
      if (!cached && !this.#hasSocketsForUser(viewer.userId)) this.graph.forget(viewer.userId);
    }
  }

  /** One user's view as the caller may see it; 404 when there is no such user. */
  async userStatus(viewer: AuthContext, subjectId: number): Promise<View> {
    await this.ensureLoaded([subjectId]);
    if (!this.#profiles.has(subjectId)) throw new AppError('NOT_FOUND', 'No such user');
    const category = subjectId === viewer.userId ? null : await this.deps.friendRepo.categoryGiven(subjectId, viewer.userId);
    return this.viewOf(subjectId, tierOf({ id: viewer.userId, role: viewer.role }, subjectId, category));
  }

  // ---- graph ---------------------------------------------------------------------

  /** Befriending, unfriending and category changes show on both sides at once. */
  async graphChanged(e: GraphEvent): Promise<void> {
    if (e.kind === 'category_changed') {
      await this.ensureLoaded([e.userId, e.friendId]);
      const before = this.graph.has(e.friendId) ? this.graph.tier(e.friendId, e.userId) : null;
      this.graph.set(e.friendId, e.userId, e.category);
      const tier = this.#tierFromCategory(e.friendId, e.userId, e.category);
      const now = this.viewOf(e.userId, tier);
      const changed = before === null || !sameView(this.viewOf(e.userId, before), now);
      this.#publish(e.friendId, { kind: 'tier_changed', viewerId: e.friendId, subjectId: e.userId, tier, view: changed ? now : null });
      return;
    }
    await this.ensureLoaded([e.a, e.b]);
    for (const [viewer, subject] of [
      [e.a, e.b],
      [e.b, e.a],
    ] as const) {
      if (e.kind === 'unfriended') {
        this.graph.set(viewer, subject, null);
        this.#publish(viewer, { kind: 'friend_removed', viewerId: viewer, subjectId: subject });
      } else {
        this.graph.set(viewer, subject, 'friend');
        const tier = this.#tierFromCategory(viewer, subject, 'friend');
        this.#publish(viewer, { kind: 'friend_added', viewerId: viewer, subjectId: subject, tier, view: this.viewOf(subject, tier) });
      }
    }
  }

  /** Drops a viewer's cached graph once their last socket here is gone. */
  releaseViewer(userId: number): void {
    if (!this.#hasSocketsForUser(userId)) this.graph.forget(userId);
  }

  // ---- internals -----------------------------------------------------------------

  #tierFromCategory(viewerId: number, subjectId: number, category: FriendCategory): ViewerTier {
    if (this.graph.has(viewerId)) return this.graph.tier(viewerId, subjectId);
    return tierOf({ id: viewerId, role: this.#profiles.get(viewerId)?.role ?? 'user' }, subjectId, category);
  }

  #hasSocketsForUser(userId: number): boolean {
    return this.engine.sessionIds(userId).some((id) => !id.startsWith('poll:'));
  }

  #friendViews(viewerId: number): View[] {
    const now = this.deps.now();
    const views = this.graph
      .friendsOf(viewerId)
      .filter((id) => this.#profiles.has(id))
      .map((id) => view(this.#subject(id), this.graph.tier(viewerId, id), now));
    return sortViews(views);
  }

  #profile(userId: number): Profile {
    const p = this.#profiles.get(userId);
    if (!p) throw new AppError('NOT_FOUND', 'No such user');
    return p;
  }

  #subject(userId: number, presence = this.engine.get(userId)): Subject {
    const p = this.#profile(userId);
    return { id: p.id, username: p.username, displayName: p.displayName, presence, settings: p.settings };
  }

  #apply(change: PresenceChange | null): void {
    if (change) this.#changed(change);
  }

  #changed(change: PresenceChange): void {
    this.#writer.markDirty(change.userId);
    if (!this.#profiles.has(change.userId)) return;
    this.#publishViews(change.userId, this.#subject(change.userId, change.before), this.#subject(change.userId, change.after));
  }

  /** Publishes the views of the tiers that changed, each computed once. */
  #publishViews(userId: number, before: Subject, after: Subject): void {
    const now = this.deps.now();
    const tiers = changedTiers(before, after, now);
    if (tiers.length === 0) return;
    const views: Partial<Record<ViewerTier, View>> = {};
    for (const t of tiers) views[t] = view(after, t, now);
    this.#publish(userId, { kind: 'presence', userId, views });
  }

  #publish(userId: number, event: PresenceEvent): void {
    this.deps.bus.publish(userTopic(userId), event);
  }

  #row(userId: number) {
    if (!this.engine.known(userId)) return null;
    const state = this.engine.get(userId);
    return { userId, status: state.status, activity: state.activity, persisted: this.engine.snapshotForPersistence(userId) };
  }
}

const pollId = (sessionId: string) => `poll:${sessionId}`;

function parseExpiry(iso: string | null, now: number): number | null {
  if (iso === null) return null;
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) throw new AppError('VALIDATION_ERROR', 'expires_at is not a valid timestamp');
  if (t <= now) throw new AppError('VALIDATION_ERROR', 'expires_at must be in the future');
  return t;
}
