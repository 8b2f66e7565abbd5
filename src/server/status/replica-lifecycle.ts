/**
 * When this instance takes up a user's replica and when it lets it go: loaded on demand (each
 * load or read keeps it the linger time, interest.ts), a viewer's friends loaded with their
 * friend list pinned meanwhile, released once no local viewer needs it and nothing is owed,
 * dropped at once when the user is deleted. The loading and sharing themselves are replicas.ts
 * (replica-loading.ts, replica-sharing.ts).
 */
import type { AuthContext } from '../auth/auth-service.js';
import type { HistoryRecorder } from '../history/history-recorder.js';
import type { PresenceEngine } from '../presence/presence-engine.js';
import { canSee } from '../presence/privacy.js';
import type { FriendGraph } from './friend-graph.js';
import type { Interest } from './interest.js';
import type { OwedNames } from './owed-names.js';
import type { Profile } from './presence-repository.js';
import type { PresenceWriter } from './presence-writer.js';
import type { Replicas } from './replicas.js';

export interface LifecycleDeps {
  engine: PresenceEngine;
  graph: FriendGraph;
  interest: Interest;
  replicas: Replicas;
  writer: PresenceWriter;
  names: OwedNames;
  /** Status history rows waiting to be written. */
  history: Pick<HistoryRecorder, 'forget'>;
  /** The profiles of the users replicated here. */
  profiles: ReadonlyMap<number, Profile>;
}

export class ReplicaLifecycle {
  constructor(private readonly d: LifecycleDeps) {}

  /** Loads these users' replicas unless held already; what is read stays at least the linger time. */
  ensureLoaded(ids: readonly number[]): Promise<void> {
    this.d.interest.touch(ids);
    return this.d.replicas.ensure(ids);
  }

  /** Loads a viewer's friend graph and their friends (and the viewer's own replica `withSelf`). */
  async loadFriends(viewer: AuthContext, withSelf: boolean): Promise<void> {
    await this.withFriends(viewer, async (friends) => {
      const ids = withSelf ? [viewer.userId, ...friends] : friends;
      this.d.interest.touch(ids);
      // The row of a friend whose status the viewer may not see is read whether she is held here or
      // not: the time of a connect must not tell whether she is (she is while her socket is open).
      await this.d.replicas.ensureFriends(ids, this.readsRowFor(viewer));
    });
  }

  /**
   * The one choice of which friends' rows a read of the viewer's friends reads (the friend list,
   * PresenceService.#friendViews; a connect, ReplicaLoading.ensureFriends): a friend not held here,
   * and one held here who hides her status from the viewer (privacy.ts canSee: hidden, or the
   * viewer outside her status audience, an acquaintance say), as the viewer's token sees her. Such
   * a friend's row is read either way, so the read's work does not tell whether she is held here
   * (she is while her socket is open). A held friend the viewer may see is answered from her
   * replica, her row unread. One closure per read, nothing per friend (a connect burst passes ~50
   * held friends each).
   */
  readsRowFor(viewer: AuthContext): (id: number) => boolean {
    const as = { id: viewer.userId, role: viewer.role };
    const { profiles, graph } = this.d;
    return (id) => {
      const held = profiles.get(id);
      return held === undefined || !canSee(held.settings.status_visibility, graph.tierAs(as, id));
    };
  }

  /** withFriends(), with the friends pinned too: none held when `work` begins is released before it ends. */
  withFriendsPinned<T>(viewer: AuthContext, work: (friends: readonly number[]) => Promise<T>): Promise<T> {
    return this.withFriends(viewer, (friends) => this.d.replicas.pinned(friends, () => work(friends)));
  }

  /**
   * Runs `work` on the viewer's friends, their friend list loaded and pinned from its load to the
   * end of `work`: nothing of it is released meanwhile. Takes up no friend's replica by itself.
   */
  withFriends<T>(viewer: AuthContext, work: (friends: readonly number[]) => Promise<T>): Promise<T> {
    return this.d.replicas.pinned([viewer.userId], async () => {
      await this.d.graph.load(viewer.userId, viewer.role);
      return work(this.d.graph.friendsOf(viewer.userId));
    });
  }

  /** Releases every replica no local viewer has needed for the linger time (see interest.ts). */
  releaseIdle(): void {
    this.d.interest.sweep((id) => this.#release(id));
  }

  /**
   * The user was deleted: this instance drops what it holds of them at once (replica, profile,
   * friend list, a row or status history waiting to be written), so nothing of theirs is
   * written onto a row that takes their id again (a host's user deleted and put back as a fresh
   * shadow row), no history write is refused for them, and game events skip them. Resolves
   * once the shared store holds nothing of them (Replicas.forgetDeleted).
   */
  forgetDeleted(userId: number): Promise<void> {
    this.d.writer.forget(userId);
    this.d.history.forget(userId);
    const dropped = this.d.replicas.forgetDeleted(userId);
    this.d.graph.forget(userId);
    this.d.names.forget(userId);
    return dropped;
  }

  /**
   * Drops the user's replica, profile, friend list and subscription, unless this instance
   * still owes the user something: a load in progress, a row or store save not yet written,
   * or — as the user's writer — a deadline of a session it ended (grace → offline, poll TTL).
   */
  #release(userId: number): boolean {
    const { replicas, graph } = this.d;
    if (!this.d.profiles.has(userId)) {
      // Never loaded (no such user) or a friend list alone (a poller's): forget it.
      if (!replicas.releasable(userId)) return false;
      graph.forget(userId);
      return true;
    }
    if (!replicas.releasable(userId)) return false;
    // Another instance writes this user: a mark left here is dropped at the next flush anyway.
    if (replicas.isWriter(userId) && (this.d.writer.isDirty(userId) || this.d.engine.get(userId).status !== 'offline')) return false;
    replicas.release(userId);
    graph.forget(userId);
    this.d.names.forget(userId);
    return true;
  }
}
