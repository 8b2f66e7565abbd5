/**
 * <beacon-relative-time datetime="2024-01-15T14:30:00Z" prefix="last seen " precision="minute">
 * `precision="minute"`: the time is floored to the minute (what friends get), so it reads
 * "just now" while the truth could be under a minute ago, and its tooltip has no seconds.
 * Kept current by the page's one shared timer (lib/time-ticker.ts), against the server's clock
 * (lib/server-time.ts), as the server sent the time: the device's may be minutes off.
 */
import { formatExact, formatRelative, nextChangeIn, type TimePrecision } from '../lib/relative-time.js';
import { track, untrack } from '../lib/time-ticker.js';
import { isolated } from '../lib/dom.js';

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
      // Isolated for bidi (FSI … PDI), as a date is in the page's sentences.
      time.title = isolated(formatExact(date, undefined, this.#precision));
    }
    return now.getTime() + nextChangeIn(date, now, this.#precision);
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'beacon-relative-time': RelativeTimeElement;
  }
}
