/**
 * <beacon-notification-toast>: in-page notifications ("Alice (@alice) is online": display
 * names are not unique, the @username is) from the socket's
 * `notification` frame, in a polite live region present from sign-in (so screen readers
 * announce each one; the friend list does not say it again). Each toast has a Dismiss button
 * and leaves by itself after a while, but not while the pointer is over it or keyboard focus
 * is in it (WCAG 2.2.1: it waits for as long as it is being read). A toast that leaves with
 * focus in it hands focus on: to the next toast's Dismiss, else back where the user came from,
 * else to the page's main content, never to the page body.
 * A toast says a friend "is online" in the present tense: it goes as soon as that friend shows
 * offline (or is no longer a friend), also while held by the pointer or focus, where it said
 * "Bo (@bo) is online" over Bo's card reading "Offline".
 */
import type { PresenceClient } from '../../client/presence-client.js';
import { keepClearOf } from '../lib/clearance.js';
import { h, userText } from '../lib/dom.js';
import { nameWithUsername } from '../lib/labels.js';
import { PausableTimer } from '../lib/pausable-timer.js';

/** How long a toast stays (long enough to read; it waits while hovered or focused, and can be dismissed sooner). */
const SHOW_MS = 10_000;

export class NotificationToastElement extends HTMLElement {
  static define(tag = 'beacon-notification-toast', registry = customElements): typeof NotificationToastElement {
    if (!registry.get(tag)) registry.define(tag, this);
    return this;
  }

  #off: (() => void) | null = null;
  #region = h('div', {
    role: 'status',
    'aria-live': 'polite',
    // Above the invitations card in the same corner (its room, clearance.ts' INVITES_ROOM, written
    // out for Tailwind; test/unit/web/clearance.test.ts holds the two together), never over its
    // Play and Dismiss: a toast would hide them for its ten seconds.
    class: 'pointer-events-none fixed bottom-[max(1rem,var(--beacon-invites-room,0px))] right-4 z-50 grid w-[min(22rem,calc(100vw-2rem))] gap-2',
    'data-part': 'toasts',
  });
  /** Where focus was before it came into the toasts: it goes back there when they leave. */
  #cameFrom: HTMLElement | null = null;
  /** Stops keeping the page clear of the toasts (while connected, the page leaves room for them). */
  #unclear: (() => void) | null = null;

  constructor() {
    super();
    this.#region.addEventListener('focusin', (e) => {
      const from = e.relatedTarget;
      if (from instanceof Node && this.#region.contains(from)) return;
      this.#cameFrom = from instanceof HTMLElement ? from : null;
    });
  }

  connectedCallback(): void {
    if (!this.contains(this.#region)) this.append(this.#region);
    this.#unclear ??= keepClearOf(this.#region);
  }

  disconnectedCallback(): void {
    this.#unclear?.();
    this.#unclear = null;
    this.#off?.();
    this.#off = null;
  }

  connect(client: Pick<PresenceClient, 'on'>): void {
    this.#off?.();
    const offs = [
      client.on('notification', (n) => this.show(`${nameWithUsername(n)} is online`, [userText(nameWithUsername(n)), ' is online'], n.friend_id)),
      // No longer true: the friend shows offline now, or is no friend any more.
      client.on('friend', ({ view }) => {
        if (view.status === 'offline') this.#withdraw(view.user_id);
      }),
      client.on('friend_removed', ({ friendId }) => this.#withdraw(friendId)),
    ];
    this.#off = () => offs.forEach((off) => off());
  }

  /**
   * Shows one toast: `text`, or `content` saying it with the user-controlled parts contained;
   * `friendId`: the friend it is about, whose going offline takes it away.
   */
  show(text: string, content: Array<Node | string> = [text], friendId?: number): void {
    const dismiss = h('button', { type: 'button', class: 'beacon-btn px-2 py-1 text-xs', 'aria-label': `Dismiss: ${text}` }, 'Dismiss');
    const toast = h('div', { class: 'beacon-panel pointer-events-auto flex items-center justify-between gap-3 p-3 text-sm text-slate-100 shadow-lg', 'data-part': 'toast', 'data-friend': friendId },
      h('p', { class: 'min-w-0' }, ...content), dismiss);
    const timer = new PausableTimer(() => this.#remove(toast), SHOW_MS);
    toast.addEventListener('pointerenter', () => timer.hold('hover'));
    toast.addEventListener('pointerleave', () => timer.release('hover'));
    toast.addEventListener('focusin', () => timer.hold('focus'));
    toast.addEventListener('focusout', (e) => {
      if (!(e.relatedTarget instanceof Node && toast.contains(e.relatedTarget))) timer.release('focus');
    });
    dismiss.addEventListener('click', () => {
      timer.cancel();
      this.#remove(toast);
    });
    this.#timers.set(toast, timer);
    this.#region.append(toast);
  }

  /** Each toast's timer, cancelled when the toast is taken away before it runs out. */
  #timers = new WeakMap<HTMLElement, PausableTimer>();

  /** Takes away the toasts about `friendId` (what they say no longer holds). */
  #withdraw(friendId: number): void {
    for (const toast of [...this.#region.querySelectorAll<HTMLElement>(`[data-friend="${friendId}"]`)]) {
      this.#timers.get(toast)?.cancel();
      this.#remove(toast);
    }
  }

  /** Takes `toast` away; focus in it moves on first (the browser would drop it to the page body). */
  #remove(toast: HTMLElement): void {
    if (toast.contains(document.activeElement)) this.#focusAfter(toast)?.focus();
    toast.remove();
  }

  /** Where focus goes when `toast` leaves: the next toast's (else the previous one's) Dismiss, where the user came from, or the main content. */
  #focusAfter(toast: HTMLElement): HTMLElement | null {
    const sibling = toast.nextElementSibling ?? toast.previousElementSibling;
    const next = sibling?.querySelector('button');
    if (next) return next;
    const back = this.#cameFrom;
    if (back?.isConnected && !back.matches(':disabled') && back.getClientRects().length > 0) return back;
    return document.querySelector<HTMLElement>('main[tabindex]');
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'beacon-notification-toast': NotificationToastElement;
  }
}
