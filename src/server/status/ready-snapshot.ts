/**
 * The `ready` snapshot, written from each friend's view as JSON kept between connects.
 *
 * A connect used to make 50 views (privacy `view()`), sort them and serialise them all;
 * in a reconnect storm that was a fifth of the server's time. A friend's view for one
 * tier only changes when their presence state, profile, settings or hidden last_seen
 * change, or at midnight UTC (the approximate last-seen bucket), apart from `timestamp`,
 * which is when the view is made. So the JSON of each (friend, tier) is kept, split around
 * its timestamp, in a WeakMap keyed by the friend's presence state (a frozen snapshot the
 * engine replaces on every change: a replaced state takes its entry with it). Every other
 * input is compared by identity before use. The views still come from `view()` alone.
 */
import { compareSortKeys, sortKeyOf, type SortKey, type View } from '../../protocol/index.js';
import { TIER_INDEX, view } from '../presence/privacy.js';
import type { PresenceState, Subject, ViewerTier } from '../presence/types.js';

const DAY_MS = 86_400_000;
const TIMESTAMP = ',"timestamp":"';

/** One friend's view for one tier as JSON, without its timestamp, and its sort key. */
interface Part {
  /** The JSON object up to (not including) `,"timestamp":"…"`. */
  head: string;
  /** The rest after the timestamp's closing quote (`,"activity_details":…}`). */
  tail: string;
  sort: SortKey;
}

interface Slot {
  /** What the parts were made from, besides the presence state that keys the slot. */
  subject: { id: number; username: string; displayName: string; settings: object; hiddenLastSeen: number | null | undefined };
  day: number;
  parts: Array<Part | undefined>;
}

export class FriendJsonCache {
  readonly #slots = new WeakMap<PresenceState, Slot>();

  /** The friend's view for `tier` at `nowMs`, as a kept JSON part (made by view() when missing or stale). */
  part(subject: Subject, tier: ViewerTier, nowMs: number): Part {
    const day = Math.floor(nowMs / DAY_MS);
    let slot = this.#slots.get(subject.presence);
    const s = slot?.subject;
    if (
      !slot ||
      slot.day !== day ||
      s!.id !== subject.id ||
      s!.username !== subject.username ||
      s!.displayName !== subject.displayName ||
      s!.settings !== subject.settings ||
      s!.hiddenLastSeen !== subject.hiddenLastSeen
    ) {
      slot = {
        subject: { id: subject.id, username: subject.username, displayName: subject.displayName, settings: subject.settings, hiddenLastSeen: subject.hiddenLastSeen },
        day,
        parts: [],
      };
      this.#slots.set(subject.presence, slot);
    }
    return (slot.parts[TIER_INDEX[tier]] ??= split(view(subject, tier, nowMs)));
  }
}

function split(v: View): Part {
  const json = JSON.stringify(v);
  // Inside a JSON string every quote is escaped, so this unescaped sequence is the key itself.
  const at = json.indexOf(TIMESTAMP);
  const end = json.indexOf('"', at + TIMESTAMP.length);
  return { head: json.slice(0, at), tail: json.slice(end + 1), sort: sortKeyOf(v) };
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
    parts.sort((a, b) => compareSortKeys(a.sort, b.sort));
    const stamp = `${TIMESTAMP}${timestamp}"`;
    let friends = '';
    for (let i = 0; i < parts.length; i++) friends += `${i === 0 ? '' : ','}${parts[i]!.head}${stamp}${parts[i]!.tail}`;
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
