/**
 * Pure helpers on views, shared by the server and the browser so that both order and
 * compare friends the same way.
 */
import type { Status } from './enums.js';
import type { View } from './schemas.js';

/** The friends-status order of the contract: online, in_game, busy, away, then offline. */
const RANK: Readonly<Record<Status, number>> = { online: 0, in_game: 1, busy: 2, away: 3, offline: 4 };
/** One collator for every comparison: building one per call dominated ready snapshots in profiles. */
const byName = new Intl.Collator('en', { sensitivity: 'base' });

const DAY_MS = 86_400_000;

/** The whole UTC days before the view's own day that each bucket reaches back to (lastSeenBucket's bounds). */
const BUCKET_REACH: Readonly<Record<Exclude<LastSeenBucket, 'long_ago'>, number>> = { recently: 2, within_week: 6, within_month: 29 };

/**
 * When an offline view says its user was last seen, for ordering. An exact `last_seen` is
 * itself. An approximate one (`last_seen_approx`) is the earliest moment its bucket can mean,
 * counted from the view's own `timestamp` as the bucket was (whole UTC days), less half a
 * millisecond: "recently" sorts after every exact last seen of today and the two days before
 * and before any older one, as the cards read ("2 hours ago", "recently", "4 days ago"); "a long
 * time ago" after every exact one, and before never seen (-Infinity).
 */
function lastSeenMs(v: View): number {
  if (v.last_seen !== null) {
    const t = Date.parse(v.last_seen);
    return Number.isNaN(t) ? Number.NEGATIVE_INFINITY : t;
  }
  const bucket = v.last_seen_approx ?? null;
  if (bucket === null) return Number.NEGATIVE_INFINITY;
  const now = Date.parse(v.timestamp);
  if (bucket === 'long_ago' || Number.isNaN(now)) return -Number.MAX_VALUE;
  return (Math.floor(now / DAY_MS) - BUCKET_REACH[bucket]) * DAY_MS - 0.5;
}

/**
 * Contract order: online, in_game, busy, away, then offline by `last_seen` descending, an
 * approximate last seen at the earliest moment it can mean (lastSeenMs), never seen last; ties
 * by username, case-insensitively, then id, so the order is stable.
 */
export function compareViews(a: View, b: View): number {
  const rank = RANK[a.status] - RANK[b.status];
  if (rank !== 0) return rank;
  if (a.status === 'offline') {
    // Compared, not subtracted: two never seen (-Infinity each) are a tie, decided by name.
    const seenA = lastSeenMs(a);
    const seenB = lastSeenMs(b);
    if (seenA !== seenB) return seenB > seenA ? 1 : -1;
  }
  return byName.compare(a.username, b.username) || a.user_id - b.user_id;
}

/** A sorted copy, in contract order. */
export function sortViews(views: readonly View[]): View[] {
  return sortViewsInPlace([...views]);
}

/**
 * The collation key of a name made only of ASCII letters, digits and `_` (every Beacon
 * username), or null. For such names the collator's order (case-insensitive; `_` before
 * digits before letters) is the plain order of the lower-cased name with `_` written as a
 * space, so the key compares with `<` instead of the collator.
 */
export function asciiNameKey(name: string): string | null {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (!(c === 95 || (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122))) return null;
  }
  return name.toLowerCase().replaceAll('_', ' ');
}

/** What contract order looks at in a view, worked out once: see sortViewsInPlace. */
export interface SortKey {
  rank: number;
  /** Last seen (ms) of an offline view (an approximate one as lastSeenMs says); -Infinity if never; 0 when not offline. */
  seen: number;
  /** asciiNameKey of the username, or null (then the collator compares usernames). */
  key: string | null;
  username: string;
  user_id: number;
}

export function sortKeyOf(view: View): SortKey {
  return {
    rank: RANK[view.status],
    seen: view.status === 'offline' ? lastSeenMs(view) : 0,
    key: asciiNameKey(view.username),
    username: view.username,
    user_id: view.user_id,
  };
}

/** Contract order on sort keys: the same order as compareViews on the views they came from. */
export function compareSortKeys(a: SortKey, b: SortKey): number {
  if (a.rank !== b.rank) return a.rank - b.rank;
  if (a.seen !== b.seen) return b.seen > a.seen ? 1 : -1;
  let byKey: number;
  if (a.key !== null && b.key !== null) byKey = a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
  else byKey = byName.compare(a.username, b.username);
  return byKey || a.user_id - b.user_id;
}

/**
 * Sorts in contract order, in place: the same order as compareViews, with each view's rank,
 * last seen and name key worked out once instead of in every comparison (a `ready` snapshot
 * sorts 50 views: ~250 comparisons, each a collator call and two date parses).
 */
export function sortViewsInPlace(views: View[]): View[] {
  const keyed = views.map((view) => ({ view, sort: sortKeyOf(view) }));
  keyed.sort((a, b) => compareSortKeys(a.sort, b.sort));
  for (let i = 0; i < keyed.length; i++) views[i] = keyed[i]!.view;
  return views;
}

/** How long ago, for viewers allowed only an approximate last seen. */
export type LastSeenBucket = 'recently' | 'within_week' | 'within_month' | 'long_ago';

/**
 * The bucket of a last seen at `nowMs`: within 3 days, a week, a month, or longer. It is
 * counted in whole UTC days, so a bucket only ever changes at midnight UTC: watching it
 * flip tells the day, never the moment.
 */
export function lastSeenBucket(lastSeenMs: number, nowMs: number): LastSeenBucket {
  const days = Math.floor(nowMs / DAY_MS) - Math.floor(lastSeenMs / DAY_MS);
  if (days < 3) return 'recently';
  if (days < 7) return 'within_week';
  if (days < 30) return 'within_month';
  return 'long_ago';
}

/** Whether two views show the same thing. `timestamp` (when the view was made) is ignored. */
export function sameView(a: View, b: View): boolean {
  return (
    a.user_id === b.user_id &&
    a.username === b.username &&
    a.display_name === b.display_name &&
    a.status === b.status &&
    a.activity === b.activity &&
    a.custom_message === b.custom_message &&
    a.last_seen === b.last_seen &&
    (a.activity_since ?? null) === (b.activity_since ?? null) &&
    (a.last_seen_approx ?? null) === (b.last_seen_approx ?? null) &&
    (a.pattern_shared ?? false) === (b.pattern_shared ?? false) &&
    (a.busy_until ?? null) === (b.busy_until ?? null) &&
    (a.busy_label ?? null) === (b.busy_label ?? null) &&
    (a.custom_message_expires_at ?? null) === (b.custom_message_expires_at ?? null) &&
    (a.manual_status ?? null) === (b.manual_status ?? null) &&
    (a.hidden_last_seen ?? null) === (b.hidden_last_seen ?? null) &&
    (a.visibility_before_hidden ?? null) === (b.visibility_before_hidden ?? null) &&
    sameDetails(a.activity_details ?? null, b.activity_details ?? null)
  );
}

function sameDetails(a: Readonly<Record<string, unknown>> | null, b: Readonly<Record<string, unknown>> | null): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}
