/**
 * A host's social graph and profiles ports seen with Beacon's integer ids: host ids are
 * mapped through the IdMap (friends never seen get their shadow row on first sight).
 */
import type { FriendCategory } from '../../protocol/index.js';
import { isHostId } from '../../protocol/integration.js';
import type { ProfilesPort } from '../ports/profiles.js';
import type { SocialGraph, SocialGraphPort } from '../ports/social-graph.js';
import { clipName, hostId, type IdMap } from './id-map.js';

export class HostSocialGraph implements SocialGraph {
  constructor(
    private readonly port: SocialGraphPort,
    private readonly ids: IdMap,
    /** BEACON_FRIEND_LIST_TTL_MS: a change the host forgets to announce is seen this long after at most. */
    readonly maxAgeMs: number,
  ) {}

  async categoriesGivenTo(viewerId: number): Promise<Map<number, FriendCategory>> {
    const external = (await this.ids.external([viewerId])).get(viewerId);
    if (external === undefined) return new Map();
    // A friend whose id no request could name (a control character, say) is left out, not made.
    const friends = (await this.port.friendsOf(external)).filter((f) => isHostId(f.id));
    const internal = await this.ids.internal(friends.map((f) => f.id));
    const out = new Map<number, FriendCategory>();
    for (const f of friends) {
      const id = internal.get(hostId(f.id));
      if (id !== undefined && id !== viewerId) out.set(id, f.category);
    }
    return out;
  }

  async categoryGiven(subjectId: number, viewerId: number): Promise<FriendCategory | null> {
    return (await this.categoriesGivenTo(viewerId)).get(subjectId) ?? null;
  }
}

/**
 * The names of a batch of users from the host's profiles port (one call per batch). A port that
 * throws or rejects (the host's database down a moment) names nobody: the users keep the names
 * Beacon last knew (their stored row, as for ids the port leaves out), told to `failed`, rather
 * than every connect and request that loads a user failing with it (1011, 500).
 */
export function hostNames(port: ProfilesPort, ids: IdMap, failed: (err: unknown) => void = () => {}): (internal: readonly number[]) => Promise<Map<number, string>> {
  return async (internal) => {
    const external = await ids.external(internal);
    if (external.size === 0) return new Map();
    const back = new Map([...external].map(([i, e]) => [e, i]));
    const out = new Map<number, string>();
    let profiles: Awaited<ReturnType<ProfilesPort['profiles']>>;
    try {
      profiles = await port.profiles([...external.values()]);
    } catch (err) {
      failed(err);
      return out;
    }
    for (const p of profiles) {
      // An id no host id may be (the port's bug) names nobody asked for: left out, not a throw for everyone.
      if (!isHostId(p.id)) continue;
      const id = back.get(hostId(p.id));
      if (id !== undefined) out.set(id, clipName(p.name));
    }
    return out;
  };
}
