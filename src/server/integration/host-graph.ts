/**
 * A host's social graph and profiles ports seen with Beacon's integer ids: host ids are
 * mapped through the IdMap (friends never seen get their shadow row on first sight).
 */
import { FRIEND_CATEGORIES, type FriendCategory } from '../../protocol/index.js';
import { isHostId } from '../../protocol/integration.js';
import { AppError } from '../errors.js';
import { bounded, HOST_PORT_TIMEOUT_MS, PortTimeout } from './bounded-call.js';
import type { ProfilesPort } from '../ports/profiles.js';
import type { SocialGraph, SocialGraphPort } from '../ports/social-graph.js';
import { clipName, hostId, type IdMap } from './id-map.js';

/**
 * The host's `friendsOf` rejected or did not answer in time: not Beacon's fault nor the client's.
 * A REST read answers 503 with this message, a socket waiting for its `ready` closes 1011
 * `friend list unavailable` (the client reconnects with backoff); `cause` is the port's error.
 */
export class HostFriendsUnavailable extends AppError {
  constructor(
    readonly reason: string,
    options?: { cause: unknown },
  ) {
    super('SERVICE_UNAVAILABLE', "The site's friend list could not be read; try again shortly");
    if (options) this.cause = options.cause;
  }
}

/** How often at most the log says that a friend list gave friends no valid category. */
const UNCATEGORISED_SAID_EVERY_MS = 60_000;

export class HostSocialGraph implements SocialGraph {
  constructor(
    private readonly port: SocialGraphPort,
    private readonly ids: IdMap,
    /** BEACON_FRIEND_LIST_TTL_MS: a change the host forgets to announce is seen this long after at most. */
    readonly maxAgeMs: number,
    /**
     * `failed`: told each failed or timed-out `friendsOf` (the log's `friends port failed`), with
     * the host's id; `uncategorised`: told the friends a list gave no valid category, at most once
     * a minute on `now` (every list read, each connect and re-read, would say it again).
     */
    private readonly said: {
      failed?: (err: HostFriendsUnavailable, userId: string | number) => void;
      uncategorised?: (userId: string | number, friendIds: Array<string | number>) => void;
      now?: () => number;
    } = {},
    private readonly timeoutMs = HOST_PORT_TIMEOUT_MS,
  ) {}

  #uncategorisedSaidAt = -Infinity;

  /** The port's answer, or HostFriendsUnavailable once it rejects, throws or takes past `timeoutMs`. */
  async #friendsOf(userId: string | number): Promise<Awaited<ReturnType<SocialGraphPort['friendsOf']>>> {
    try {
      return await bounded(() => this.port.friendsOf(userId), this.timeoutMs, 'friendsOf');
    } catch (err) {
      const unavailable = err instanceof PortTimeout ? new HostFriendsUnavailable(err.message) : new HostFriendsUnavailable(`friendsOf failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      this.said.failed?.(unavailable, userId);
      throw unavailable;
    }
  }

  async categoriesGivenTo(viewerId: number): Promise<Map<number, FriendCategory>> {
    const external = (await this.ids.external([viewerId])).get(viewerId);
    if (external === undefined) return new Map();
    // A friend whose id no request could name (a control character, say) is left out, not made.
    const friends = (await this.#friendsOf(external)).filter((f) => isHostId(f.id));
    const internal = await this.ids.internal(friends.map((f) => f.id));
    const out = new Map<number, FriendCategory>();
    const uncategorised: Array<string | number> = [];
    for (const f of friends) {
      const id = internal.get(hostId(f.id));
      if (id === undefined || id === viewerId) continue;
      // A category the port left out or misspelt (a JavaScript host, a column read as it is) is
      // the least it could mean, said in the log: before, it showed the friend as a stranger on a
      // first read and as no friend at all after friendshipChanged, silently.
      const valid = (FRIEND_CATEGORIES as readonly unknown[]).includes(f.category);
      if (!valid) uncategorised.push(f.id);
      out.set(id, valid ? f.category : 'acquaintance');
    }
    if (uncategorised.length > 0 && this.said.uncategorised) {
      const now = (this.said.now ?? Date.now)();
      if (now - this.#uncategorisedSaidAt >= UNCATEGORISED_SAID_EVERY_MS) {
        this.#uncategorisedSaidAt = now;
        this.said.uncategorised(external, uncategorised);
      }
    }
    return out;
  }

  async categoryGiven(subjectId: number, viewerId: number): Promise<FriendCategory | null> {
    return (await this.categoriesGivenTo(viewerId)).get(subjectId) ?? null;
  }
}

/**
 * The names of a batch of users from the host's profiles port (one call per batch). A port that
 * throws, rejects or takes past `timeoutMs` (the host's database down or hung a moment) names nobody: the users keep the names
 * Beacon last knew (their stored row, as for ids the port leaves out), told to `failed`, rather
 * than every connect and request that loads a user failing with it (1011, 500).
 */
export function hostNames(port: ProfilesPort, ids: IdMap, failed: (err: unknown) => void = () => {}, timeoutMs = HOST_PORT_TIMEOUT_MS): (internal: readonly number[]) => Promise<Map<number, string>> {
  return async (internal) => {
    const external = await ids.external(internal);
    if (external.size === 0) return new Map();
    const back = new Map([...external].map(([i, e]) => [e, i]));
    const out = new Map<number, string>();
    let profiles: Awaited<ReturnType<ProfilesPort['profiles']>>;
    try {
      profiles = await bounded(() => port.profiles([...external.values()]), timeoutMs, 'profiles');
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
