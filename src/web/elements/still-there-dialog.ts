/**
 * <beacon-still-there>: the idle probe. When the server asks `are_you_there`, a modal
 * <dialog> (which makes the rest of the page inert, so focus stays inside) offers
 * "I'm here"; answering, or pressing Escape, tells the server we are still around.
 */
import { h } from '../lib/dom.js';
import type { PresenceClient } from '../../client/presence-client.js';

export class StillThereDialogElement extends HTMLElement {
  static define(tag = 'beacon-still-there', registry = customElements): typeof StillThereDialogElement {
    if (!registry.get(tag)) registry.define(tag, this);
    return this;
  }

  #client: Pick<PresenceClient, 'on' | 'stillHere'> | null = null;
  #off: (() => void) | null = null;
  #dialog = h('dialog', {
    class: 'beacon-panel m-auto w-[min(24rem,calc(100vw-2rem))] p-6 text-slate-100 backdrop:bg-slate-950/70',
    'aria-labelledby': 'beacon-still-there-title',
    'aria-describedby': 'beacon-still-there-text',
  });
  #button = h('button', { type: 'button', class: 'beacon-btn-primary w-full', autofocus: true }, "I'm here");

  set client(client: Pick<PresenceClient, 'on' | 'stillHere'> | null) {
    this.#off?.();
    this.#client = client;
    this.#off = client ? client.on('are_you_there', () => this.show()) : null;
  }

  connectedCallback(): void {
    if (this.firstChild) return;
    this.#dialog.append(
      h('h2', { id: 'beacon-still-there-title', class: 'text-lg font-bold' }, 'Still there?'),
      h(
        'p',
        { id: 'beacon-still-there-text', class: 'mt-2 mb-5 text-sm text-slate-300' },
        'You have been inactive for a while. Your friends will soon see you as away.',
      ),
      this.#button,
    );
    this.#button.addEventListener('click', () => this.#answer());
    // Escape is an interaction too: the user is evidently at the keyboard.
    this.#dialog.addEventListener('cancel', () => this.#client?.stillHere());
    // The button is the only focusable control: keep Tab from leaving for the browser UI.
    this.#dialog.addEventListener('keydown', (e) => {
      if (e.key === 'Tab') {
        e.preventDefault();
        this.#button.focus();
      }
    });
    this.append(this.#dialog);
  }

  disconnectedCallback(): void {
    this.#off?.();
    this.#off = null;
  }

  show(): void {
    if (!this.#dialog.open) this.#dialog.showModal();
    this.#button.focus();
  }

  #answer(): void {
    this.#client?.stillHere();
    this.#dialog.close();
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'beacon-still-there': StillThereDialogElement;
  }
}
