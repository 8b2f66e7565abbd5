/**
 * <beacon-notification-toast>: in-page notifications ("Alice (@alice) is online": display
 * names are not unique, the @username is) from the socket's
 * `notification` frame, in a polite live region present from sign-in (so screen readers
 * announce each one). Each toast has a Dismiss button and leaves by itself after a while.
 */
import type { PresenceClient } from '../../client/presence-client.js';
import { h, userText } from '../lib/dom.js';
import { nameWithUsername } from '../lib/labels.js';

/** How long a toast stays (long enough to read; WCAG 2.2.1 allows dismissing sooner). */
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
    class: 'pointer-events-none fixed bottom-4 right-4 z-50 grid w-[min(22rem,calc(100vw-2rem))] gap-2',
    'data-part': 'toasts',
  });

  connectedCallback(): void {
    if (!this.contains(this.#region)) this.append(this.#region);
  }

  disconnectedCallback(): void {
    this.#off?.();
    this.#off = null;
  }

  connect(client: Pick<PresenceClient, 'on'>): void {
    this.#off?.();
    this.#off = client.on('notification', (n) => this.show(`${nameWithUsername(n)} is online`, [userText(nameWithUsername(n)), ' is online']));
  }

  /** Shows one toast: `text`, or `content` saying it with the user-controlled parts contained. */
  show(text: string, content: Array<Node | string> = [text]): void {
    const dismiss = h('button', { type: 'button', class: 'beacon-btn px-2 py-1 text-xs', 'aria-label': `Dismiss: ${text}` }, 'Dismiss');
    const toast = h('div', { class: 'beacon-panel pointer-events-auto flex items-center justify-between gap-3 p-3 text-sm text-slate-100 shadow-lg', 'data-part': 'toast' },
      h('p', { class: 'min-w-0' }, ...content), dismiss);
    const timer = setTimeout(() => toast.remove(), SHOW_MS);
    dismiss.addEventListener('click', () => {
      clearTimeout(timer);
      toast.remove();
    });
    this.#region.append(toast);
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'beacon-notification-toast': NotificationToastElement;
  }
}
