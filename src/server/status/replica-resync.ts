/**
 * How this instance's replicas catch up after a bus outage (cluster mode): one try of the
 * resync (re-save what this instance knows best, have the others reload it, then reload every
 * replica here), run by resync-retry.ts until it succeeds; and the reload of one replica that
 * another instance re-saved. Part of Replicas (replicas.ts).
 */
import { instanceOfSession, type StoredReplica } from '../ports/presence-store.js';
import type { PresenceEngine } from '../presence/presence-engine.js';
import { userTopic, type BusEvent } from './presence-events.js';
import type { Profile } from './presence-repository.js';
import type { PresenceDeps } from './presence-deps.js';
import type { ReplicaSharing } from './replica-sharing.js';
import type { ReplicaVersions } from './replica-versions.js';
import { ResyncRetry, type ReplicaSync, type ResyncRun } from './resync-retry.js';

/** After a bus outage, how long to let every instance re-save its own sessions before reloading. */
const RESYNC_SETTLE_MS = 1000;

export interface ResyncParts {
  engine: PresenceEngine;
  /** The profiles of the users replicated here. */
  profiles: ReadonlyMap<number, Profile>;
  versions: ReplicaVersions;
  sharing: ReplicaSharing;
  /** Whether the session is one of this instance's sockets. */
  isMine(sessionId: string): boolean;
  /** What a failed store command says in the log. */
  storeError(err: unknown): string;
  /**
   * Resolves once the friend lists here are re-read after a bus outage: a state imported before
   * would be fanned out with lists the outage left stale (stale-friend-lists.ts).
   */
  friendListsRead(): Promise<void>;
}

export class ReplicaResync {
  /** The resync after a bus outage: its retries, and whether replicas may be stale meanwhile. */
  readonly #retry: ResyncRetry;

  constructor(
    private readonly deps: Pick<PresenceDeps, 'bus' | 'store' | 'now' | 'log'>,
    private readonly parts: ResyncParts,
  ) {
    this.#retry = new ResyncRetry((run) => this.#once(run), deps.log, deps.now, (err) => parts.storeError(err));
  }

  get #self(): string {
    return this.deps.bus.instanceId;
  }

  /** Resyncs until a try succeeds (Replicas.resync). */
  async run(): Promise<void> {
    if (!this.deps.store.shared) return;
    await this.#retry.run();
  }

  /** Whether replicas are in sync, or since when a resync after an outage is pending (for /readyz). */
  sync(): ReplicaSync {
    return this.#retry.sync();
  }

  /** The bus went down (`since`, by default now): replicas of other instances' users go stale until a resync succeeds. */
  busDown(since?: number): void {
    this.#retry.busDown(since);
  }

  /** The bus connected for the first time with nothing served before: nothing is stale (ResyncRetry.firstConnection). */
  firstConnection(): void {
    this.#retry.firstConnection();
  }

  /** The instance stops: a resync under way is abandoned. */
  stop(): void {
    this.#retry.stop();
  }

  /** One try; null when the run was cancelled meanwhile (nothing reloaded). */
  async #once(run: ResyncRun): Promise<{ users: number; resaved: number } | null> {
    const { store, bus } = this.deps;
    const { engine, sharing, versions } = this.parts;
    await store.heartbeat(this.#self);
    const ids = [...this.parts.profiles.keys()];
    // What this instance knows best: its users' sockets, what it owes, and the users it saw leave
    // last (no session left, and their latest change made here): a close of her last tab here,
    // saved but lost on its way to the others as the bus went down, is in no copy of a store that
    // came back empty, and the others would keep her session here, of a live instance, for good.
    const mine = ids.filter((id) => sharing.owes(id) || engine.hasSession(id, this.parts.isMine) || this.#sawLeaveLast(id));
    // First: a user deleted while the store was unreachable and made again since (a host's)
    // is re-saved below afresh, not dropped after it.
    await sharing.forgetOwed();
    for (const id of mine) await sharing.resave(id);
    // (Those released since were saved before: their next load reads it.)
    sharing.announcedChangesWhileDown();
    for (const userId of mine) bus.publishRemote(userTopic(userId), { kind: 'reload', userId } satisfies BusEvent);
    await new Promise((r) => setTimeout(r, RESYNC_SETTLE_MS).unref());
    await this.parts.friendListsRead();
    if (run.cancelled) return null;
    // Sessions of instances that really died are ended by reap() once heartbeats are trustworthy again.
    const states = await store.load(ids, null, { savedBy: true });
    for (const id of ids) {
      const stored = states.get(id);
      if (stored) {
        versions.importStored(id, stored, this.#keeps(stored));
        continue;
      }
      // A user nobody re-saved yet (a Redis restarted empty) with sessions elsewhere: their
      // instance may only be reconnecting later than this one (it then re-saves them and has this
      // replica reload), or have died meanwhile. Which it is, the heartbeat tells: reap() ends
      // them if it does not beat within the dead-instance window from Redis' return, as of the
      // moment this instance's bus went down (ClusterHeartbeat.busDown), the last moment it heard
      // of them. Ended here, a user of an instance merely late showed offline, then online again.
      if (engine.hasSession(id, (sessionId) => !this.parts.isMine(sessionId))) continue;
      versions.importStored(id, { ...engine.exportUser(id), sessions: [], version: versions.of(id) ?? null });
    }
    return { users: ids.length, resaved: mine.length };
  }

  /** Whether this replica of the user holds no session at all and this instance made her latest change (a replica loaded from a row has no version: not this one's to re-save). */
  #sawLeaveLast(userId: number): boolean {
    return this.parts.versions.of(userId)?.by === this.#self && this.parts.engine.liveSessionCount(userId) === 0;
  }

  /**
   * Which sessions of this replica a stored copy read at a resync or reload leaves as they are:
   * this instance's own, and those of every instance that saved nothing of the user into the copy
   * (`savedBy`; a Redis restarted empty, which that instance has not reconnected to and re-saved
   * the user in yet). Taken whole, the copy of the instance that re-saved first ended her
   * sessions there (her tab on a late instance): friends saw her leave while it was open, until
   * that instance re-saved her (it then has this replica reload, and its sessions are the copy's).
   * As with a user of no copy at all (#once), the heartbeat judges whether such an instance died:
   * reap() ends them if it does not beat within the dead-instance window from Redis' return.
   */
  #keeps(stored: StoredReplica): (sessionId: string) => boolean {
    const { savedBy } = stored;
    if (!savedBy) return this.parts.isMine;
    return (sessionId) => {
      if (this.parts.isMine(sessionId)) return true;
      const owner = instanceOfSession(sessionId);
      return owner !== null && !savedBy.includes(owner);
    };
  }

  /** Reloads one replica from the shared store (another instance re-saved it). */
  async reload(userId: number): Promise<void> {
    if (!this.parts.profiles.has(userId)) return;
    try {
      await this.parts.friendListsRead();
      const state = (await this.deps.store.load([userId], null, { savedBy: true })).get(userId);
      if (state) this.parts.versions.importStored(userId, state, this.#keeps(state));
    } catch (err) {
      this.deps.log.warn({ err: this.parts.storeError(err), userId }, 'replica reload failed');
    }
  }
}
