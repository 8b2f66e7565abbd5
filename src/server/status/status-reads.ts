/**
 * The status reads of the REST API and of polling clients: a viewer's friends' views
 * (`GET /users/me/friends/status`) and one user's view (`GET /users/:id/status`). Both do the
 * same work whether a friend who hides her status from the reader is online here, lingering, or
 * not held at all, so that their time tells nothing the views do not (docs/protocol.md, privacy).
 */
import type { View } from '../../protocol/index.js';
import type { AuthContext } from '../auth/auth-service.js';
import { AppError } from '../errors.js';
import type { PresenceEngine } from '../presence/presence-engine.js';
import { subjectOf, tierOf, unseenView, view } from '../presence/privacy.js';
import type { ViewerTier } from '../presence/types.js';
import type { PresenceDeps } from './presence-deps.js';
import type { Profile } from './presence-repository.js';
import type { PresenceViews } from './presence-views.js';
import type { ReplicaLifecycle } from './replica-lifecycle.js';

export interface StatusReadsDeps {
  deps: Pick<PresenceDeps, 'store' | 'repo' | 'friendRepo' | 'users' | 'now'>;
  engine: PresenceEngine;
  /** The users replicated here. */
  profiles: ReadonlyMap<number, Profile>;
  lifecycle: Pick<ReplicaLifecycle, 'loadFriends' | 'readsRowFor' | 'withFriendsPinned' | 'ensureLoaded'>;
  views: Pick<PresenceViews, 'friendViews' | 'viewOf'>;
}

export class StatusReads {
  constructor(private readonly d: StatusReadsDeps) {}

  /** Friends' views for a viewer, sorted as the contract says. */
  async friendsStatus(viewer: AuthContext, onlineOnly: boolean): Promise<View[]> {
    const views = await this.#friendViews(viewer);
    return onlineOnly ? views.filter((v) => v.status !== 'offline') : views;
  }

  /**
   * The viewer's friends' views for a read. On a single instance it takes up no replica: a friend
   * held here is answered from the replica, any other from her row, as loading her would
   * (stateFromStore). The rows read are those ReplicaLifecycle.readsRowFor picks (as a connect's):
   * the friends not held and those held who hide their status from the viewer, so the read does
   * the same work whether such a friend is held or not: her open socket does not show in its
   * time. With a shared store (Redis) the friends not held are loaded, as another instance may
   * hold them and their rows may lag.
   */
  async #friendViews(viewer: AuthContext): Promise<View[]> {
    const { deps, engine, lifecycle, views } = this.d;
    const as = { id: viewer.userId, role: viewer.role };
    if (deps.store.shared) {
      await lifecycle.loadFriends(viewer, false);
      return views.friendViews(as);
    }
    const readsRow = lifecycle.readsRowFor(viewer);
    // Pinned until the views are made: a friend held when the rows were picked is still held then.
    return lifecycle.withFriendsPinned(viewer, async (friends) => {
      const read = friends.filter(readsRow);
      const rows = new Map((read.length > 0 ? await deps.repo.load(read) : []).map((r) => [r.profile.id, r]));
      return views.friendViews(as, (id) => {
        const row = rows.get(id);
        return row && subjectOf(row.profile, engine.stateFromStore(id, row.persisted));
      });
    });
  }

  /**
   * One user's view as the caller may see it; 404 when the database has no such user (a deleted
   * account may still be held in memory; a host's deleted user keeps a marked row). Anyone but
   * the user and admins is answered after one read of the user's row: a viewer who may not see
   * the status gets unseenView of it, and never touches the replica, so the work (and time) is
   * the same whether the user is online here, lingering, or not held at all.
   */
  async userStatus(viewer: AuthContext, subjectId: number): Promise<View> {
    const { deps, engine, profiles } = this.d;
    const category = subjectId === viewer.userId ? null : await deps.friendRepo.categoryGiven(subjectId, viewer.userId);
    const tier: ViewerTier = tierOf({ id: viewer.userId, role: viewer.role }, subjectId, category);
    if (tier === 'self' || tier === 'admin') {
      if ((await deps.users.deletedAmong([subjectId])).size > 0) throw new AppError('NOT_FOUND', 'No such user');
    } else {
      const [stored] = await deps.repo.load([subjectId]);
      // A host's deleted user keeps a row only to date the deletion: as one never seen, unless the
      // host has made them the viewer's friend again (a friend list naming a user makes them).
      if (!stored || (stored.deleted && category === null)) throw new AppError('NOT_FOUND', 'No such user');
      const unseen = unseenView(stored.profile, tier, deps.now());
      if (unseen) return unseen;
      // Held here: the live replica. Not held, on a single instance: the row is all there is of the
      // user (offline, or in a game a server declared), answered as loading them would, but
      // without loading: a replica load (a second read and a subscription) only for a user who
      // is not hidden would tell a friend in the audience a hidden user from one logged out.
      if (!profiles.has(subjectId) && !deps.store.shared) {
        return view(subjectOf(stored.profile, engine.stateFromStore(subjectId, stored.persisted)), tier, deps.now());
      }
    }
    await this.d.lifecycle.ensureLoaded([subjectId]);
    if (!profiles.has(subjectId)) throw new AppError('NOT_FOUND', 'No such user');
    return this.d.views.viewOf(subjectId, tier);
  }
}
