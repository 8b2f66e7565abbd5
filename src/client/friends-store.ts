/**
 * The local copy of the friends' views: a full snapshot, then diffs (Phoenix Presence
 * style). Pure data; the client decides which events to emit from the changes returned.
 */
import type { FriendStatusChangeFrame, View } from '../protocol/index.js';
import { compareViews, sameView } from '../protocol/views.js';

export { compareViews, sortViews } from '../protocol/views.js';

/** One friend whose view changed; `previous` is undefined for a friend new to the list. */
export interface FriendChange {
  view: View;
  previous: View | undefined;
}

/** What a snapshot replacement changed. */
export interface SnapshotDiff {
  changed: FriendChange[];
  removed: number[];
}

/** Friends keyed by user id, with a cached sorted list. */
export class FriendsStore {
  readonly #byId = new Map<number, View>();
  #sorted: View[] | null = null;

  get size(): number {
    return this.#byId.size;
  }

  get(id: number): View | undefined {
    return this.#byId.get(id);
  }

  /** Sorted list; a fresh array each call so callers may keep or mutate it. */
  list(): View[] {
    this.#sorted ??= [...this.#byId.values()].sort(compareViews);
    return [...this.#sorted];
  }

  /**
   * Replaces everything with a full snapshot and reports what differs from before. A friend the
   * snapshot shows as before keeps the very object kept (only its `timestamp` would differ), so
   * that a list drawing by identity redraws only the changed after a poll or a reconnect.
   */
  replace(views: readonly View[]): SnapshotDiff {
    const next = new Map(views.map((v) => [v.user_id, v] as const));
    const removed = [...this.#byId.keys()].filter((id) => !next.has(id));
    const changed: FriendChange[] = [];
    for (const [id, view] of next) {
      const previous = this.#byId.get(id);
      if (previous && sameView(previous, view)) next.set(id, previous);
      else changed.push({ view, previous });
    }
    const reordered = changed.length > 0 || removed.length > 0;
    this.#byId.clear();
    for (const [id, v] of next) this.#byId.set(id, v);
    if (reordered) this.#sorted = null;
    return { changed, removed };
  }

  /** Adds or replaces one full view (`friend_added`). */
  upsert(view: View): FriendChange | null {
    const previous = this.#byId.get(view.user_id);
    if (previous && sameView(previous, view)) return null;
    this.#byId.set(view.user_id, view);
    this.#sorted = null;
    return { view, previous };
  }

  /**
   * Merges a `friend_status_change`, keeping username and display name unless it carries new
   * ones (a rename). A change for a
   * friend not in the list is dropped: it cannot be rendered without a name, and the
   * `friend_added` that must precede it (or the next snapshot) will bring the full view.
   */
  applyChange(frame: FriendStatusChangeFrame): FriendChange | null {
    const current = this.#byId.get(frame.friend_id);
    if (!current) return null;
    // Whether you may read their usual hours comes with every frame: one without it says you may not.
    const { pattern_shared: _shared, ...previous } = current;
    return this.upsert({
      ...previous,
      ...(frame.pattern_shared === true ? { pattern_shared: true } : {}),
      // Names come only with a rename.
      username: frame.username ?? previous.username,
      display_name: frame.display_name ?? previous.display_name,
      status: frame.status,
      activity: frame.activity,
      custom_message: frame.custom_message,
      // A calendar event's end comes with every frame whose message is one: a frame without it clears it.
      busy_until: frame.busy_until ?? null,
      busy_label: frame.busy_label ?? null,
      last_seen: frame.last_seen,
      // The approximate last seen comes with every frame that has one: a frame without it
      // clears it (a friend who stopped sharing it must not keep showing "recently").
      last_seen_approx: frame.last_seen_approx ?? null,
      // Rich presence: absent on servers without it, and then unknown rather than stale.
      activity_details: frame.activity_details ?? null,
      activity_since: frame.activity_since ?? null,
      timestamp: frame.timestamp,
    });
  }

  /** Removes one friend; false when it was not there. */
  remove(id: number): boolean {
    const had = this.#byId.delete(id);
    if (had) this.#sorted = null;
    return had;
  }

  clear(): void {
    this.#byId.clear();
    this.#sorted = null;
  }
}
