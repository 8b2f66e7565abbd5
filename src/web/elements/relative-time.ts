/**
 * <beacon-relative-time datetime="2024-01-15T14:30:00Z" prefix="last seen " precision="minute">
 * `precision="minute"`: the time is floored to the minute (what friends get), so it reads
 * "just now" while the truth could be under a minute ago, and its tooltip has no seconds.
 * Like github/relative-time-element: every instance registers with ONE shared timer,
 * which sleeps until the soonest moment any visible text can change, then updates all
 * instances in one batch. Times are measured against the server's clock (lib/server-time.ts),
 * as the server sent them: the device's may be minutes off.
 */
import { formatExact, formatRelative, nextChangeIn, type TimePrecision } from '../lib/relative-time.js';
import { serverNow } from '../lib/server-time.js';

const live = new Set<RelativeTimeElement>();
let timer: ReturnType<typeof setTimeout> | null = null;

function schedule(): void {
  if (timer !== null) clearTimeout(timer);
  timer = null;
  if (live.size === 0) return;
  const now = serverNow();
  let wait = 60_000;
  for (const el of live) {
    const date = el.date;
    if (date) wait = Math.min(wait, nextChangeIn(date, now, el.precision));
  }
  timer = setTimeout(tick, wait);
}

function tick(): void {
  timer = null;
  for (const el of live) el.update();
  schedule();
}

/** Coming back to a background tab: timers were throttled, so refresh at once. */
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') tick();
});

export class RelativeTimeElement extends HTMLElement {
  static observedAttributes = ['datetime', 'prefix', 'precision'];

  static define(tag = 'beacon-relative-time', registry = customElements): typeof RelativeTimeElement {
    if (!registry.get(tag)) registry.define(tag, this);
    return this;
  }

  #time: HTMLTimeElement | null = null;

  /** The parsed `datetime` attribute, or null when missing or invalid. */
  get date(): Date | null {
    const raw = this.getAttribute('datetime');
    if (!raw) return null;
    const d = new Date(raw);
    return Number.isNaN(d.getTime()) ? null : d;
  }

  /** `minute` when the `precision` attribute says so; else exact. */
  get precision(): TimePrecision {
    return this.getAttribute('precision') === 'minute' ? 'minute' : 'exact';
  }

  connectedCallback(): void {
    if (!this.#time) {
      this.#time = document.createElement('time');
      this.append(this.#time);
    }
    live.add(this);
    this.update();
    schedule();
  }

  disconnectedCallback(): void {
    live.delete(this);
    if (live.size === 0) schedule();
  }

  attributeChangedCallback(): void {
    if (!this.isConnected) return;
    this.update();
    schedule();
  }

  /** Re-renders the text; called by the shared timer. */
  update(): void {
    const time = this.#time;
    const date = this.date;
    if (!time) return;
    if (!date) {
      time.textContent = '';
      return;
    }
    const text = `${this.getAttribute('prefix') ?? ''}${formatRelative(date, serverNow(), undefined, this.precision)}`;
    if (time.textContent !== text) time.textContent = text;
    time.dateTime = date.toISOString();
    time.title = formatExact(date, undefined, this.precision);
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'beacon-relative-time': RelativeTimeElement;
  }
}
