/**
 * <beacon-connection-state>: the SDK's connection state in words plus a shaped icon,
 * announced politely when it changes (never colour alone). It is the page's one live region
 * about the connection: while not live it also tells screen readers what that means
 * (CONNECTION_MEANS); the other notes about it (the friend list's stale mark, your own card)
 * are read where they are, not announced.
 */
import type { ConnectionLabel } from '../lib/label-types.js';
import { CONNECTION_LABEL, CONNECTION_MEANS, connectionLabel } from '../lib/labels.js';
import { h } from '../lib/dom.js';
import type { PresenceClient } from '../../client/presence-client.js';

const TONE: Record<ConnectionLabel, string> = {
  connected: 'border-green-500/50 text-green-200',
  connecting: 'border-sky-500/50 text-sky-200',
  reconnecting: 'border-amber-500/60 text-amber-200',
  catching_up: 'border-sky-500/50 text-sky-200',
  polling: 'border-amber-500/60 text-amber-200',
  offline: 'border-red-500/60 text-red-200',
};

/** Glyphs differ in shape, not just colour: solid, dotted ring, arrow, half disc, up-down, cross. */
const GLYPH: Record<ConnectionLabel, string> = {
  connected: '●',
  connecting: '◌',
  reconnecting: '↻',
  catching_up: '◐',
  polling: '⇅',
  offline: '✕',
};

export class ConnectionStateElement extends HTMLElement {
  static define(tag = 'beacon-connection-state', registry = customElements): typeof ConnectionStateElement {
    if (!registry.get(tag)) registry.define(tag, this);
    return this;
  }

  #off: (() => void) | null = null;
  #client: Pick<PresenceClient, 'on' | 'state' | 'catchingUp'> | null = null;
  #glyph = h('span', { 'aria-hidden': 'true', class: 'text-xs leading-none' });
  // Phones show the shaped glyph only; the words stay for screen readers and in the tooltip.
  #text = h('span', { 'data-part': 'label', class: 'max-sm:sr-only' });
  #means = h('span', { 'data-part': 'means', class: 'sr-only' });

  set client(client: Pick<PresenceClient, 'on' | 'state' | 'catchingUp'> | null) {
    this.#off?.();
    this.#off = null;
    this.#client = client;
    if (this.isConnected) this.#subscribe();
  }

  connectedCallback(): void {
    if (!this.firstChild) {
      this.setAttribute('role', 'status');
      this.append(h('span', { class: 'sr-only' }, 'Connection: '), this.#glyph, this.#text, this.#means);
    }
    this.#subscribe();
  }

  disconnectedCallback(): void {
    this.#off?.();
    this.#off = null;
  }

  #subscribe(): void {
    if (!this.#client || this.#off) return;
    // A `state` event also comes when catchingUp flips: read both then.
    const client = this.#client;
    this.#off = client.on('state', () => this.#render(connectionLabel(client)));
    this.#render(connectionLabel(client));
  }

  #render(state: ConnectionLabel): void {
    this.dataset.state = state;
    this.className = `inline-flex shrink-0 items-center gap-1.5 rounded-full border px-2 py-1 text-xs font-medium whitespace-nowrap ${TONE[state]}`;
    this.#glyph.textContent = GLYPH[state];
    this.#glyph.classList.toggle('beacon-spin', state === 'connecting' || state === 'reconnecting');
    this.#text.textContent = CONNECTION_LABEL[state];
    // "Offline. Beacon is unreachable…", "Reconnecting… Statuses…": a sentence of its own after the label.
    const means = CONNECTION_MEANS[state];
    this.#means.textContent = means ? `${CONNECTION_LABEL[state].endsWith('…') ? '' : '.'} ${means}` : '';
    this.title = {
      connected: 'Live: changes arrive as they happen.',
      connecting: 'Connecting to Beacon…',
      reconnecting: 'Connection lost; reconnecting. The list may be out of date.',
      catching_up: 'Connected; some updates were missed and are being read again. The list may be out of date until then.',
      polling: 'Live updates are unavailable; Beacon checks for changes every few seconds.',
      offline: 'Beacon is unreachable. The list may be out of date; it reconnects as soon as it can.',
    }[state];
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'beacon-connection-state': ConnectionStateElement;
  }
}
