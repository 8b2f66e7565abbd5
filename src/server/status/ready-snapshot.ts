/**
 * The `ready` snapshot, written from each friend's view as JSON kept between connects.
 *
 * A connect used to make 50 views (privacy `view()`), sort them and serialise them all;
 * in a reconnect storm that was a fifth of the server's time. A friend's view for one
 * tier only changes when their presence state, profile, settings or hidden last_seen
 * change, or at midnight UTC (the approximate last-seen bucket), apart from `timestamp`,
 * which is when the view is made. So the JSON of each (friend, tier) is kept, without its
 * timestamp's value and with where that goes, in a WeakMap keyed by the friend's presence
 * state (a frozen snapshot the engine replaces on every change: a replaced state takes its
 * entry with it). Every other input is compared by identity before use. The views still come
 * from `view()` alone.
 */
import { compareSortKeys, sortKeyOf, type SortKey, type View } from '../../protocol/index.js';
import { TIER_INDEX, VIEWER_TIERS, subjectOf, view, type SubjectProfile } from '../presence/privacy.js';
import type { PresenceState, ViewerTier } from '../presence/types.js';

const DAY_MS = 86_400_000;
const TIMESTAMP = ',"timestamp":"';

/**
 * One friend's view for one tier: its JSON, where the timestamp's value goes in it, and (being
 * a SortKey itself) what the snapshot sorts on.
 */
export interface Part extends SortKey {
  /**
   * The view as JSON.stringify writes it, but for its timestamp's value (`"timestamp":""`): a
   * snapshot writes its own, and kept for every replicated friend it was 24 bytes each.
   */
  json: string;
  /** Where the timestamp's value goes in `json` (between its quotes). */
  at: number;
}

/**
 * What is kept of one presence state: what its parts were made from (compared by identity before
 * use), and the part of the first tier asked for, in the slot itself. Nearly every friend is seen
 * from one tier (plain friends), and RSS pays for every slot kept (one per replicated user): one
 * object each, instead of a slot, an array by tier and a part (~260 B more). The sort key's
 * `user_id` and `username` are the ones compared: the profile's own, not copies.
 */
interface Slot extends Part {
  displayName: string;
  settings: object;
  hiddenLastSeen: number | null | undefined;
  visibilityBeforeHidden: string | null | undefined;
  day: number;
  /** The TIER_INDEX of the part held in the slot. */
  tier: number;
  /** The parts of other tiers, by TIER_INDEX, once one is asked for (rare: a close friend's or an admin's view as well). */
  others: Array<Part | undefined> | null;
}

export class FriendJsonCache {
  readonly #slots = new WeakMap<PresenceState, Slot>();

  /**
   * The view for `tier` at `nowMs` of the friend with this profile and presence state, as a kept
   * JSON part (made by view() when missing or stale). Profiles change in place (a rename, a
   * settings change): their fields are compared, not the object.
   */
  part(profile: SubjectProfile, presence: PresenceState, tier: ViewerTier, nowMs: number): Part {
    const day = Math.floor(nowMs / DAY_MS);
    const t = TIER_INDEX[tier];
    const slot = this.#slots.get(presence);
    if (
      !slot ||
      slot.day !== day ||
      slot.user_id !== profile.id ||
      slot.username !== profile.username ||
      slot.displayName !== profile.displayName ||
      slot.settings !== profile.settings ||
      slot.hiddenLastSeen !== profile.hiddenLastSeen ||
      slot.visibilityBeforeHidden !== profile.visibilityBeforeHidden
    ) {
      const made = slotOf(profile, presence, t, day, nowMs);
      this.#slots.set(presence, made);
      return made;
    }
    if (slot.tier === t) return slot;
    const others = (slot.others ??= new Array<Part | undefined>(VIEWER_TIERS.length));
    return others[t] ?? (others[t] = partOf(view(subjectOf(profile, presence), tier, nowMs)));
  }
}

/** The view's JSON without its timestamp's value, and where that goes. */
function jsonOf(v: View): { json: string; at: number } {
  // Written with an empty value in the timestamp's place (the copy keeps the key order).
  const json = JSON.stringify({ ...v, timestamp: '' });
  // Inside a JSON string every quote is escaped, so this unescaped sequence is the key itself.
  return { json, at: json.indexOf(TIMESTAMP) + TIMESTAMP.length };
}

/** A new slot for the friend's presence state, holding her view for the tier at TIER_INDEX `t`. */
function slotOf(profile: SubjectProfile, presence: PresenceState, t: number, day: number, nowMs: number): Slot {
  const v = view(subjectOf(profile, presence), VIEWER_TIERS[t]!, nowMs);
  const { json, at } = jsonOf(v);
  const k = sortKeyOf(v);
  // Written out (not spread) so that every slot has one shape with its fields in the object.
  return {
    rank: k.rank,
    seen: k.seen,
    key: k.key,
    username: profile.username,
    user_id: profile.id,
    json,
    at,
    displayName: profile.displayName,
    settings: profile.settings,
    hiddenLastSeen: profile.hiddenLastSeen,
    visibilityBeforeHidden: profile.visibilityBeforeHidden,
    day,
    tier: t,
    others: null,
  };
}

function partOf(v: View): Part {
  const { json, at } = jsonOf(v);
  const k = sortKeyOf(v);
  return { rank: k.rank, seen: k.seen, key: k.key, username: k.username, user_id: k.user_id, json, at };
}

/** A socket's `ready` snapshot: its own view, and its friends' as JSON parts in contract order. */
export class ReadySnapshot {
  readonly #friends: string;
  readonly friendCount: number;

  constructor(
    readonly self: View,
    parts: Part[],
    timestamp: string,
  ) {
    parts.sort(compareSortKeys);
    let friends = '';
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      friends += `${i === 0 ? '' : ','}${p.json.slice(0, p.at)}${timestamp}${p.json.slice(p.at)}`;
    }
    this.#friends = friends;
    this.friendCount = parts.length;
  }

  /** The friends' views, as the frame carries them (tests and tools; the gateway sends `frame`). */
  get friends(): View[] {
    return JSON.parse(`[${this.#friends}]`) as View[];
  }

  /** The whole `ready` frame, as JSON.stringify would write `{type, session_id, heartbeat_interval_ms, self, friends}`. */
  frame(sessionId: string, heartbeatIntervalMs: number): string {
    return `{"type":"ready","session_id":${JSON.stringify(sessionId)},"heartbeat_interval_ms":${JSON.stringify(heartbeatIntervalMs)},"self":${JSON.stringify(this.self)},"friends":[${this.#friends}]}`;
  }
}
