/**
 * What a change to the friend graph means for the viewers connected here: a friend
 * added, removed, or seen differently after a category change. One path serves bus
 * events and the re-read after a bus outage.
 */
import { sameView, type FriendCategory, type View } from '../../protocol/index.js';
import type { SocialGraph } from '../ports/social-graph.js';
import type { ViewerTier } from '../presence/types.js';
import type { FriendGraph } from './friend-graph.js';
import type { PresenceEvent } from './presence-events.js';

export interface GraphViewsDeps {
  graph: FriendGraph;
  friendRepo: SocialGraph;
  viewOf(subjectId: number, tier: ViewerTier): View;
  ensureLoaded(ids: readonly number[]): Promise<void>;
  /** Whether the subject's replica is held here (its view can be made now). */
  loaded(subjectId: number): boolean;
  sink(e: PresenceEvent): void;
  /** The viewer and the subject became friends (true) or stopped being friends (false) in the cache. */
  friendship?(viewerId: number, subjectId: number, friends: boolean): void;
}

export class GraphViews {
  /** Per viewer, the database re-reads in flight (recheck, refresh): they run one after another. */
  readonly #rechecks = new Map<number, Promise<void>>();
  /** Per viewer, the refresh queued and not started yet: a later one joins it. */
  readonly #queuedRefreshes = new Map<number, Promise<void>>();
  /** Per viewer, the subjects of the re-read queued and not started yet: later ones join it. */
  readonly #queuedRechecks = new Map<number, { subjects: Set<number>; done: Promise<void> }>();
  /** Subjects to load for apply(), gathered until the next turn of the event loop and loaded together. */
  #toLoad: { ids: Set<number>; done: Promise<void> } | null = null;

  constructor(private readonly d: GraphViewsDeps) {}

  /**
   * Loads the subject with every other subject asked for until the event loop's next turn, in
   * one ensureLoaded: a friend list replaced in bulk sends one graph event per pair, each
   * delivered on its own (5,000 of them: one load each was ~15,000 statements).
   */
  #load(subjectId: number): Promise<void> {
    if (this.#toLoad) {
      this.#toLoad.ids.add(subjectId);
      return this.#toLoad.done;
    }
    const ids = new Set([subjectId]);
    const done = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      this.#toLoad = null;
      return this.d.ensureLoaded([...ids]);
    });
    this.#toLoad = { ids, done };
    return done;
  }

  /**
   * Two category changes of one pair made at once on two instances reach the instances in
   * different orders (each hears its own first), and carry no version. The database holds them
   * in commit order: after applying a category change, each instance re-reads the pair and
   * applies the database's answer if the cache differs. Re-reads of one viewer run in order, so
   * the last one sees at least what every change before it committed.
   */
  recheck(viewerId: number, subjectId: number): Promise<void> {
    if (!this.d.graph.has(viewerId)) return Promise.resolve();
    // A re-read queued and not started yet reads after this change too: it takes this subject.
    const queued = this.#queuedRechecks.get(viewerId);
    if (queued) {
      queued.subjects.add(subjectId);
      return queued.done;
    }
    const subjects = new Set([subjectId]);
    const next = this.#inOrder(viewerId, async () => {
      // The changes delivered in this turn of the event loop join (one read for many).
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.#queuedRechecks.delete(viewerId);
      const ids = [...subjects];
      // One subject: its pair; more: the viewer's whole list, in one read.
      const truth = ids.length === 1 ? new Map([[ids[0]!, await this.d.friendRepo.categoryGiven(ids[0]!, viewerId)]]) : await this.d.friendRepo.categoriesGivenTo(viewerId);
      for (const id of ids) {
        const held = truth.get(id) ?? null;
        if (this.d.graph.has(viewerId) && this.d.graph.category(viewerId, id) !== held) await this.apply(viewerId, id, held);
      }
    });
    this.#queuedRechecks.set(viewerId, { subjects, done: next });
    return next;
  }

  /** Runs `work` after the viewer's database re-reads in flight (recheck, refresh), as the viewer's latest. */
  #inOrder(viewerId: number, work: () => Promise<void>): Promise<void> {
    const next = (this.#rechecks.get(viewerId) ?? Promise.resolve()).catch(() => {}).then(work);
    this.#rechecks.set(viewerId, next);
    void next
      .finally(() => {
        if (this.#rechecks.get(viewerId) === next) this.#rechecks.delete(viewerId);
      })
      .catch(() => {});
    return next;
  }

  /**
   * Records that `subjectId` now gives `viewerId` this category (null: they are no longer
   * friends) and tells the viewer what changed for them. Only for viewers cached here.
   *
   * The graph changes at once, before any await: a change of the subject's presence, or a
   * removal, handled while the subject loads already meets the new tier (a demoted friend is
   * never sent what only the old tier saw; an unfriend right after a befriend is never undone
   * by the befriend finishing later). The frame goes out after the load, unless a later change
   * of the same pair superseded this one (that change sends its own).
   */
  async apply(viewerId: number, subjectId: number, category: FriendCategory | null): Promise<void> {
    const { graph, sink } = this.d;
    if (!graph.has(viewerId)) return;
    const wasFriend = graph.isFriend(viewerId, subjectId);
    if (category === null) {
      if (!wasFriend) return;
      graph.set(viewerId, subjectId, null);
      this.d.friendship?.(viewerId, subjectId, false);
      sink({ kind: 'friend_removed', viewerId, subjectId });
      return;
    }
    const loaded = this.d.loaded(subjectId);
    const before = wasFriend && loaded ? this.d.viewOf(subjectId, graph.tier(viewerId, subjectId)) : null;
    graph.set(viewerId, subjectId, category);
    if (!wasFriend) this.d.friendship?.(viewerId, subjectId, true);
    if (!loaded) await this.#load(subjectId);
    // Superseded while loading: removed, or given another category (whose change tells the viewer).
    if (!graph.isFriend(viewerId, subjectId) || graph.category(viewerId, subjectId) !== category) return;
    // The tier may have moved meanwhile with the role the viewer's sockets share (a socket opened
    // or closed), whose re-send skips friends not loaded yet: this one is told as the tier is now.
    const after = this.d.viewOf(subjectId, graph.tier(viewerId, subjectId));
    if (!wasFriend) sink({ kind: 'friend_added', viewerId, subjectId, view: after });
    else if (!before || !sameView(before, after)) sink({ kind: 'view_changed', viewerId, subjectId, view: after });
  }

  /**
   * Re-reads a viewer's friends from the database (changes may have been missed during a bus
   * outage). Refreshes of one viewer asked for while one waits join it (a friend list replaced
   * during an outage announces each change), and run after the viewer's re-reads in flight.
   */
  refresh(viewerId: number): Promise<void> {
    const queued = this.#queuedRefreshes.get(viewerId);
    if (queued) return queued;
    const next = this.#inOrder(viewerId, () => {
      this.#queuedRefreshes.delete(viewerId);
      return this.#refreshNow(viewerId);
    });
    this.#queuedRefreshes.set(viewerId, next);
    return next;
  }

  async #refreshNow(viewerId: number): Promise<void> {
    const given = await this.d.friendRepo.categoriesGivenTo(viewerId);
    // The friends not held here yet, loaded together (apply then finds them loaded).
    const missing = [...given.keys()].filter((id) => !this.d.loaded(id));
    if (missing.length > 0) await this.d.ensureLoaded(missing);
    for (const subjectId of this.d.graph.friendsOf(viewerId)) {
      if (!given.has(subjectId)) await this.apply(viewerId, subjectId, null);
    }
    for (const [subjectId, category] of given) await this.apply(viewerId, subjectId, category);
  }
}
