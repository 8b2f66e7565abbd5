/**
 * <beacon-still-there>: the idle probe. When the server asks `are_you_there`, a modal
 * <dialog> (which makes the rest of the page inert, so focus stays inside) offers
 * "I'm here"; answering, or pressing Escape, tells the server we are still around. It
 * follows the own status meanwhile: once the server made the user away it says so, and
 * once the user is back from elsewhere (another tab or device) it closes by itself. Back
 * through input in this tab (a pointer moving towards "I'm here"), it stays until answered
 * and says so: closing it under the pointer would let the click land on the page below.
 * Input here while the probe runs answers it (the SDK sends it at once), so the dialog then
 * says friends still see you online, and stays until clicked for the same reason. Answered
 * on another device (the server's `probe_answered`) or in another tab of this browser (told
 * over a BroadcastChannel as well, which also reaches a tab that is polling), it closes by
 * itself here, unless this tab had input of its own (then it says so and stays).
 * What it says others see follows the privacy settings (a user who appears offline is never
 * said to be seen away; close friends only are not "your friends") and the connection: while
 * not connected (the header's status menu's rule) it says why, and that friends may already
 * see the user offline, instead (lib/still-there-words.ts).
 */
import { h } from '../lib/dom.js';
import { attachIdleDetection } from '../../client/idle.js';
import type { View } from '../lib/label-types.js';
import type { SettingsStore } from '../lib/settings-store.js';
import { stillThereText, type StillTherePhase } from '../lib/still-there-words.js';
import type { PresenceClient } from '../../client/presence-client.js';

export type StillThereClient = Pick<PresenceClient, 'on' | 'stillHere' | 'self' | 'state' | 'catchingUp' | 'stopReason'>;
/** Tabs of one browser tell each other that the probe was answered. */
const CHANNEL = 'beacon.still-there';

export class StillThereDialogElement extends HTMLElement {
  static define(tag = 'beacon-still-there', registry = customElements): typeof StillThereDialogElement {
    if (!registry.get(tag)) registry.define(tag, this);
    return this;
  }

  #client: StillThereClient | null = null;
  #settings: SettingsStore | null = null;
  #offSettings: (() => void) | null = null;
  #phase: StillTherePhase = 'soon';
  #channel: BroadcastChannel | null = null;
  #offs: Array<() => void> = [];
  /** The user went auto-away while the dialog was open (activity `idle`). */
  #wentAway = false;
  /** Input reached this tab while the dialog was open. */
  #inputHere = false;
  #detachInput: (() => void) | null = null;
  /** Live: a screen reader also hears the dialog say it changed (away now, back again). */
  #text = h('p', { id: 'beacon-still-there-text', class: 'mt-2 mb-5 text-sm text-slate-300', 'aria-live': 'polite' });
  #dialog = h('dialog', {
    class: 'beacon-panel m-auto w-[min(24rem,calc(100vw-2rem))] p-6 text-slate-100 backdrop:bg-slate-950/70',
    'aria-labelledby': 'beacon-still-there-title',
    'aria-describedby': 'beacon-still-there-text',
  });
  #button = h('button', { type: 'button', class: 'beacon-btn-primary w-full', autofocus: true }, "I'm here");

  set client(client: StillThereClient | null) {
    this.#offs.forEach((off) => off());
    this.#client = client;
    const render = (): void => this.#render();
    this.#offs = client
      ? [
          client.on('are_you_there', () => this.show()),
          client.on('self', (v) => this.#selfChanged(v)),
          client.on('probe_answered', () => this.#closeIfUntouched()),
          client.on('state', render),
          // A stop while already offline changes no state, but what is said (signed out, ended).
          client.on('stopped', render),
        ]
      : [];
    this.#render();
  }

  /** The shared privacy settings: who is said to see the user. */
  set settings(store: SettingsStore | null) {
    this.#offSettings?.();
    this.#settings = store;
    this.#offSettings = store ? store.onChange(() => this.#render()) : null;
    this.#render();
  }

  connectedCallback(): void {
    this.#detachInput ??= attachIdleDetection(document, () => this.#input());
    if (!this.#channel && typeof BroadcastChannel === 'function') {
      this.#channel = new BroadcastChannel(CHANNEL);
      this.#channel.onmessage = (e: MessageEvent<unknown>) => this.#answeredElsewhere(e.data);
    }
    if (this.firstChild) return;
    this.#dialog.append(
      h('h2', { id: 'beacon-still-there-title', class: 'text-lg font-bold' }, 'Still there?'),
      this.#text,
      this.#button,
    );
    this.#button.addEventListener('click', () => this.#answer());
    // Escape is an interaction too: the user is evidently at the keyboard.
    this.#dialog.addEventListener('cancel', () => {
      this.#client?.stillHere();
      this.#tellOtherTabs();
    });
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
    this.#detachInput?.();
    this.#detachInput = null;
    this.#channel?.close();
    this.#channel = null;
    this.#offs.forEach((off) => off());
    this.#offs = [];
    this.#offSettings?.();
    this.#offSettings = null;
  }

  show(): void {
    if (!this.#dialog.open) {
      this.#wentAway = false;
      this.#inputHere = false;
      this.#phase = 'soon';
      this.#render();
      this.#dialog.showModal();
    }
    this.#button.focus();
  }

  /** Auto-away is `away` with activity `idle`; leaving it means the user is back (maybe elsewhere). */
  #selfChanged(self: View): void {
    if (!this.#dialog.open) return;
    if (self.status === 'away' && self.activity === 'idle') {
      this.#wentAway = true;
      this.#phase = 'away';
      this.#render();
    } else if (this.#wentAway) {
      if (!this.#inputHere) return this.#dialog.close();
      this.#phase = 'back';
      this.#render();
    }
  }

  /** The text for the phase, the settings and the connection; unchanged text is not written (nor heard) again. */
  #render(): void {
    const text = stillThereText(this.#phase, this.#settings?.value ?? null, this.#client);
    if (this.#text.textContent !== text) this.#text.textContent = text;
  }

  #answer(): void {
    this.#client?.stillHere();
    this.#tellOtherTabs();
    this.#dialog.close();
  }

  /**
   * Real input in this tab while the dialog is open. The SDK reports it at once as the answer
   * to the probe, so friends keep seeing the user online: say so (unless already away, which
   * the next status update settles), and stay open until clicked.
   */
  #input(): void {
    if (!this.#dialog.open) return;
    const first = !this.#inputHere;
    this.#inputHere = true;
    if (!first) return;
    if (!this.#wentAway) {
      this.#phase = 'still';
      this.#render();
    }
    this.#tellOtherTabs();
  }

  #tellOtherTabs(): void {
    const userId = this.#client?.self?.user_id;
    if (userId !== undefined) this.#channel?.postMessage({ type: 'answered', userId });
  }

  /** Another tab answered: with no input here (nothing under a pointer), close; the user is present. */
  #answeredElsewhere(data: unknown): void {
    if (!this.#dialog.open || this.#inputHere) return;
    const msg = data as { type?: unknown; userId?: unknown } | null;
    if (msg?.type !== 'answered' || msg.userId !== this.#client?.self?.user_id) return;
    this.#closeIfUntouched();
  }

  /** The probe was answered elsewhere: with no input here (nothing under a pointer), close; the user is present. */
  #closeIfUntouched(): void {
    if (!this.#dialog.open || this.#inputHere) return;
    // Away already: the answer brings the user back, and the status update that says so closes it.
    if (this.#wentAway) return;
    this.#dialog.close();
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'beacon-still-there': StillThereDialogElement;
  }
}
