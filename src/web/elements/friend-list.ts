/**
 * <beacon-friend-list>: the live friend list. Give it a `source` (the PresenceClient);
 * it renders the SDK's sorted friends, filters to online ones on demand, animates and
 * announces (aria-live) each real-time change, and shows loading/empty/error states.
 */
import type { View } from '../lib/label-types.js';
import { STATUS_SHORT } from '../lib/labels.js';
import { announceChange, onlineCount, visibleFriends } from '../lib/status-order.js';
import { h } from '../lib/dom.js';
import { readPref, writePref } from '../lib/session.js';
import type { FriendCardElement } from './friend-card.js';
import type { ConnectionState, PresenceClient } from '../../client/presence-client.js';

/** The part of the SDK the list needs; the real PresenceClient satisfies it. */
export type FriendSource = Pick<PresenceClient, 'friends' | 'on' | 'start' | 'stop' | 'state' | 'self'>;

/** After this long without a first snapshot, say so (the SDK keeps retrying meanwhile). */
const SLOW_MS = 10_000;

export class FriendListElement extends HTMLElement {
  static define(tag = 'beacon-friend-list', registry = customElements): typeof FriendListElement {
    if (!registry.get(tag)) registry.define(tag, this);
    return this;
  }

  #source: FriendSource | null = null;
  #off: Array<() => void> = [];
  #views: View[] = [];
  #loaded = false;
  #failed = false;
  #slowTimer: ReturnType<typeof setTimeout> | undefined;
  #onlineOnly = readPref('onlineOnly') === '1';
  #cards = new Map<number, FriendCardElement>();
  #list = h('ul', { class: 'grid gap-2', 'aria-label': 'Friends' });
  #live = h('p', { class: 'sr-only', 'aria-live': 'polite', role: 'status' });
  #body = h('div', { class: 'mt-4' });
  #count = h('p', { class: 'text-sm text-slate-400', 'data-part': 'count' });
  #toggle = h(
    'button',
    {
      type: 'button',
      class:
        'inline-flex items-center gap-2 rounded-full border border-slate-600 px-3 py-1.5 text-sm text-slate-200 hover:bg-slate-700 aria-pressed:border-green-500 aria-pressed:bg-green-500/15 aria-pressed:text-green-200',
      'aria-pressed': 'false',
    },
    'Online only',
  );

  set source(source: FriendSource | null) {
    this.#unsubscribe();
    this.#source = source;
    if (this.isConnected) this.#subscribe();
  }

  get source(): FriendSource | null {
    return this.#source;
  }

  connectedCallback(): void {
    if (!this.firstChild) this.#build();
    this.#subscribe();
  }

  disconnectedCallback(): void {
    this.#unsubscribe();
  }

  #build(): void {
    this.#toggle.addEventListener('click', () => {
      this.#onlineOnly = !this.#onlineOnly;
      writePref('onlineOnly', this.#onlineOnly ? '1' : null);
      this.#render();
    });
    const header = h(
      'div',
      { class: 'flex flex-wrap items-center justify-between gap-3' },
      h('div', {}, h('h1', { class: 'text-xl font-bold text-white' }, 'Friends'), this.#count),
      this.#toggle,
    );
    this.append(header, this.#live, this.#body);
    this.#render();
  }

  #subscribe(): void {
    const src = this.#source;
    if (!src || this.#off.length > 0) return;
    const current = src.friends();
    // `self` is set with the first snapshot: before it, an empty list means "not loaded yet".
    if (current.length > 0 || src.self !== null) this.#loaded = true;
    this.#armSlowTimer();
    this.#views = current;
    this.#off.push(
      src.on('ready', ({ friends }) => this.#setViews(friends)),
      src.on('friends', (views) => this.#setViews(views)),
      src.on('friend', ({ view, previous }) => this.#changed(view, previous)),
      src.on('state', (state) => this.#stateChanged(state)),
    );
    this.#render();
  }

  #armSlowTimer(): void {
    clearTimeout(this.#slowTimer);
    if (this.#loaded) return;
    this.#slowTimer = setTimeout(() => {
      if (this.#loaded) return;
      this.#failed = true;
      this.#render();
    }, SLOW_MS);
  }

  #unsubscribe(): void {
    clearTimeout(this.#slowTimer);
    for (const off of this.#off) off();
    this.#off = [];
  }

  #setViews(views: View[]): void {
    this.#loaded = true;
    this.#failed = false;
    this.#views = views;
    this.#render();
  }

  #changed(view: View, previous: View | undefined): void {
    const text = announceChange(view, previous, STATUS_SHORT);
    if (!text) return;
    this.#live.textContent = text;
    // The 'friends' event may come before or after this one; flash once the card exists.
    queueMicrotask(() => this.#cards.get(view.user_id)?.flash());
  }

  #stateChanged(state: ConnectionState): void {
    // Data arrives with 'ready'/'friends'; a state alone only decides the error state.
    if (state === 'offline' && !this.#loaded) {
      this.#failed = true;
      this.#render();
    }
  }

  #render(): void {
    this.#toggle.setAttribute('aria-pressed', String(this.#onlineOnly));
    const online = onlineCount(this.#views);
    this.#count.textContent = this.#loaded
      ? `${online} of ${this.#views.length} online`
      : 'Loading…';
    if (this.#failed) return this.#show(this.#errorState());
    if (!this.#loaded) return this.#show(this.#loadingState());
    if (this.#views.length === 0) return this.#show(this.#emptyState());
    const shown = visibleFriends(this.#views, this.#onlineOnly);
    if (shown.length === 0) {
      return this.#show(h('p', { class: 'beacon-empty', 'data-state': 'empty' }, 'None of your friends are online right now.'));
    }
    const seen = new Set<number>();
    const items = shown.map((view) => {
      seen.add(view.user_id);
      let card = this.#cards.get(view.user_id);
      if (!card) {
        card = document.createElement('beacon-friend-card');
        this.#cards.set(view.user_id, card);
      }
      card.view = view;
      return card;
    });
    for (const id of this.#cards.keys()) if (!seen.has(id)) this.#cards.delete(id);
    // Move only the rows whose position changed, so running animations are not restarted.
    items.forEach((card, i) => {
      const li = card.parentElement?.tagName === 'LI' ? card.parentElement : h('li', {}, card);
      const at = this.#list.children[i];
      if (at !== li) this.#list.insertBefore(li, at ?? null);
    });
    while (this.#list.children.length > items.length) this.#list.lastElementChild?.remove();
    this.#show(this.#list);
  }

  #show(node: Node): void {
    if (this.#body.firstChild !== node || this.#body.childNodes.length !== 1) this.#body.replaceChildren(node);
  }

  #loadingState(): HTMLElement {
    const skeleton = (): HTMLElement =>
      h('li', { class: 'h-20 animate-pulse rounded-xl bg-slate-800/70 motion-reduce:animate-none' });
    return h('ul', { class: 'grid gap-2', 'aria-busy': 'true', 'aria-label': 'Loading friends', 'data-state': 'loading' }, skeleton(), skeleton(), skeleton());
  }

  #emptyState(): HTMLElement {
    return h(
      'div',
      { class: 'beacon-empty', 'data-state': 'empty' },
      h('p', { class: 'font-medium text-slate-200' }, 'No friends yet — find players on the Requests page.'),
      h('a', { href: '#/requests', class: 'beacon-btn-primary mt-3 inline-flex' }, 'Find players'),
    );
  }

  #errorState(): HTMLElement {
    const retry = h('button', { type: 'button', class: 'beacon-btn-primary mt-3' }, 'Retry');
    retry.addEventListener('click', () => {
      this.#failed = false;
      this.#render();
      this.#source?.stop();
      this.#source?.start();
      this.#armSlowTimer();
    });
    return h(
      'div',
      { class: 'beacon-empty', role: 'alert', 'data-state': 'error' },
      h('p', { class: 'font-medium text-slate-200' }, 'Could not load your friends yet: Beacon is unreachable. It keeps trying in the background.'),
      retry,
    );
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'beacon-friend-list': FriendListElement;
  }
}
