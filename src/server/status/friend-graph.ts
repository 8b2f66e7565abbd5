/**
 * In-memory cache of the friend graph: for each viewer seen here, the category each friend
 * GAVE them (which decides what they see of that friend). Filled on a viewer's first
 * connect or poll and kept current by graph events (this instance stays subscribed to every
 * user it has loaded), so reconnects cost no query.
 */
import type { FriendCategory, Role } from '../../protocol/index.js';
import type { FriendRepository } from '../friends/friend-repository.js';
import { tierOf } from '../presence/privacy.js';
import type { ViewerTier } from '../presence/types.js';

export class FriendGraph {
  #given = new Map<number, Map<number, FriendCategory>>();
  #roles = new Map<number, Role>();

  constructor(private readonly repo: FriendRepository) {}

  /** Loads a viewer's friends unless already cached. */
  async load(viewerId: number, role: Role): Promise<void> {
    this.#roles.set(viewerId, role);
    if (this.#given.has(viewerId)) return;
    const given = await this.repo.categoriesGivenTo(viewerId);
    if (!this.#given.has(viewerId)) this.#given.set(viewerId, given);
  }

  has(viewerId: number): boolean {
    return this.#given.has(viewerId);
  }

  /** The friends of a cached viewer. */
  friendsOf(viewerId: number): number[] {
    return [...(this.#given.get(viewerId)?.keys() ?? [])];
  }

  isFriend(viewerId: number, subjectId: number): boolean {
    return this.#given.get(viewerId)?.has(subjectId) ?? false;
  }

  /** The viewer's tier towards a subject, from the cache. */
  tier(viewerId: number, subjectId: number): ViewerTier {
    const role = this.#roles.get(viewerId) ?? 'user';
    return tierOf({ id: viewerId, role }, subjectId, this.#given.get(viewerId)?.get(subjectId) ?? null);
  }

  /** Records that `subjectId` gives `viewerId` this category (null: no longer friends). Only for cached viewers. */
  set(viewerId: number, subjectId: number, category: FriendCategory | null): void {
    const given = this.#given.get(viewerId);
    if (!given) return;
    if (category === null) given.delete(subjectId);
    else given.set(subjectId, category);
  }
}
