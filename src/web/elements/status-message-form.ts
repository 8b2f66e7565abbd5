/**
 * <beacon-status-message-form>: custom message with "clear after" presets, plus quick
 * activity presets. Lives inside the header's status menu.
 */
import type { Activity, ManualStatus, View } from '../lib/label-types.js';
import { ACTIVITY_LABEL } from '../lib/labels.js';
import { CLEAR_AFTER, CLEAR_AFTER_LABEL, expiresAt, type ClearAfter } from '../lib/expiry.js';
import { errorMessage } from '../lib/error-messages.js';
import { h } from '../lib/dom.js';
import type { PresenceClient } from '../../client/presence-client.js';

const MAX_MESSAGE = 128;
const PRESETS: Activity[] = ['playing_pong', 'watching_match', 'chatting', 'managing_profile', 'browsing'];

export type StatusActions = Pick<PresenceClient, 'setStatus' | 'setActivity'>;

export class StatusMessageFormElement extends HTMLElement {
  static define(tag = 'beacon-status-message-form', registry = customElements): typeof StatusMessageFormElement {
    if (!registry.get(tag)) registry.define(tag, this);
    return this;
  }

  /** Set by the menu: the client to call and the manual status a message is attached to. */
  actions: StatusActions | null = null;
  manualStatus: () => ManualStatus = () => 'online';

  #input = h('input', {
    id: 'beacon-message',
    name: 'message',
    type: 'text',
    maxlength: MAX_MESSAGE,
    placeholder: 'What are you up to?',
    autocomplete: 'off',
    class: 'beacon-input w-full',
  });
  #clearAfter = h(
    'select',
    { id: 'beacon-clear-after', name: 'clear_after', class: 'beacon-input w-full' },
    ...CLEAR_AFTER.map((p) => h('option', { value: p }, CLEAR_AFTER_LABEL[p])),
  );
  #error = h('p', { class: 'text-sm text-red-300', role: 'alert' });

  connectedCallback(): void {
    if (this.firstChild) return;
    const save = h('button', { type: 'submit', class: 'beacon-btn-primary' }, 'Save message');
    const clear = h('button', { type: 'button', class: 'beacon-btn' }, 'Clear');
    const form = h(
      'form',
      { class: 'grid gap-2', 'aria-label': 'Custom status message' },
      h('label', { for: 'beacon-message', class: 'text-sm font-medium text-slate-200' }, 'Custom message'),
      this.#input,
      h('label', { for: 'beacon-clear-after', class: 'text-sm font-medium text-slate-200' }, 'Clear after'),
      this.#clearAfter,
      h('div', { class: 'flex gap-2' }, save, clear),
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const text = this.#input.value.trim();
      void this.#send(text || null, expiresAt(this.#clearAfter.value as ClearAfter, new Date()));
    });
    clear.addEventListener('click', () => {
      this.#input.value = '';
      void this.#send(null, null);
    });

    const presets = h(
      'div',
      { class: 'flex flex-wrap gap-1.5', role: 'group', 'aria-label': 'Quick activity' },
      ...PRESETS.map((a) => {
        const b = h('button', { type: 'button', class: 'beacon-chip', 'data-activity': a }, ACTIVITY_LABEL[a]);
        b.addEventListener('click', () => void this.#activity(a));
        return b;
      }),
    );
    this.append(
      form,
      h('div', { class: 'mt-4 grid gap-2' }, h('p', { class: 'text-sm font-medium text-slate-200' }, 'Quick activity'), presets),
      this.#error,
    );
  }

  /** Shows the current message when the menu opens, unless the user is mid-edit. */
  sync(self: View | null): void {
    if (document.activeElement !== this.#input) this.#input.value = self?.custom_message ?? '';
  }

  async #send(message: string | null, expires: string | null): Promise<void> {
    if (!this.actions) return;
    this.#error.textContent = '';
    try {
      await this.actions.setStatus(this.manualStatus(), message, message ? expires : null);
    } catch (e) {
      this.#error.textContent = errorMessage(e, { VALIDATION_ERROR: `Messages are at most ${MAX_MESSAGE} characters.` });
    }
  }

  async #activity(activity: Activity): Promise<void> {
    if (!this.actions) return;
    this.#error.textContent = '';
    try {
      await this.actions.setActivity(activity);
    } catch (e) {
      this.#error.textContent = errorMessage(e, { CONFLICT: 'You are in a match; your activity follows the game.' });
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'beacon-status-message-form': StatusMessageFormElement;
  }
}
