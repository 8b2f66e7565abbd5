/**
 * "As of 14:02": when the last answer from Beacon arrived, said wherever data that is not live is
 * shown (the drop-in elements' friend list note and rows and <beacon-status>'s last known status;
 * the web app's friend list note and own card). Hours and minutes in the page's locale (and the
 * seconds with `seconds`, as the web app says them), on the device's clock (the time the answer
 * arrived here); for an answer from an earlier day than `now`'s (a laptop woken the next morning)
 * the date too ("Sun, Dec 6, 11:50 PM"), and the year for one from an earlier year: a time alone
 * would pass yesterday's statuses off as today's.
 */
export function asOfTime(at: number, now: number = Date.now(), opts: { seconds?: boolean } = {}): string {
  const when = new Date(at);
  const today = new Date(now);
  const time: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit', ...(opts.seconds ? { second: '2-digit' as const } : {}) };
  if (when.toDateString() === today.toDateString()) return when.toLocaleTimeString([], time);
  const year = when.getFullYear() === today.getFullYear() ? {} : { year: 'numeric' as const };
  return when.toLocaleString([], { weekday: 'short', day: 'numeric', month: 'short', ...year, ...time });
}

/**
 * Calls `fn` once just after the device's next midnight, while armed: an "as of" said today by
 * its time alone needs its date from then on, even if nothing else happens (a page left open
 * overnight, still cut off). {@link arm} again re-arms; {@link disarm} cancels.
 */
export class NextDay {
  readonly #fn: () => void;
  #timer: ReturnType<typeof setTimeout> | null = null;

  constructor(fn: () => void) {
    this.#fn = fn;
  }

  arm(): void {
    this.disarm();
    const now = Date.now();
    const midnight = new Date(now);
    midnight.setHours(24, 0, 0, 0);
    // A second late: on the new day by any clock rounding.
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#fn();
    }, midnight.getTime() - now + 1_000);
  }

  disarm(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}

/** What is drawn again at the device's next midnight (eachMidnight), on one timer for them all. */
const atMidnight = new Set<() => void>();
const midnight = new NextDay(() => {
  for (const fn of [...atMidnight]) fn();
  if (atMidnight.size > 0) midnight.arm();
});

/**
 * Calls `fn` just after each of the device's midnights until the returned function is called:
 * for text that says a day relative to today (a calendar event's end, "until Tue 8:00 PM",
 * reads "until 8:00 PM" from that Tuesday on) and must change with the day even when nothing
 * else happens. One timer for every subscriber (a friend list of a thousand cards), armed
 * only while any are.
 */
export function eachMidnight(fn: () => void): () => void {
  atMidnight.add(fn);
  if (atMidnight.size === 1) midnight.arm();
  return () => {
    if (!atMidnight.delete(fn)) return;
    if (atMidnight.size === 0) midnight.disarm();
  };
}
