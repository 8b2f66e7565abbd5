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

function lastSeenMs(v: View): number {
  const t = v.last_seen === null ? Number.NaN : Date.parse(v.last_seen);
  return Number.isNaN(t) ? Number.NEGATIVE_INFINITY : t;
}

/**
 * Contract order: online, in_game, busy, away, then offline by `last_seen` descending
 * (never seen last); ties by username, case-insensitively, then id, so the order is stable.
 */
export function compareViews(a: View, b: View): number {
  const rank = RANK[a.status] - RANK[b.status];
  if (rank !== 0) return rank;
  if (a.status === 'offline') {
    const seen = lastSeenMs(b) - lastSeenMs(a);
    if (seen !== 0) return seen;
  }
  return byName.compare(a.username, b.username) || a.user_id - b.user_id;
}

/** A sorted copy, in contract order. */
export function sortViews(views: readonly View[]): View[] {
  return [...views].sort(compareViews);
}

/** How long ago, for viewers allowed only an approximate last seen. */
export type LastSeenBucket = 'recently' | 'within_week' | 'within_month' | 'long_ago';

const DAY_MS = 86_400_000;

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
    sameDetails(a.activity_details ?? null, b.activity_details ?? null)
  );
}

function sameDetails(a: Readonly<Record<string, unknown>> | null, b: Readonly<Record<string, unknown>> | null): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}
