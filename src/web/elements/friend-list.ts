/**
 * <beacon-friend-list>: the live friend list. Give it a `source` (the PresenceClient);
 * it renders the SDK's sorted friends, filters to online ones on demand, animates and
 * announces (aria-live) each change of a friend's status, those of one moment together
 * (lib/live-announcer.ts) and none that a toast says already, and shows loading/empty/error states.
 * When the data may be stale (reconnecting, offline) it says so with the time of the
 * last update. Changes are drawn at most once per frame (lib/next-frame.ts), redrawing only the
 * cards that changed and moving only the rows whose place changed (lib/row-order.ts). The row
 * holding keyboard focus, else the one under the mouse, stays where it is on screen
 * (lib/keep-in-place.ts); the focused one is never moved (the others move around it). If the
 * focused card leaves, focus goes to the next card's first control, never to the page body.
 */
import type { View } from '../lib/label-types.js';
import { connectionLabel, STATUS_SHORT } from '../lib/labels.js';
import { announceChange, visibleFriends } from '../lib/status-order.js';
import { bdi, h } from '../lib/dom.js';
import { LiveAnnouncer } from '../lib/live-announcer.js';
import { NextFrame } from '../lib/next-frame.js';
import { placeRows } from '../lib/row-order.js';
import { keepInPlace } from '../lib/keep-in-place.js';
import { friendFilter } from '../lib/friend-filter.js';
import { asOfTime, NextDay } from '../lib/as-of.js';
import { FriendCardElement } from './friend-card.js';
import type { ConnectionState, PresenceClient } from '../../client/presence-client.js';

/** The part of the SDK the list needs; the real PresenceClient satisfies it. */
export type FriendSource = Pick<PresenceClient, 'friends' | 'on' | 'start' | 'stop' | 'state' | 'self' | 'lastSyncAt' | 'reconnectNow'> &
  Partial<Pick<PresenceClient, 'catchingUp'>>;

/** After this long without a first snapshot, say so (the SDK keeps retrying meanwhile). */
const SLOW_MS = 10_000;

const FOCUSABLE = 'a[href], button:not([disabled]), select:not([disabled]), input:not([disabled]), [tabindex]:not([tabindex="-1"])';

/** The first control in `root` that can take focus now (not in a closed panel). */
function firstFocusable(root: Element): HTMLElement | null {
  for (const el of root.querySelectorAll<HTMLElement>(FOCUSABLE)) if (el.getClientRects().length > 0) return el;
  return null;
}

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
  #onlineOnly = false;
  /** The Friends page's filter text (lib/friend-filter.ts); empty: everyone. */
  #query = '';
  #cards = new Map<number, FriendCardElement>();
  /** The next frame's render: the model's changes are drawn once a frame, not once each. */
  #frame = new NextFrame(() => this.#render());
  /** Friends whose change the next render flashes. */
  #flashes = new Set<number>();
  #list = h('ul', { class: 'grid gap-2', 'aria-label': 'Friends' });
  #live = h('p', { class: 'sr-only', 'aria-live': 'polite', role: 'status' });
  #announcer = new LiveAnnouncer((text) => (this.#live.textContent = text));
  #body = h('div', { class: 'mt-4' });
  /** Not a live region: the header's connection state announces the outage (connection-state.ts). */
  #stale = h('p', { class: 'beacon-stale', 'data-part': 'stale', hidden: true });
  /** Draws the stale mark again just after midnight, while it is shown: its "as of" then needs the date. */
  #nextDay = new NextDay(() => this.#renderStale());
  /** Decorates each card when it is new or its friend's view changed, e.g. with the friend menu. */
  decorate: ((card: FriendCardElement, view: View) => void) | null = null;

  /** `online` hides offline friends (the Online tab); `all` shows everyone. */
  set filter(value: 'online' | 'all') {
    this.#onlineOnly = value === 'online';
    if (this.firstChild) this.#render();
  }

  /** Shows only the friends whose display name or @username holds `text` (case and accents ignored). */
  set query(text: string) {
    if (text === this.#query) return;
    this.#query = text;
    if (this.firstChild) this.#frame.request();
  }

  /** How many friends the list shows now (the Online tab and the filter applied). */
  get shownCount(): number {
    return this.#shown().length;
  }

  #shown(): View[] {
    const shown = visibleFriends(this.#views, this.#onlineOnly);
    return this.#query.trim() === '' ? shown : shown.filter(friendFilter(this.#query));
  }

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
    this.append(this.#stale, this.#live, this.#body);
    this.#render();
  }

  /**
   * The stale mark: shown whenever the list is not live, with the time of the last update (its
   * date too once that was an earlier day, drawn again at midnight while shown: lib/as-of.ts).
   */
  #renderStale(): void {
    const src = this.#source;
    const state = src ? connectionLabel(src) : 'offline';
    const at = src?.lastSyncAt ?? null;
    const show = this.#loaded && at !== null && state !== 'connected';
    this.#stale.hidden = !show;
    if (!show) return this.#nextDay.disarm();
    this.#nextDay.arm();
    const time = asOfTime(at, Date.now(), { seconds: true });
    this.dataset.stale = state === 'polling' ? 'polling' : 'stale';
    // The time in the viewer's locale, isolated: a right-to-left one keeps its order in the sentence.
    const [before, after] = state === 'polling'
      ? ['Live updates are paused; checking every few seconds. Last update ', '.']
      : state === 'catching_up'
        ? ['Not live: catching up on missed updates. Statuses as of ', '; they may have changed.']
        : [`Not live: ${state === 'offline' ? 'Beacon is unreachable' : 'reconnecting'}. Statuses as of `, '; they may have changed.'];
    this.#stale.replaceChildren(h('span', { 'aria-hidden': 'true' }, '⚠ '), before, bdi(time), after);
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
      // The app's toast says that friend came online (notification-toast.ts): said once, not here too.
      src.on('notification', (n) => this.#announcer.withdraw(n.friend_id)),
      src.on('state', (state) => this.#stateChanged(state)),
      src.on('synced', () => this.#renderStale()),
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
    this.#nextDay.disarm();
    this.#frame.cancel();
    this.#announcer.dispose();
    for (const off of this.#off) off();
    this.#off = [];
  }

  #setViews(views: View[]): void {
    this.#loaded = true;
    this.#failed = false;
    this.#views = views;
    this.#frame.request();
  }

  #changed(view: View, previous: View | undefined): void {
    const text = announceChange(view, previous, STATUS_SHORT);
    if (text) this.#announcer.say(view.user_id, text);
    // A new activity is shown (the card flashes) but not announced.
    if (!text && previous?.activity === view.activity) return;
    // Flashed by the render that shows it (the card may not exist yet).
    this.#flashes.add(view.user_id);
    this.#frame.request();
  }

  #stateChanged(state: ConnectionState): void {
    this.#renderStale();
    if (state === 'connected') delete this.dataset.stale;
    // Data arrives with 'ready'/'friends'; a state alone only decides the error state.
    if (state === 'offline' && !this.#loaded) {
      this.#failed = true;
      this.#render();
    }
    // Shown already: it says why as the state says it now (its Retry, maybe focused, stays).
    this.#errorWhy.textContent = this.#whyNotLoaded();
  }

  #render(): void {
    this.#frame.cancel();
    const focus = this.#focusInList();
    // The row the user is on, kept where it is on screen: the focused one, else the one under the
    // mouse. Only the focused one is also kept in the document (moving it would drop focus).
    const pinned = focus?.li ?? null;
    const anchor = pinned ?? (this.#list.isConnected ? this.#list.querySelector(':scope > li:hover') : null);
    keepInPlace(anchor, () => this.#paint(pinned));
    this.#restoreFocus(focus);
    const flashes = [...this.#flashes].flatMap((id) => this.#cards.get(id) ?? []).filter((card) => card.isConnected);
    this.#flashes.clear();
    if (flashes.length > 0) FriendCardElement.flashAll(flashes);
  }

  /** The focused element when it is inside a card of the list, and that card's row and its index. */
  #focusInList(): { el: HTMLElement; li: Element; row: number } | null {
    const el = document.activeElement;
    if (!(el instanceof HTMLElement) || !this.#list.isConnected || !this.#list.contains(el)) return null;
    let li: Element = el;
    while (li.parentElement && li.parentElement !== this.#list) li = li.parentElement;
    return { el, li, row: [...this.#list.children].indexOf(li) };
  }

  /**
   * The focused row is not moved, nor its menu taken out when the card redraws; should focus
   * still drop to the page body, put it back. A card that left (removed, or offline under the
   * Online filter) hands focus to the card now in its row, else the list.
   */
  #restoreFocus(was: { el: HTMLElement; row: number } | null): void {
    if (!was || document.activeElement === was.el) return;
    if (was.el.isConnected && this.contains(was.el)) return was.el.focus({ preventScroll: true });
    if (document.activeElement && document.activeElement !== document.body) return; // focus went elsewhere on purpose
    const rows = this.#list.isConnected ? [...this.#list.children] : [];
    const near = rows[Math.min(was.row, rows.length - 1)];
    const target = (near && firstFocusable(near)) ?? firstFocusable(this.#body) ?? this.#body;
    if (target === this.#body) this.#body.tabIndex = -1;
    target.focus({ preventScroll: true });
  }

  /** Draws the current state; `pinned` (a row of the list) is not moved. */
  #paint(pinned: Element | null): void {
    this.#renderStale();
    if (this.#failed) return this.#show(this.#errorState());
    if (!this.#loaded) return this.#show(this.#loadingState());
    if (this.#views.length === 0) return this.#show(this.#emptyState());
    const shown = this.#shown();
    if (shown.length === 0) {
      const none = this.#query.trim() === ''
        ? 'None of your friends are online right now.'
        : `None of your ${this.#onlineOnly ? 'online friends' : 'friends'} match “${this.#query.trim()}”.`;
      return this.#show(h('p', { class: 'beacon-empty', 'data-state': 'empty' }, none));
    }
    const rows = shown.map((view) => {
      let card = this.#cards.get(view.user_id);
      if (!card) {
        card = document.createElement('beacon-friend-card');
        this.#cards.set(view.user_id, card);
      }
      // The SDK hands the same object for a friend who did not change: only the others redraw.
      if (card.view !== view) {
        card.view = view;
        this.decorate?.(card, view);
      }
      return card.parentElement?.tagName === 'LI' ? card.parentElement : h('li', {}, card);
    });
    // Cards of friends not shown now (offline under the Online tab, or not matching the filter)
    // are kept for when they are again: a cleared filter must not build 1,000 cards anew.
    const friends = new Set(this.#views.map((v) => v.user_id));
    for (const id of this.#cards.keys()) if (!friends.has(id)) this.#cards.delete(id);
    // Move only the rows whose position changed, so running animations are not restarted.
    placeRows(this.#list, rows, pinned);
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
      h('p', { class: 'font-medium text-slate-200' }, 'No friends yet — find players in the Pending tab.'),
      h('a', { href: '#/requests', class: 'beacon-btn-primary mt-3 inline-flex' }, 'Find players'),
    );
  }

  /**
   * Why the friends are not shown yet, as the connection says it now: "unreachable" only once it
   * is so (offline). A first answer slow to come (a busy server, a socket open and waiting) said
   * "Beacon is unreachable" after SLOW_MS while the header still said "Connecting…".
   */
  #whyNotLoaded(): string {
    const state = this.#source ? connectionLabel(this.#source) : 'offline';
    const why = state === 'offline' ? 'Beacon is unreachable' : 'Beacon has not answered yet';
    return `Could not load your friends yet: ${why}. It keeps trying in the background.`;
  }

  /** The error state's sentence, kept up to date by #stateChanged while it is shown. */
  #errorWhy = h('p', { class: 'font-medium text-slate-200' });

  #errorState(): HTMLElement {
    const retry = h('button', { type: 'button', class: 'beacon-btn-primary mt-3' }, 'Retry');
    retry.addEventListener('click', () => {
      this.#failed = false;
      this.#render();
      this.#source?.reconnectNow();
      this.#armSlowTimer();
    });
    this.#errorWhy.textContent = this.#whyNotLoaded();
    return h('div', { class: 'beacon-empty', role: 'alert', 'data-state': 'error' }, this.#errorWhy, retry);
  }
}

// No HTMLElementTagNameMap entry: the name is the drop-in <beacon-friend-list>'s there
// (src/elements, for host pages); the app makes this one with `new FriendListElement()`.
