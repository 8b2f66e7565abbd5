/**
 * The one timer behind every time on the page that reads relative to now: "last seen 5 minutes
 * ago" (<beacon-relative-time>) and an activity's "12 min" (<beacon-elapsed-time>). Like
 * github/relative-time-element: every shown time registers here, and ONE timer sleeps until the
 * soonest moment any of their texts can change, then updates, in one batch, the ones whose text
 * may have changed. A tab brought back from the background (whose timers the browser throttled)
 * refreshes them all at once. Times are measured against the server's clock (lib/server-time.ts).
 */
import { serverNow } from './server-time.js';

/** A shown time: renders itself for `now` and returns the server ms from which its text may change (Infinity: never). */
export interface TickingTime {
  render(now: Date): number;
}

/**
 * Every tracked time and the server time (ms) from which its text may change. One joins or
 * changes in O(1): its own next change is computed once, and the timer is set sooner only when
 * that is sooner. Walking every one on each join made a list of n friends' "last seen" cost n²/2
 * date parses (1,000 friends: half a million; 5,000: a minute of frozen page).
 */
const live = new Map<TickingTime, number>();
let timer: ReturnType<typeof setTimeout> | null = null;
/** When the timer fires, in server ms; Infinity while none is set. */
let timerAt = Infinity;
/** The longest sleep, so a re-estimated server clock (lib/server-time.ts) is caught up with. */
const MAX_SLEEP = 60_000;

/** Sets the timer for `due` (server ms) unless it already fires by then. */
function wakeBy(due: number, now: number): void {
  const at = Math.min(due, now + MAX_SLEEP);
  if (timer !== null && timerAt <= at) return;
  if (timer !== null) clearTimeout(timer);
  timerAt = at;
  timer = setTimeout(() => tick(false), Math.max(0, at - now));
}

/** Re-renders the times whose text may have changed (`all`: every one), then sleeps until the soonest next change. */
function tick(all: boolean): void {
  if (timer !== null) clearTimeout(timer);
  timer = null;
  timerAt = Infinity;
  const now = serverNow();
  const ms = now.getTime();
  let soonest = Infinity;
  for (const [el, due] of live) {
    const next = all || due <= ms ? el.render(now) : due;
    if (next !== due) live.set(el, next);
    soonest = Math.min(soonest, next);
  }
  if (soonest !== Infinity) wakeBy(soonest, ms);
}

/** Renders `el` now and keeps it current until `untrack`. */
export function track(el: TickingTime): void {
  const now = serverNow();
  const due = el.render(now);
  live.set(el, due);
  if (due !== Infinity) wakeBy(due, now.getTime());
}

export function untrack(el: TickingTime): void {
  live.delete(el);
  if (live.size === 0 && timer !== null) {
    clearTimeout(timer);
    timer = null;
    timerAt = Infinity;
  }
}

/** Coming back to a background tab: timers were throttled, so refresh every time at once. */
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') tick(true);
});
