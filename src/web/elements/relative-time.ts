/**
 * <beacon-relative-time datetime="2024-01-15T14:30:00Z" prefix="last seen " precision="minute">
 * `precision="minute"`: the time is floored to the minute (what friends get), so it reads
 * "just now" while the truth could be under a minute ago, and its tooltip has no seconds.
 * Like github/relative-time-element: every instance registers with ONE shared timer,
 * which sleeps until the soonest moment any visible text can change, then updates, in one
 * batch, the instances whose text may have changed. Times are measured against the server's clock (lib/server-time.ts),
 * as the server sent them: the device's may be minutes off.
 */
import { formatExact, formatRelative, nextChangeIn, type TimePrecision } from '../lib/relative-time.js';
import { serverNow } from '../lib/server-time.js';

/**
 * Every connected instance and the server time (ms) from which its text may change. An instance
 * joins or changes in O(1): its own next change is computed once, and the timer is set sooner
 * only when that is sooner. Walking every instance on each join made a list of n friends' "last
 * seen" cost n²/2 date parses (1,000 friends: half a million; 5,000: a minute of frozen page).
 */
const live = new Map<RelativeTimeElement, number>();
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

/** Re-renders the instances whose text may have changed (`all`: every one), then sleeps until the soonest next change. */
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

/** Renders `el` now and keeps it current. */
function track(el: RelativeTimeElement): void {
  const now = serverNow();
  const due = el.render(now);
  live.set(el, due);
  if (due !== Infinity) wakeBy(due, now.getTime());
}

function untrack(el: RelativeTimeElement): void {
  live.delete(el);
  if (live.size === 0 && timer !== null) {
    clearTimeout(timer);
    timer = null;
    timerAt = Infinity;
  }
}

/** Coming back to a background tab: timers were throttled, so refresh at once. */
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') tick(true);
});

export class RelativeTimeElement extends HTMLElement {
  static observedAttributes = ['datetime', 'prefix', 'precision'];

  static define(tag = 'beacon-relative-time', registry = customElements): typeof RelativeTimeElement {
    if (!registry.get(tag)) registry.define(tag, this);
    return this;
  }

  #time: HTMLTimeElement | null = null;
  /** The attributes, read once when they change (not at every render). */
  #date: Date | null = null;
  #prefix = '';
  #precision: TimePrecision = 'exact';
  /** The date the <time>'s datetime and tooltip were written for (they change only with it). */
  #stamped: Date | null = null;

  /** The parsed `datetime` attribute, or null when missing or invalid. */
  get date(): Date | null {
    return this.#date;
  }

  /** `minute` when the `precision` attribute says so; else exact. */
  get precision(): TimePrecision {
    return this.#precision;
  }

  connectedCallback(): void {
    if (!this.#time) {
      this.#time = document.createElement('time');
      this.append(this.#time);
    }
    track(this);
  }

  disconnectedCallback(): void {
    untrack(this);
  }

  attributeChangedCallback(name: string, _old: string | null, value: string | null): void {
    if (name === 'datetime') {
      const d = value ? new Date(value) : null;
      this.#date = d && !Number.isNaN(d.getTime()) ? d : null;
    } else if (name === 'prefix') {
      this.#prefix = value ?? '';
    } else {
      this.#precision = value === 'minute' ? 'minute' : 'exact';
    }
    this.#stamped = null;
    if (this.isConnected) track(this);
  }

  /**
   * Re-renders the text for `now` (the server's time, the shared timer's) and returns the
   * server time from which it may change (Infinity: never, as there is no valid date).
   */
  render(now: Date): number {
    const time = this.#time;
    const date = this.#date;
    if (!time) return Infinity;
    if (!date) {
      time.textContent = '';
      return Infinity;
    }
    const text = `${this.#prefix}${formatRelative(date, now, undefined, this.#precision)}`;
    if (time.textContent !== text) time.textContent = text;
    if (this.#stamped !== date) {
      this.#stamped = date;
      time.dateTime = date.toISOString();
      time.title = formatExact(date, undefined, this.#precision);
    }
    return now.getTime() + nextChangeIn(date, now, this.#precision);
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'beacon-relative-time': RelativeTimeElement;
  }
}
