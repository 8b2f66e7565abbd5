/** The friends-status order of CONTRACT.md: online, in_game, busy, away, then offline by last_seen desc. */
import type { Status, View } from '../../protocol/index.js';

const RANK: Record<Status, number> = { online: 0, in_game: 1, busy: 2, away: 3, offline: 4 };
/** One collator for every comparison: building one per call dominated ready snapshots in profiles. */
const byName = new Intl.Collator('en', { sensitivity: 'base' });

export function compareViews(a: View, b: View): number {
  const r = RANK[a.status] - RANK[b.status];
  if (r !== 0) return r;
  if (a.status === 'offline') {
    const la = a.last_seen ? Date.parse(a.last_seen) : -Infinity;
    const lb = b.last_seen ? Date.parse(b.last_seen) : -Infinity;
    if (la !== lb) return lb - la;
  }
  return byName.compare(a.username, b.username) || a.user_id - b.user_id;
}

export function sortViews(views: View[]): View[] {
  return views.sort(compareViews);
}
