/**
 * How this instance shares what changed here with the other instances: each change saved to
 * the shared store, then published on the user's topic, a user's shares completing in order;
 * a merged state saved again after a late input (the others reload it); what could not be
 * saved, or was changed while the bus was down, kept for the resync (replica-resync.ts); and
 * a clean stop letting the shares in flight finish, and saving again until its deadline what
 * the store did not take. Part of Replicas (replicas.ts).
 */
import type { SharedState } from '../ports/presence-store.js';
import type { PresenceEngine } from '../presence/presence-engine.js';
import { userTopic, type BusEvent, type PresenceInput } from './presence-events.js';
import type { Profile } from './presence-repository.js';
import type { PresenceDeps } from './presence-deps.js';
import type { ReplicaVersions } from './replica-versions.js';

export interface SharingParts {
  engine: PresenceEngine;
  /** The profiles of the users replicated here. */
  profiles: ReadonlyMap<number, Profile>;
  versions: ReplicaVersions;
  /** Whether the user's replica is loading (ReplicaLoading.isLoading). */
  isLoading(userId: number): boolean;
  /** What a failed store command says in the log. */
  storeError(err: unknown): string;
}

/** At a stop, the first pause between tries to save what the store did not take, doubling up to the second. */
const DRAIN_PAUSE_MS = 100;
const DRAIN_PAUSE_MAX_MS = 1000;

/** `work`, or undefined once `deadline` (Date.now() ms) passed; the bound's timer goes with it (it must not hold the process). */
async function untilDeadline<T>(work: Promise<T>, deadline: number): Promise<T | undefined> {
  let bound: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([work, new Promise<undefined>((r) => (bound = setTimeout(() => r(undefined), Math.max(0, deadline - Date.now()))))]);
  } finally {
    clearTimeout(bound);
  }
}

export class ReplicaSharing {
  #lastSaveError = 0;
  /** A clean stop is draining (drain). */
  #stopping = false;
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
  /** Users whose merged state is being re-saved after an input arrived late (coalesced). */
  readonly #resaving = new Set<number>();
  /** Deleted users the shared store still holds (it could not be reached): dropped at the resync. */
  readonly #unforgotten = new Set<number>();
  /** Per user, the latest share (save, then publish) in flight: a user's shares complete in order. */
  readonly #lastShare = new Map<number, Promise<void>>();

  constructor(
    private readonly deps: Pick<PresenceDeps, 'bus' | 'store' | 'log'>,
    private readonly parts: SharingParts,
  ) {}

  get #self(): string {
    return this.deps.bus.instanceId;
  }

  /**
   * A local input changed the user: gives the change a new version, saves the user's state to
   * the shared store, then publishes the input (with its version) to the other instances.
   */
  share(userId: number, input: PresenceInput, leaves: boolean): void {
    const topic = userTopic(userId);
    if (!this.deps.store.shared) {
      // One instance: nobody to order changes with, so no version is kept per user.
      this.deps.bus.publishRemote(topic, { kind: 'input', userId, input } satisfies BusEvent);
      return;
    }
    const version = this.parts.versions.changedHere(userId, input, leaves);
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
   * At a clean stop: lets the shares in flight finish, then saves again, until `deadline`
   * (Date.now() ms), the users whose state the store did not take (it refused or did not answer),
   * each saved then announced (`reload`) to the other instances. Answers how many users' changes
   * the store still lacks (an unanswered save counts as not taken).
   */
  async drain(deadline: number): Promise<number> {
    // A save failing from now on is counted in the answer (said once, by Replicas.stop), not
    // logged: one abandoned at the deadline fails only when the stop closes the store, after its last line.
    this.#stopping = true;
    for (let pause = DRAIN_PAUSE_MS; ; pause = Math.min(2 * pause, DRAIN_PAUSE_MAX_MS)) {
      await this.#sharesDone(deadline);
      if (this.#unsaved.size === 0 || Date.now() >= deadline) break;
      for (const userId of [...this.#unsaved]) {
        const saved = await untilDeadline(this.resave(userId).then(() => true, () => false), deadline);
        if (!saved) break; // the store is still out of reach: wait, then try again
        this.deps.bus.publishRemote(userTopic(userId), { kind: 'reload', userId } satisfies BusEvent);
      }
      if (this.#unsaved.size > 0) await new Promise((r) => setTimeout(r, Math.max(0, Math.min(pause, deadline - Date.now()))));
    }
    return new Set([...this.#unsaved, ...this.#lastShare.keys()]).size;
  }

  /**
   * Until `deadline`, waits for every share in flight, those begun while it waits too: a socket
   * whose close reaches the stop late (after the drain began) shares its leave then. Waiting
   * only for the shares of the moment counted such a user as unsaved (the stop failed with
   * IncompleteStop, "n users' changes were not saved") while the save was a millisecond away.
   */
  async #sharesDone(deadline: number): Promise<void> {
    while (this.#sharing.size > 0 && Date.now() < deadline) await untilDeadline(Promise.all(this.#sharing), deadline);
  }

  /**
   * The user was deleted (their replica is gone: nothing of theirs is saved again): once the
   * shares of them in flight are done, drops what the shared store holds of them. Every instance
   * that held them does so after its own last save, so the last one leaves nothing behind.
   * Where the store cannot be reached, it is dropped once it can (`forgetOwed`, after a heartbeat
   * or at the resync), and always before a save of a user who took the id since.
   */
  async forget(userId: number): Promise<void> {
    this.#unsaved.delete(userId);
    this.#changedWhileDown.delete(userId);
    if (!this.deps.store.shared) return;
    await this.#lastShare.get(userId);
    this.#unforgotten.add(userId);
    await this.forgetOwed();
  }

  /** Drops from the store the deleted users it could not drop before (a failure is logged, and tried again after the next heartbeat the store takes, or the resync). */
  async forgetOwed(): Promise<void> {
    for (const userId of [...this.#unforgotten]) {
      try {
        await this.#forgetNow(userId);
      } catch (err) {
        this.deps.log.warn({ err: this.parts.storeError(err), userId }, 'shared presence store unreachable; a deleted user is dropped from it once it answers');
        return;
      }
    }
  }

  async #forgetNow(userId: number): Promise<void> {
    await this.deps.store.forget(userId);
    this.#unforgotten.delete(userId);
  }

  /** Once the late input is applied (the caller does so at once), saves the merged state under a new version and asks for reloads. */
  resaveLater(userId: number): void {
    if (this.#resaving.has(userId)) return;
    this.#resaving.add(userId);
    queueMicrotask(() => {
      this.#resaving.delete(userId);
      if (!this.parts.profiles.has(userId)) return;
      this.parts.versions.next(userId);
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

  async #save(userId: number): Promise<void> {
    // A replica still loading would save an empty state over the real one.
    if (!this.parts.profiles.has(userId) || this.parts.isLoading(userId)) return;
    try {
      // The id's deleted user, not yet dropped from the store (a host's user made again): dropped first.
      if (this.#unforgotten.has(userId)) await this.#forgetNow(userId);
      await this.deps.store.save(userId, this.#self, this.#exportUser(userId), this.parts.versions.versionOf(userId));
      this.#unsaved.delete(userId);
    } catch (err) {
      this.#unsaved.add(userId);
      if (!this.#stopping && Date.now() - this.#lastSaveError > 10_000) {
        this.#lastSaveError = Date.now();
        this.deps.log.warn({ err: this.parts.storeError(err) }, 'shared presence store unreachable; will resync');
      }
    }
  }

  /** The user's state as saved for other instances: the replica and its fields' versions. */
  #exportUser(userId: number): SharedState {
    // Always present (empty: no field set yet), so a reader tells this copy from one saved before field versions.
    return { ...this.parts.engine.exportUser(userId), fieldVersions: this.parts.versions.fields(userId) ?? {} };
  }

  /** Whether the user's state waits to be saved to the store (it could not be: store unreachable). */
  isUnsaved(userId: number): boolean {
    return this.#unsaved.has(userId);
  }

  /** Whether some user's change waits for the resync: not saved, made while the bus was down, or a deleted user not yet dropped from the store. */
  owesAny(): boolean {
    return this.#unsaved.size > 0 || this.#changedWhileDown.size > 0 || this.#unforgotten.size > 0;
  }

  /** Whether the user's change waits for the resync: not saved, or made while the bus was down. */
  owes(userId: number): boolean {
    return this.#unsaved.has(userId) || this.#changedWhileDown.has(userId);
  }

  /** The resync saves the user's state now (a failure fails the resync's try). */
  async resave(userId: number): Promise<void> {
    if (this.#unforgotten.has(userId)) await this.#forgetNow(userId);
    await this.deps.store.save(userId, this.#self, this.#exportUser(userId), this.parts.versions.versionOf(userId));
    this.#unsaved.delete(userId);
  }

  /** The resync announced every change made while the bus was down (those released since were saved before). */
  announcedChangesWhileDown(): void {
    this.#changedWhileDown.clear();
  }
}
