/**
 * Friend list filtering and announcements. Ordering is the SDK's (CONTRACT.md order:
 * online, in_game, busy, away, then offline by last_seen); filtering keeps it.
 */
import type { Status, View } from './label-types.js';
import { nameWithUsername } from './labels.js';

/** Friends to show: the given (already sorted) list, without offline ones when `onlineOnly`. */
export function visibleFriends(views: readonly View[], onlineOnly: boolean): View[] {
  return onlineOnly ? views.filter((v) => v.status !== 'offline') : [...views];
}

/** "3 of 5 online" style count of friends who are not offline. */
export function onlineCount(views: readonly View[]): number {
  return views.reduce((n, v) => n + (v.status === 'offline' ? 0 : 1), 0);
}

/**
 * Sentence for screen readers when a friend's status changes ("Bo (@bo) is now busy"), or null
 * when it did not: a change of activity alone (browsing → chatting) is no news worth
 * interrupting for, and "is now online" of a friend who already was would be false.
 * Names the friend with their @username: two friends may share a display name.
 */
export function announceChange(view: View, previous: View | undefined, labels: Record<Status, string>): string | null {
  if (previous && previous.status === view.status) return null;
  return `${nameWithUsername(view)} is now ${labels[view.status].toLowerCase()}`;
}
