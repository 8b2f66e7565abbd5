/**
 * This instance's replicas of users' presence: loading them (profile and remembered state
 * from the database, live state from the shared store), keeping the bus subscribed to
 * each, saving what changed here for other instances, and — in cluster mode — ending the
 * sessions of instances that stopped heartbeating, and resyncing after a bus outage.
 */
import { compareVersions, instanceOfSession, nextVersion, type SharedState, type StoredReplica, type Version } from '../ports/presence-store.js';
import type { PresenceEngine } from '../presence/presence-engine.js';
import type { PresenceChange } from '../presence/types.js';
import { allFieldsAt, applicable, fieldsOf, mergeFields, newerFields, recordFields, setsLeft, withFields, type FieldVersions } from './field-versions.js';
import { userTopic, type BusEvent, type PresenceInput } from './presence-events.js';
import type { Profile } from './presence-repository.js';
import type { PresenceDeps } from './presence-deps.js';
import { onBusOutages } from './bus-outages.js';
import { ResyncRetry, type ReplicaSync, type ResyncRun } from './resync-retry.js';

/** After a bus outage, how long to let every instance re-save its own sessions before reloading. */
const RESYNC_SETTLE_MS = 1000;
/** After an outage, how long to trust no silence: other instances' clients reconnect with backoff (up to ~2 s). */
const REAP_AFTER_OUTAGE_MS = 5000;

/** A replica's answer for an input that is neither a close nor a logout (Replicas.#leaving). */
const NOT_LEAVING = { leaves: false, endsHeld: false } as const;

/** The mark #ensure puts on an id while it gathers the ids to load (never awaited). */
const NOT_STARTED: Promise<void> = Promise.resolve();

export class Replicas {
  readonly #loading = new Map<number, Promise<void>>();
  readonly #buffered = new Map<number, Array<() => void>>();
  #monitor: NodeJS.Timeout | null = null;
  #lastSaveError = 0;
  /** Whether the last heartbeat failed, and when they got through again after a failure. */
  #beatFailing = false;
  #recoveredAt: number | null = null;
  #everBeat = false;
  /** Users whose state could not be saved (store unreachable): re-saved on resync. */
  readonly #unsaved = new Set<number>();
  /**
   * Users this instance changed while its bus was down: the store may hold the change, but no
   * other instance heard of it. Re-saved and announced (reload) on resync, like the users with
   * sockets here: the others' buses may never have gone down, so they never reload by themselves.
   */
  readonly #changedWhileDown = new Set<number>();
  /** Inputs being saved and published; a clean stop lets them finish. */
  readonly #sharing = new Set<Promise<void>>();
  /** Version of each replica's user-level fields: never replaced by an older stored copy. */
  readonly #versions = new Map<number, Version>();
  /** Per replica, the version of the input that last set each field (field-versions.ts). */
  readonly #fields = new Map<number, FieldVersions>();
  /** Users whose merged state is being re-saved after an input arrived late (coalesced). */
  readonly #resaving = new Set<number>();
  /** Per user, the latest share (save, then publish) in flight: a user's shares complete in order. */
  readonly #lastShare = new Map<number, Promise<void>>();
  /**
   * Users an ensure() (or a caller between its awaits) is using right now: never released
   * under it. A loaded user's count stays at 0 rather than being deleted until the replica
   * is released: every connect pins its ~50 friends, and a Map that gains and loses
   * thousands of entries a second reallocates its table each time it doubles or halves
   * (4.6 KiB per connect of old-space garbage in a 5,000-socket connect burst).
   */
  readonly #pinned = new Map<number, number>();
  /** Users whose sessions this instance ended because their instance died: it writes their row (see writerOf). */
  readonly #reaped = new Set<number>();
  #othersSaturated = false;
  /** The resync after a bus outage: its retries, and whether replicas may be stale meanwhile. */
  readonly #resync: ResyncRetry;

  constructor(
    private readonly deps: PresenceDeps,
    private readonly engine: PresenceEngine,
    private readonly hooks: {
      profiles: Map<number, Profile>;
      changed: (c: PresenceChange) => void;
      /** Whether this instance is saturated now (said in each heartbeat). */
      saturated?: () => boolean;
    },
  ) {
    this.#resync = new ResyncRetry((run) => this.#resyncOnce(run), deps.log, deps.now, (err) => this.#storeError(err));
  }

  /**
   * Whether another instance said it was saturated within the last two beats. Then this one
   * stretches ending offline graces too, as that instance does: replicas of a user whose
   * reconnect waits in that instance's queues agree that they have not left.
   */
  get othersSaturated(): boolean {
    return this.#othersSaturated;
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
    if (!this.deps.store.shared) return;
    // Connected first: the bus turning healthy at start is no recovery, and a resync then only
    // failed (and warned) against a store not yet connected.
    await this.deps.store.connect().catch((err: unknown) => this.deps.log.warn({ err: this.#storeError(err) }, 'shared presence store unreachable at start'));
    onBusOutages(this.deps.bus, {
      down: () => {
        // Replicas of other instances' users go stale from now until a resync succeeds.
        this.#resync.busDown();
        this.deps.log.warn('event bus unreachable: serving local users only until it returns');
      },
      back: () => void this.resync().catch((err: unknown) => this.deps.log.error({ err }, 'presence resync failed')),
      servedBeforeFirstConnection: () => this.hooks.profiles.size > 0 || this.#unsaved.size > 0 || this.#changedWhileDown.size > 0,
    });
    await this.beat();
    this.#monitor = setInterval(() => void this.beat().then(() => this.reap()), this.#beatEveryMs());
    this.#monitor.unref();
  }

  async stop(): Promise<void> {
    this.#resync.stop();
    if (this.#monitor) clearInterval(this.#monitor);
    this.#monitor = null;
    // Pending saves get at most 2 s; the bound's timer goes with them (it must not hold the process).
    let bound: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(this.#sharing), new Promise((r) => (bound = setTimeout(r, 2000)))]);
    clearTimeout(bound);
    if (this.deps.store.shared) await this.deps.store.leave(this.#self);
  }

  /** Runs `work` with these users pinned: no release while it awaits. */
  async pinned<T>(ids: readonly number[], work: () => Promise<T>): Promise<T> {
    for (const id of ids) this.#pinned.set(id, (this.#pinned.get(id) ?? 0) + 1);
    try {
      return await work();
    } finally {
      for (const id of ids) {
        const n = this.#pinned.get(id)! - 1;
        if (n > 0 || this.hooks.profiles.has(id)) this.#pinned.set(id, n);
        else this.#pinned.delete(id);
      }
    }
  }

  /** Makes sure these users are replicated here (subscribed, loaded). */
  ensure(ids: readonly number[]): Promise<void> {
    return this.pinned(ids, () => this.#ensure(ids));
  }

  /**
   * Every connect passes its ~50 friends here, nearly all loaded already: no Set or arrays
   * are made for them (they outlived the connect's awaits and were promoted garbage).
   */
  async #ensure(ids: readonly number[]): Promise<void> {
    let missing: number[] | null = null;
    for (const id of ids) {
      if (this.hooks.profiles.has(id) || this.#loading.has(id)) continue;
      // Marked at once, so an id given twice is loaded once; the load's promise replaces the mark below.
      this.#loading.set(id, NOT_STARTED);
      (missing ??= []).push(id);
    }
    if (missing) {
      const p = this.#load(missing);
      for (const id of missing) this.#loading.set(id, p);
    }
    let waits: Promise<void>[] | null = null;
    for (const id of ids) {
      const p = this.#loading.get(id);
      if (p && !waits?.includes(p)) (waits ??= []).push(p);
    }
    if (waits) await Promise.all(waits);
  }

  /** Runs `fn` (an input for the user) now if the replica is loaded, after loading if it is loading, else never. */
  whenLoaded(userId: number, fn: () => void): void {
    if (this.#loading.has(userId)) {
      const list = this.#buffered.get(userId) ?? [];
      list.push(fn);
      this.#buffered.set(userId, list);
    } else if (this.hooks.profiles.has(userId)) {
      fn();
    }
  }

  async #load(ids: number[]): Promise<void> {
    const { bus, repo, store } = this.deps;
    try {
      for (const id of ids) bus.subscribe(userTopic(id));
      await bus.settled();
      const rows = await repo.load(ids);
      const states = store.shared
        ? await store.load(ids, await store.liveInstances(this.deps.now(), this.#deadAfter())).catch((err: unknown) => {
            this.deps.log.warn({ err: this.#storeError(err), users: ids.length }, 'shared presence store unreachable: replicas start from the database');
            return new Map();
          })
        : new Map();
      for (const { profile, persisted } of rows) {
        this.hooks.profiles.set(profile.id, profile);
        this.engine.load(profile.id, persisted);
        const state = states.get(profile.id);
        if (state) this.#import(profile.id, orphanedLastSeen(state, persisted.lastSeen));
      }
      const found = new Set(rows.map((r) => r.profile.id));
      for (const id of ids) if (!found.has(id)) bus.unsubscribe(userTopic(id));
    } finally {
      // Synchronously with the end of the load, so no input slips between buffer and replica.
      for (const id of ids) {
        this.#loading.delete(id);
        const list = this.#buffered.get(id) ?? [];
        this.#buffered.delete(id);
        if (this.hooks.profiles.has(id)) for (const fn of list) fn();
      }
    }
  }

  /**
   * A local input changed the user: gives the change a new version, saves the user's state to
   * the shared store, then publishes the input (with its version) to the other instances.
   */
  share(userId: number, input: PresenceInput, leaves = setsLeft(input)): void {
    const topic = userTopic(userId);
    if (!this.deps.store.shared) {
      // One instance: nobody to order changes with, so no version is kept per user.
      this.deps.bus.publishRemote(topic, { kind: 'input', userId, input } satisfies BusEvent);
      return;
    }
    const version = nextVersion(this.#versions.get(userId), this.deps.now(), this.#self);
    this.#versions.set(userId, version);
    recordFields(input, version, () => this.#fieldsOf(userId), leaves);
    this.#reaped.delete(userId);
    if (!this.deps.bus.isHealthy()) this.#changedWhileDown.add(userId);
    const event: BusEvent = { kind: 'input', userId, input, version };
    // Replies come back in order, so inputs of one instance reach the others in order.
    this.#track(userId, this.#save(userId).then(() => this.deps.bus.publishRemote(topic, event)));
  }

  /**
   * Resolves once the user's inputs shared so far (every user's, without `userId`) were saved
   * and handed to the other instances, and every message published so far left too
   * (EventBus.flushed): an answer sent after it is not overtaken, at another instance, by the
   * client's next request (read your writes).
   */
  async sharedSoFar(userId?: number): Promise<void> {
    if (userId !== undefined) await this.#lastShare.get(userId);
    else if (this.#sharing.size > 0) await Promise.all(this.#sharing);
    await this.deps.bus.flushed();
  }

  /**
   * Another instance's input reached this replica: what of it applies here (null: nothing), as
   * last-writer-wins per field (field-versions.ts), so replicas that got inputs in different
   * orders end alike. An input older than this replica's latest change, which this instance
   * made and saved without it, leaves the stored copy short of it: this instance saves the
   * merged state again and has the others reload it (rare: two instances changing one user
   * within a bus delay of each other).
   */
  received(userId: number, input: PresenceInput, version: Version | undefined): PresenceInput | null {
    if (!version) return input;
    const local = this.#versions.get(userId);
    const leaving = this.#leaving(userId, input);
    const out = applicable(input, version, () => this.#fieldsOf(userId), leaving.leaves);
    this.#observed(userId, version);
    // Only a late input that still set a field (or a game's, which does not commute with an
    // activity) leaves the stored copy short; sessions are saved by their own instance and
    // interactions only move a clock, so those never cost a re-save and reloads. A late close or
    // logout that still ends a session held here does: the copy this instance saved since says
    // nothing of the grace and last_seen it began (its saver had not heard of it), and a re-read
    // of it would take the user for gone.
    const changesStored = out !== null && (fieldsOf(out).length > 0 || out.op === 'game' || leaving.endsHeld);
    if (changesStored && local && local.by === this.#self && compareVersions(version, local) < 0) this.#resaveLater(userId);
    return out;
  }

  /**
   * Whether a close or logout, not applied yet, makes the user leave on this replica: it ends the
   * last session held here, or (a logout) a grace its login began. Only then does it set
   * last_seen or the grace, and so `left` (field-versions.ts).
   */
  leaves(userId: number, input: PresenceInput): boolean {
    return this.#leaving(userId, input).leaves;
  }

  /**
   * What a close or logout, not applied yet, does here: `leaves` (above), and `endsHeld`: it ends
   * a session this replica holds (not one a logout here ended before), or a logout meets a grace.
   */
  #leaving(userId: number, input: PresenceInput): { leaves: boolean; endsHeld: boolean } {
    if (input.op !== 'close' && input.op !== 'logout') return NOT_LEAVING;
    const held = this.engine.sessionIds(userId);
    if (input.op === 'close') {
      // A close heard after the logout that ended its session here may date the leave earlier.
      const dates = this.engine.datesLeaveEarlier(userId, input.sessionId, input.at);
      return { leaves: (held.length === 1 && held[0] === input.sessionId) || dates, endsHeld: held.includes(input.sessionId) || dates };
    }
    const ofLogin = held.filter((id) => id.endsWith(input.sessionSuffix)).length;
    return {
      leaves: held.length > 0 ? ofLogin === held.length : this.engine.graceBegunBy(userId, input.sessionSuffix),
      endsHeld: ofLogin > 0 || this.engine.inGrace(userId),
    };
  }

  /** Once the late input is applied (the caller does so at once), saves the merged state under a new version and asks for reloads. */
  #resaveLater(userId: number): void {
    if (this.#resaving.has(userId)) return;
    this.#resaving.add(userId);
    queueMicrotask(() => {
      this.#resaving.delete(userId);
      if (!this.hooks.profiles.has(userId)) return;
      this.#versions.set(userId, nextVersion(this.#versions.get(userId), this.deps.now(), this.#self));
      const topic = userTopic(userId);
      this.#track(userId, this.#save(userId).then(() => this.deps.bus.publishRemote(topic, { kind: 'reload', userId } satisfies BusEvent)));
    });
  }

  #track(userId: number, sharing: Promise<void>): void {
    this.#sharing.add(sharing);
    this.#lastShare.set(userId, sharing);
    void sharing.finally(() => {
      this.#sharing.delete(sharing);
      if (this.#lastShare.get(userId) === sharing) this.#lastShare.delete(userId);
    });
  }

  #fieldsOf(userId: number): FieldVersions {
    let fields = this.#fields.get(userId);
    if (!fields) this.#fields.set(userId, (fields = {}));
    return fields;
  }

  /** Another instance's input reached this replica: its version is now known here. */
  #observed(userId: number, version: Version): void {
    const local = this.#versions.get(userId);
    if (!local || compareVersions(version, local) > 0) {
      this.#versions.set(userId, version);
      this.#reaped.delete(userId);
    }
  }

  /**
   * The one instance that writes the user's database row (and status history). Every replica
   * computes the same answer from the same state, so exactly one instance writes:
   * - while the user has live sockets: the instance with the smallest id among those holding
   *   one (it keeps the replica as long as the socket lives; when its last socket of the user
   *   closes, the next smallest takes over);
   * - otherwise: the instance that made the user's last change (ended the last session, the
   *   last poll or REST call): the `by` of the latest version, which every replica shares;
   * - sessions of a dead instance are ended by every instance that replicates the user
   *   (reap), and each of those writes the result: a crash may cost a duplicate write.
   * With one instance it is always this one.
   */
  writerOf(userId: number): string {
    if (!this.deps.store.shared) return this.#self;
    let min: string | null = null;
    for (const sessionId of this.engine.sessionIds(userId)) {
      const owner = instanceOfSession(sessionId);
      if (owner !== null && (min === null || owner < min)) min = owner;
    }
    if (min !== null) return min;
    if (this.#reaped.has(userId)) return this.#self;
    return this.#versions.get(userId)?.by ?? this.#self;
  }

  /** Whether one of the user's sockets is on this instance. */
  holdsSocket(userId: number): boolean {
    return this.engine.sessionIds(userId).some(this.#isMine);
  }

  isWriter(userId: number): boolean {
    return this.writerOf(userId) === this.#self;
  }

  /** Whether the replica may be dropped now: not loading, and nothing of it waits to be saved to the store. */
  releasable(userId: number): boolean {
    return !this.#loading.has(userId) && !this.#unsaved.has(userId) && !this.#isPinned(userId);
  }

  /** Drops the replica: profile, presence, version, and the bus subscription. A later ensure() loads it afresh. */
  release(userId: number): void {
    this.deps.bus.unsubscribe(userTopic(userId));
    this.hooks.profiles.delete(userId);
    this.engine.remove(userId);
    this.#versions.delete(userId);
    this.#fields.delete(userId);
    this.#reaped.delete(userId);
    if (!this.#isPinned(userId)) this.#pinned.delete(userId);
  }

  /** Some ensure() (or caller between its awaits) uses the user now; an entry at 0 does not count. */
  #isPinned(userId: number): boolean {
    return (this.#pinned.get(userId) ?? 0) > 0;
  }

  /**
   * Imports a stored replica: the user-level fields only when they are at least as new as this
   * replica's, field by field (field-versions.ts). From a copy otherwise older, the sessions and
   * the fields it set later than this replica heard of (a grace and last_seen of a close this
   * replica has not heard of yet, while it made a change of its own since).
   */
  #import(userId: number, state: StoredReplica): void {
    const local = this.#versions.get(userId);
    let older = local !== undefined && (state.version === null || compareVersions(state.version, local) < 0);
    let imported: StoredReplica = state;
    let keptOwn = false;
    if (older && state.fieldVersions && this.engine.known(userId)) {
      const theirs = newerFields(state.fieldVersions, this.#fields.get(userId) ?? {});
      if (theirs.length > 0) {
        // This replica's state with those fields (and the stored sessions) taken from the copy.
        imported = withFields({ ...this.engine.exportUser(userId), sessions: state.sessions, version: local! }, state, theirs);
        mergeFields(() => this.#fieldsOf(userId), state.fieldVersions);
        older = false;
        // This instance's newer copy (saved, or on its way) lacks them: save the merge over it.
        keptOwn = local!.by === this.#self;
      }
    } else if (!older) {
      if (state.version) this.#versions.set(userId, state.version);
      // A copy saved before field versions existed has every field at its version.
      const stored = state.fieldVersions ?? allFieldsAt(state.version);
      // Fields this replica set later than the copy (changes the copy's saver never heard of,
      // as after a bus outage) stay as they are here, field by field, like a late input.
      const own = this.#fields.get(userId);
      const newer = own ? newerFields(own, stored) : [];
      if (newer.length > 0 && this.engine.known(userId)) {
        imported = withFields(state, this.engine.exportUser(userId), newer);
        keptOwn = true;
      }
      mergeFields(() => this.#fieldsOf(userId), stored);
    }
    this.#report(this.engine.importUser(userId, imported, this.#isMine, older));
    // The store lacks what was kept here: save the merged state and have the others reload it.
    if (keptOwn) this.#resaveLater(userId);
  }

  #versionOf(userId: number): Version {
    return this.#versions.get(userId) ?? { at: 0, by: this.#self };
  }

  async #save(userId: number): Promise<void> {
    // A replica still loading would save an empty state over the real one.
    if (!this.hooks.profiles.has(userId) || this.#loading.has(userId)) return;
    try {
      await this.deps.store.save(userId, this.#self, this.#exportUser(userId), this.#versionOf(userId));
      this.#unsaved.delete(userId);
    } catch (err) {
      this.#unsaved.add(userId);
      if (Date.now() - this.#lastSaveError > 10_000) {
        this.#lastSaveError = Date.now();
        this.deps.log.warn({ err: this.#storeError(err) }, 'shared presence store unreachable; will resync');
      }
    }
  }

  /** The user's state as saved for other instances: the replica and its fields' versions. */
  #exportUser(userId: number): SharedState {
    // Always present (empty: no field set yet), so a reader tells this copy from one saved before field versions.
    return { ...this.engine.exportUser(userId), fieldVersions: this.#fields.get(userId) ?? {} };
  }

  #deadAfter(): number {
    const hb = this.deps.config.heartbeatIntervalMs;
    return 2 * hb - Math.floor(hb / 5);
  }

  #beatEveryMs(): number {
    return Math.max(50, Math.floor(this.deps.config.heartbeatIntervalMs / 5));
  }

  /** Heartbeats into the shared store (with this instance's saturation), and reads whether another instance is saturated. */
  async beat(): Promise<void> {
    const { store } = this.deps;
    try {
      await store.heartbeat(this.#self, this.deps.now(), this.hooks.saturated?.() ?? false);
      if (this.#beatFailing && this.#everBeat) this.#recoveredAt = this.deps.now();
      this.#beatFailing = false;
      this.#everBeat = true;
    } catch {
      this.#beatFailing = true;
    }
    const saturated = await store.saturatedInstances(this.deps.now(), 2 * this.#beatEveryMs()).catch(() => null);
    this.#othersSaturated = saturated !== null && [...saturated].some((id) => id !== this.#self);
  }

  /** Ends, with the usual grace, every session of an instance that stopped heartbeating. */
  async reap(): Promise<void> {
    // Right after an outage every instance looks silent: wait until all had time to beat again.
    if (this.#beatFailing) return;
    if (this.#recoveredAt !== null && this.deps.now() - this.#recoveredAt < this.#deadAfter() + REAP_AFTER_OUTAGE_MS) return;
    const live = await this.deps.store.liveInstances(this.deps.now(), this.#deadAfter());
    if (!live) return;
    live.add(this.#self);
    const dead = new Set<string>();
    for (const userId of this.hooks.profiles.keys()) {
      for (const sessionId of this.engine.sessionIds(userId)) {
        const owner = instanceOfSession(sessionId);
        if (owner === null || live.has(owner)) continue;
        dead.add(owner);
        this.#reaped.add(userId);
        this.#report(this.engine.closeSession(userId, sessionId));
      }
    }
    for (const id of dead) this.deps.log.warn({ instance: id }, 'instance stopped heartbeating; its sessions were ended');
  }

  /**
   * After an outage: re-save what this instance knows best (users with sockets here, and
   * changes made here that could not be saved), ask the other instances to reload those
   * users, then reload every replica here. Whichever instance recovers last, everyone ends
   * up with everyone's latest state.
   */
  async resync(): Promise<void> {
    if (!this.deps.store.shared) return;
    await this.#resync.run();
  }

  /** Whether replicas are in sync, or since when a resync after an outage is pending (for /readyz). */
  sync(): ReplicaSync {
    return this.#resync.sync();
  }

  /** One try; null when the run was cancelled meanwhile (nothing reloaded). */
  async #resyncOnce(run: ResyncRun): Promise<{ users: number; resaved: number } | null> {
    const { store, bus } = this.deps;
    await store.heartbeat(this.#self, this.deps.now());
    const ids = [...this.hooks.profiles.keys()];
    const mine = ids.filter((id) => this.#unsaved.has(id) || this.#changedWhileDown.has(id) || this.engine.sessionIds(id).some(this.#isMine));
    for (const id of mine) {
      await store.save(id, this.#self, this.#exportUser(id), this.#versionOf(id));
      this.#unsaved.delete(id);
    }
    // (Those released since were saved before: their next load reads it.)
    this.#changedWhileDown.clear();
    for (const userId of mine) bus.publishRemote(userTopic(userId), { kind: 'reload', userId } satisfies BusEvent);
    await new Promise((r) => setTimeout(r, RESYNC_SETTLE_MS).unref());
    if (run.cancelled) return null;
    // Sessions of instances that really died are ended by reap() once heartbeats are trustworthy again.
    const states = await store.load(ids, null);
    for (const id of ids) {
      // A user nobody re-saved has no session elsewhere: keep ours, drop the remote ones.
      const state = states.get(id) ?? { ...this.engine.exportUser(id), sessions: [], version: this.#versions.get(id) ?? null };
      this.#import(id, state);
    }
    return { users: ids.length, resaved: mine.length };
  }

  /** Reloads one replica from the shared store (another instance re-saved it). */
  async reload(userId: number): Promise<void> {
    if (!this.hooks.profiles.has(userId)) return;
    try {
      const state = (await this.deps.store.load([userId], null)).get(userId);
      if (state) this.#import(userId, state);
    } catch (err) {
      this.deps.log.warn({ err: this.#storeError(err), userId }, 'replica reload failed');
    }
  }

  #report(change: PresenceChange | null): void {
    if (change) this.hooks.changed(change);
  }
}

/**
 * A stored replica some of whose sockets belonged to an instance that died, and none left: the
 * replicas that held the user ended those sessions (reap) and wrote the last_seen to the
 * user's row, never to the store, so the later of the two is the user's last_seen, as those
 * replicas show it. With no such replica (nobody wrote the row) the user was still there when
 * their fields were last saved (a socket's open is saved), so last_seen is at least then.
 */
function orphanedLastSeen(state: StoredReplica, rowLastSeen: number | null): StoredReplica {
  if (!state.orphaned || state.sessions.length > 0) return state;
  const lastSeen = Math.max(state.lastSeen ?? -Infinity, rowLastSeen ?? -Infinity, state.version?.at ?? -Infinity);
  return lastSeen === -Infinity || lastSeen === state.lastSeen ? state : { ...state, lastSeen };
}
