/**
 * Social graph port: the friends of a user and what each friend lets them see. Beacon's own
 * friendships are the default adapter; an embedding host passes a function reading its own
 * table; sidecar mode stores the friendships the host pushes through the service API.
 *
 * Beacon caches what it read. When a friendship changes in the host, the host says so
 * (`app.beacon.friendshipChanged(a, b)` embedded, `PUT/DELETE /api/v1/service/friendships`
 * sidecar) and Beacon reads both sides again and updates the views of connected friends live.
 */
import type { FriendCategory } from '../../protocol/index.js';
import type { HostUserId } from './identity.js';

export interface HostFriend {
  id: HostUserId;
  /**
   * The category THIS FRIEND gives the user (close_friend | friend | acquaintance): it decides
   * what the user may see of the friend. A host with plain, symmetric friendships returns `friend`.
   */
  category: FriendCategory;
}

export interface SocialGraphPort {
  /** Every friend of the user, each once. Unknown users have no friends (an empty list, not a throw). */
  friendsOf(userId: HostUserId): Promise<HostFriend[]>;
}

/** Beacon's internal view of the graph (internal integer ids), which FriendGraph and the routes read. */
export interface SocialGraph {
  /** For a viewer: each friend's id and the category THAT FRIEND gave the viewer. */
  categoriesGivenTo(viewerId: number): Promise<Map<number, FriendCategory>>;
  /** The category `subjectId` gave `viewerId`, or null if they are not friends. */
  categoryGiven(subjectId: number, viewerId: number): Promise<FriendCategory | null>;
  /**
   * How long a list read from it may be held before it is read again: a graph whose changes
   * Beacon learns only when they are announced, and an announcement can be missed (withMaxAge).
   * Absent: held until a change is announced (one instance's own graph: it announces every one).
   */
  readonly maxAgeMs?: number;
}

/**
 * Beacon's own friendships, with their lists read again by age (BEACON_FRIEND_LIST_TTL_MS), where
 * a write's announcement can be lost after its commit: sidecar mode (its re-read failed, the
 * instance died, and the host's retry then finds nothing to change), and several standalone
 * instances on a shared bus (the instance that wrote it died before publishing it: the others
 * never hear of it). A single standalone instance announces every change it commits: its lists
 * are never read again by age.
 */
export function withMaxAge(friends: SocialGraph, maxAgeMs: number): SocialGraph {
  return { categoriesGivenTo: (viewerId) => friends.categoriesGivenTo(viewerId), categoryGiven: (subjectId, viewerId) => friends.categoryGiven(subjectId, viewerId), maxAgeMs };
}
