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
  sink(e: PresenceEvent): void;
  /** The viewer and the subject became friends (true) or stopped being friends (false) in the cache. */
  friendship?(viewerId: number, subjectId: number, friends: boolean): void;
}

export class GraphViews {
  constructor(private readonly d: GraphViewsDeps) {}

  /**
   * Records that `subjectId` now gives `viewerId` this category (null: they are no longer
   * friends) and tells the viewer what changed for them. Only for viewers cached here.
   */
  async apply(viewerId: number, subjectId: number, category: FriendCategory | null): Promise<void> {
    const { graph, sink } = this.d;
    if (!graph.has(viewerId)) return;
    if (category === null) {
      if (!graph.isFriend(viewerId, subjectId)) return;
      graph.set(viewerId, subjectId, null);
      this.d.friendship?.(viewerId, subjectId, false);
      sink({ kind: 'friend_removed', viewerId, subjectId });
      return;
    }
    await this.d.ensureLoaded([subjectId]);
    const before = graph.isFriend(viewerId, subjectId) ? this.d.viewOf(subjectId, graph.tier(viewerId, subjectId)) : null;
    graph.set(viewerId, subjectId, category);
    if (!before) this.d.friendship?.(viewerId, subjectId, true);
    const after = this.d.viewOf(subjectId, graph.tier(viewerId, subjectId));
    if (!before) sink({ kind: 'friend_added', viewerId, subjectId, view: after });
    else if (!sameView(before, after)) sink({ kind: 'view_changed', viewerId, subjectId, view: after });
  }

  /** Re-reads a viewer's friends from the database (changes may have been missed during a bus outage). */
  async refresh(viewerId: number): Promise<void> {
    const given = await this.d.friendRepo.categoriesGivenTo(viewerId);
    for (const subjectId of this.d.graph.friendsOf(viewerId)) {
      if (!given.has(subjectId)) await this.apply(viewerId, subjectId, null);
    }
    for (const [subjectId, category] of given) await this.apply(viewerId, subjectId, category);
  }
}
