/**
 * <beacon-elapsed-time since="2024-01-15T14:30:00Z">: how long an activity has run ("12 min",
 * lib/rich-presence.ts), with its start as the tooltip ("since 14:30"). With `show="since"` it
 * says the start itself in text instead ("since 14:30", the time in a <bdi>), where a tooltip
 * alone would leave it out of reach of keyboard and touch (your own card: it has no friend menu
 * to say it). Kept current by the page's one shared timer (lib/time-ticker.ts), like "last
 * seen": at the minute it changes, at midnight (when the start gains its date), and at once
 * when a background tab is brought back.
 */
import { elapsedChangeIn, elapsedSince, sinceTime, sinceTitle } from '../lib/rich-presence.js';
import { track, untrack } from '../lib/time-ticker.js';
import { bdi } from '../lib/dom.js';

export class ElapsedTimeElement extends HTMLElement {
  static observedAttributes = ['since', 'show'];

  static define(tag = 'beacon-elapsed-time', registry = customElements): typeof ElapsedTimeElement {
    if (!registry.get(tag)) registry.define(tag, this);
    return this;
  }

  /** The parsed `since` attribute, or null when missing or invalid. */
  #since: Date | null = null;
  /** `show="since"`: the start in text, not the time elapsed. */
  #showSince = false;

  connectedCallback(): void {
    track(this);
  }

  disconnectedCallback(): void {
    untrack(this);
  }

  attributeChangedCallback(name: string, _old: string | null, value: string | null): void {
    if (name === 'show') this.#showSince = value === 'since';
    else {
      const d = value ? new Date(value) : null;
      this.#since = d && !Number.isNaN(d.getTime()) ? d : null;
    }
    if (this.isConnected) track(this);
  }

  /** Renders for `now` (the server's time) and returns the server time from which it may change. */
  render(now: Date): number {
    const since = this.#since;
    if (!since) {
      this.textContent = '';
      return Infinity;
    }
    if (this.#showSince) {
      const time = sinceTime(since, now);
      if (this.textContent !== `since ${time}`) this.replaceChildren('since ', bdi(time));
      if (this.hasAttribute('title')) this.removeAttribute('title');
    } else {
      const text = elapsedSince(since, now);
      if (this.textContent !== text) this.textContent = text;
      const title = sinceTitle(since, now);
      if (this.title !== title) this.title = title;
    }
    return now.getTime() + elapsedChangeIn(since, now);
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'beacon-elapsed-time': ElapsedTimeElement;
  }
}
