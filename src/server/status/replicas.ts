/**
 * This instance's replicas of users' presence: loading them (profile and remembered state
 * from the database, live state from the shared store), keeping the bus subscribed to
 * each, saving what changed here for other instances, and — in cluster mode — ending the
 * sessions of instances that stopped heartbeating, and resyncing after a bus outage.
 *
 * Replicas is what the rest of the presence service uses; its parts are:
 * - replica-loading.ts: loading replicas (ensure), inputs held while one loads, pinning;
 * - replica-versions.ts: versions per user and per field, what of another instance's input
 *   or a stored copy applies here, when the user's database row is newer than both, and which
 *   instance writes the user's row (writerOf);
 * - replica-sharing.ts: saving then publishing changes, in order per user, what waits for the
 *   resync, and what a stop saves again until its deadline;
 * - cluster-heartbeat.ts: the heartbeat and the reaping of dead instances' sessions (after
 *   reading their users' rows: #newerRows);
 * - copy-keep-alive.ts: the copies of users with a session here outlive the store's expiry;
 * - replica-resync.ts: the resync after a bus outage (its retries: resync-retry.ts) and the
 *   reload of a replica another instance re-saved.
 */
import { instanceOfSession, type Version } from '../ports/presence-store.js';
import type { PresenceEngine } from '../presence/presence-engine.js';
import type { PresenceChange, ServerGame } from '../presence/types.js';
import { setsLeft } from './field-versions.js';
import { userTopic, type PresenceInput } from './presence-events.js';
import type { Profile } from './presence-repository.js';
import type { PresenceDeps } from './presence-deps.js';
import { onBusOutages } from './bus-outages.js';
import type { ReplicaSync } from './resync-retry.js';
import { ClusterHeartbeat } from './cluster-heartbeat.js';
import { CopyKeepAlive } from './copy-keep-alive.js';
import type { SecretAgreementState } from './secret-agreement.js';
import { ReplicaLoading } from './replica-loading.js';
import { ReplicaResync } from './replica-resync.js';
import { ReplicaSharing } from './replica-sharing.js';
import { ReplicaVersions } from './replica-versions.js';

export class Replicas {
  readonly #versions: ReplicaVersions;
  readonly #heartbeat: ClusterHeartbeat;
  readonly #loading: ReplicaLoading;
  readonly #sharing: ReplicaSharing;
  readonly #resync: ReplicaResync;

  constructor(
    private readonly deps: PresenceDeps,
    private readonly engine: PresenceEngine,
    private readonly hooks: {
      profiles: Map<number, Profile>;
      changed: (c: PresenceChange) => void;
      /** Whether this instance is saturated now (said in each heartbeat). */
      saturated?: () => boolean;
      /** Resolves once the friend lists here are re-read after a bus outage (stale-friend-lists.ts). */
      friendListsRead?: () => Promise<void>;
      /** A game start older than the user's sign-out here reached this replica: end the game (ReplicaVersions.signedOut). */
      startedBeforeSignOut?: (userId: number, start: Extract<PresenceInput, { op: 'game' }>) => void;
    },
  ) {
    const { profiles } = hooks;
    const isMine = this.#isMine;
    const storeError = (err: unknown): string => this.#storeError(err);
    const report = (change: PresenceChange | null): void => this.#report(change);
    const versions = new ReplicaVersions(deps, {
      engine,
      isMine,
      report,
      resaveLater: (id) => this.#sharing.resaveLater(id),
      startedBeforeSignOut: (id, start) => hooks.startedBeforeSignOut?.(id, start),
    });
    // Users with a socket here, or a poll session (any instance answers those): their copies last as long.
    const local = (id: number): boolean => engine.hasSession(id, (sessionId) => (instanceOfSession(sessionId) ?? this.#self) === this.#self);
    const keepAlive = new CopyKeepAlive(deps, () => [...profiles.keys()].filter(local));
    // `sharing` is made below; the heartbeat calls `owed` only once started.
    const heartbeat = new ClusterHeartbeat(deps, {
      engine,
      profiles,
      saturated: hooks.saturated,
      report,
      reaped: (id) => versions.reaped(id),
      owed: (): Promise<void> => sharing.forgetOwed(),
      keepAlive: () => keepAlive.afterBeat(),
      beforeReap: (ids) => this.#newerRows(ids),
    });
    const loading = new ReplicaLoading(deps, {
      engine,
      profiles,
      storeError,
      deadAfter: () => heartbeat.deadAfter(),
      loaded: (id, state, row) => versions.loaded(id, state, row),
    });
    const sharing = new ReplicaSharing(deps, { engine, profiles, versions, storeError, isLoading: (id) => loading.isLoading(id) });
    this.#versions = versions;
    this.#heartbeat = heartbeat;
    this.#loading = loading;
    this.#sharing = sharing;
    const friendListsRead = hooks.friendListsRead ?? (() => Promise.resolve());
    this.#resync = new ReplicaResync(deps, { engine, profiles, versions, sharing, isMine, storeError, friendListsRead });
  }

  /**
   * Whether another instance said it was saturated within the last two beats. Then this one
   * stretches ending offline graces too, as that instance does: replicas of a user whose
   * reconnect waits in that instance's queues agree that they have not left.
   */
  get othersSaturated(): boolean {
    return this.#heartbeat.othersSaturated;
  }

  /** Whether the live instances on the shared store agree with this one on the secrets (for /readyz). */
  secretAgreement(): SecretAgreementState {
    return this.#heartbeat.secretAgreement();
  }

  /** What a failed store command says in the log: the cause to fix when the store knows it (refused credentials), else the error's message. */
  #storeError(err: unknown): string {
    return this.deps.store.problem?.() ?? (err as Error).message;
  }

  get #self(): string {
    return this.deps.bus.instanceId;
  }

  #isMine = (sessionId: string): boolean => instanceOfSession(sessionId) === this.#self;

  async start(): Promise<void> {
    // Alone (no shared store, so no bus known to be shared either: createServices' check): nothing to sync.
    if (!this.deps.store.shared) return;
    const startedAt = this.deps.now();
    // Connected first: the bus turning healthy at start is no recovery, and a resync then only
    // failed (and warned) against a store not yet connected.
    await this.deps.store.connect().catch((err: unknown) => this.deps.log.warn({ err: this.#storeError(err) }, 'shared presence store unreachable at start'));
    // A bus not connected yet (Redis answers a moment later, or not at all): replicas of other
    // instances' users were never in sync, stale since the start until its first connection
    // finds nothing to catch up or the resync it starts succeeds: one owner of stale_since.
    if (!this.deps.bus.isHealthy()) this.#resync.busDown(startedAt);
    onBusOutages(this.deps.bus, {
      down: () => {
        // Replicas of other instances' users go stale from now until a resync succeeds.
        const since = this.deps.now();
        this.#resync.busDown(since);
        this.#heartbeat.busDown(since);
        this.deps.log.warn('event bus unreachable: serving local users only until it returns');
      },
      back: () => {
        // Redis is back, maybe empty: no instance is taken for dead before it had the window to beat again.
        this.#heartbeat.busBack();
        void this.resync().catch((err: unknown) => this.deps.log.error({ err }, 'presence resync failed'));
      },
      servedBeforeFirstConnection: () => this.hooks.profiles.size > 0 || this.#sharing.owesAny(),
      firstConnection: () => this.#resync.firstConnection(),
    });
    await this.#heartbeat.start();
  }

  /**
   * A clean stop: saves what the store has not taken yet, trying again until `deadline`
   * (Date.now() ms), then leaves the cluster. Answers how many users' changes the store still
   * lacks (logged as an error): the other instances learn them from the database rows this
   * instance wrote (ReplicaVersions.loaded and importRow), not from the store.
   */
  async stop(deadline: number): Promise<number> {
    this.#resync.stop();
    this.#heartbeat.stop();
    if (!this.deps.store.shared) return 0;
    const unsaved = await this.#sharing.drain(deadline);
    if (unsaved > 0) {
      this.deps.log.error(
        { users: unsaved },
        `shared presence store unreachable at the stop: ${unsaved} users' changes were not saved to it; other instances take them from the database rows, when they load those users or end this instance's sessions`,
      );
    }
    await this.deps.store.leave(this.#self);
    return unsaved;
  }

  /** The version the user's database row is written at (PresenceRow.version): the replica's, in cluster mode. */
  rowVersion(userId: number): Version | null {
    return this.deps.store.shared ? (this.#versions.of(userId) ?? null) : null;
  }

  /** Runs `work` with these users pinned: no release while it awaits. */
  pinned<T>(ids: readonly number[], work: () => Promise<T>): Promise<T> {
    return this.#loading.pinned(ids, work);
  }

  /** Makes sure these users are replicated here (subscribed, loaded). */
  ensure(ids: readonly number[]): Promise<void> {
    return this.#loading.ensure(ids);
  }

  /** ensure() for a viewer's friends, reading the rows `readsRow` picks (ReplicaLifecycle.readsRowFor) whether their friend is held here or not (ReplicaLoading.ensureFriends). */
  ensureFriends(ids: readonly number[], readsRow: (id: number) => boolean): Promise<void> {
    return this.#loading.ensureFriends(ids, readsRow);
  }

  /** Runs `fn` (an input for the user) now if the replica is loaded, after loading if it is loading, else never. */
  whenLoaded(userId: number, fn: () => void): void {
    this.#loading.whenLoaded(userId, fn);
  }

  /**
   * A local input changed the user: gives the change a new version, saves the user's state to
   * the shared store, then publishes the input (with its version) to the other instances.
   */
  share(userId: number, input: PresenceInput, leaves = setsLeft(input)): void {
    this.#sharing.share(userId, input, leaves);
  }

  /**
   * Resolves once the user's inputs shared so far (every user's, without `userId`) were saved
   * and handed to the other instances, and every message published so far left too
   * (EventBus.flushed): an answer sent after it is not overtaken, at another instance, by the
   * client's next request (read your writes).
   */
  sharedSoFar(userId?: number): Promise<void> {
    return this.#sharing.sharedSoFar(userId);
  }

  /**
   * Another instance's input reached this replica: what of it applies here (null: nothing), as
   * last-writer-wins per field (ReplicaVersions.received).
   */
  received(userId: number, input: PresenceInput, version: Version | undefined): PresenceInput | null {
    return this.#versions.received(userId, input, version);
  }

  /**
   * The host signed the user out here (StatusCommands.leaveServerGames), the replica loaded.
   * Answers the server games the shared store holds of the user: every start answered before the
   * sign-out, by any instance, was saved there first, also one that has not reached this replica
   * yet (bus latency) or never will (a bus outage). The store's version is taken as seen, so the
   * ends the caller makes come after those starts, and the copy this instance then saves wins
   * over theirs (a resync takes it everywhere). A start older than the sign-out that reaches this
   * replica later is ended too (ReplicaVersions.signedOut). Store unreachable: none, and the
   * instances' clocks tell a start just before from one just after.
   */
  async signedOut(userId: number): Promise<ServerGame[]> {
    if (!this.deps.store.shared) return [];
    let read = true;
    const stored = await this.deps.store.load([userId], null).then(
      (states) => states.get(userId),
      (err: unknown) => {
        read = false;
        this.deps.log.warn({ err: this.#storeError(err), userId }, 'shared presence store unreachable at a sign-out: the games it ends are those this instance has heard of');
        return undefined;
      },
    );
    if (!this.hooks.profiles.has(userId)) return [];
    this.#versions.signedOut(userId, stored?.version ?? null, read);
    return stored?.serverGames ?? [];
  }

  /**
   * Whether a close or logout, not applied yet, makes the user leave on this replica: it ends the
   * last session held here, or (a logout) a grace its login began. Only then does it set
   * last_seen or the grace, and so `left` (field-versions.ts).
   */
  leaves(userId: number, input: PresenceInput): boolean {
    return this.#versions.leaves(userId, input);
  }

  /** The one instance that writes the user's database row (and status history): ReplicaVersions.writerOf. */
  writerOf(userId: number): string {
    return this.#versions.writerOf(userId);
  }

  /** Whether one of the user's sockets is on this instance. */
  holdsSocket(userId: number): boolean {
    return this.engine.hasSession(userId, this.#isMine);
  }

  isWriter(userId: number): boolean {
    return this.writerOf(userId) === this.#self;
  }

  /** Whether the replica may be dropped now: not loading, and nothing of it waits to be saved to the store. */
  releasable(userId: number): boolean {
    return !this.#loading.isLoading(userId) && !this.#sharing.isUnsaved(userId) && !this.#loading.isPinned(userId);
  }

  /**
   * The user was deleted: their replica goes now, and a load of it in flight keeps nothing of
   * them; resolves once the shared store holds nothing of them either (or will be told at the resync).
   */
  forgetDeleted(userId: number): Promise<void> {
    this.#loading.discard(userId);
    this.release(userId);
    return this.#sharing.forget(userId);
  }

  /** Drops the replica: profile, presence, version, and the bus subscription. A later ensure() loads it afresh. */
  release(userId: number): void {
    this.deps.bus.unsubscribe(userTopic(userId));
    this.hooks.profiles.delete(userId);
    this.engine.remove(userId);
    this.#versions.forget(userId);
    this.#loading.released(userId);
  }

  /** Heartbeats into the shared store (with this instance's saturation), and reads whether another instance is saturated. */
  beat(): Promise<void> {
    return this.#heartbeat.beat();
  }

  /** Ends, with the usual grace, every session of an instance that stopped heartbeating. */
  reap(): Promise<void> {
    return this.#heartbeat.reap();
  }

  /**
   * After an outage: re-save what this instance knows best (users with sockets here, and
   * changes made here that could not be saved), ask the other instances to reload those
   * users, then reload every replica here. Whichever instance recovers last, everyone ends
   * up with everyone's latest state.
   */
  resync(): Promise<void> {
    return this.#resync.run();
  }

  /** Whether replicas are in sync, or since when a resync after an outage is pending (for /readyz). */
  sync(): ReplicaSync {
    return this.#resync.sync();
  }

  /** Reloads one replica from the shared store (another instance re-saved it). */
  reload(userId: number): Promise<void> {
    return this.#resync.reload(userId);
  }

  /**
   * Before this instance ends a dead instance's sessions of these users: their database rows, for
   * those newer than the replica here (ReplicaVersions.importRow). Without the database the
   * sessions are ended all the same.
   */
  async #newerRows(ids: readonly number[]): Promise<void> {
    try {
      for (const [userId, row] of await this.deps.repo.presenceOf(ids)) {
        if (this.hooks.profiles.has(userId)) this.#versions.importRow(userId, row);
      }
    } catch (err) {
      this.deps.log.warn({ err, users: ids.length }, "database unreachable: a dead instance's sessions are ended without reading the users' rows");
    }
  }

  #report(change: PresenceChange | null): void {
    if (change) this.hooks.changed(change);
  }
}
