/**
 * <beacon-status-menu>: the header's own-status control. A disclosure button opens a
 * panel with the manual status (Online / Away / Busy — DND), "Appear offline", the custom
 * message form and activity presets. Escape or a click outside closes it.
 */
import type { ManualStatus, StatusVisibility, View } from '../lib/label-types.js';
import { STATUS_LABEL } from '../lib/labels.js';
import { errorMessage } from '../lib/error-messages.js';
import { h, replaceChildren } from '../lib/dom.js';
import { readPref, writePref } from '../lib/session.js';
import type { PresenceClient } from '../../client/presence-client.js';

const MANUAL: ManualStatus[] = ['online', 'away', 'busy'];
const HINT: Record<ManualStatus, string> = {
  online: 'Automatic: away when idle',
  away: 'Stays until you change it',
  busy: 'Friends know not to disturb you',
};

export type MenuClient = Pick<
  PresenceClient,
  'on' | 'self' | 'setStatus' | 'setActivity' | 'getSettings' | 'updateSettings'
>;

let nextId = 0;

export class StatusMenuElement extends HTMLElement {
  static define(tag = 'beacon-status-menu', registry = customElements): typeof StatusMenuElement {
    if (!registry.get(tag)) registry.define(tag, this);
    return this;
  }

  #client: MenuClient | null = null;
  #off: (() => void) | null = null;
  #panelId = `beacon-status-panel-${++nextId}`;
  #trigger = h('button', {
    type: 'button',
    class: 'beacon-trigger',
    'aria-haspopup': 'true',
    'aria-expanded': 'false',
    'aria-controls': this.#panelId,
    'data-part': 'trigger',
  });
  #panel = h('div', {
    id: this.#panelId,
    hidden: true,
    role: 'group',
    'aria-label': 'Your status',
    // Phones: pinned under the header across the screen; wider screens: drop-down.
    class:
      'beacon-panel fixed inset-x-3 top-20 z-30 max-h-[calc(100dvh-6rem)] overflow-y-auto p-4 sm:absolute sm:inset-x-auto sm:top-auto sm:right-0 sm:mt-2 sm:w-[22rem]',
  });
  #radios = new Map<ManualStatus, HTMLInputElement>();
  #hidden = h('input', { type: 'checkbox', role: 'switch', id: `${this.#panelId}-hidden`, class: 'beacon-switch' });
  #form = document.createElement('beacon-status-message-form');
  #error = h('p', { class: 'text-sm text-red-300', role: 'alert' });
  #manual: ManualStatus = (readPref('manualStatus') as ManualStatus | null) ?? 'online';

  set client(client: MenuClient | null) {
    this.#off?.();
    this.#off = null;
    this.#client = client;
    this.#form.actions = client;
    if (this.isConnected) this.#subscribe();
  }

  connectedCallback(): void {
    if (!this.firstChild) this.#build();
    this.#subscribe();
    document.addEventListener('pointerdown', this.#onOutside);
  }

  disconnectedCallback(): void {
    this.#off?.();
    this.#off = null;
    document.removeEventListener('pointerdown', this.#onOutside);
  }

  get open(): boolean {
    return !this.#panel.hidden;
  }

  set open(value: boolean) {
    this.#panel.hidden = !value;
    this.#trigger.setAttribute('aria-expanded', String(value));
    if (value) {
      this.#syncManual();
      this.#form.sync(this.#client?.self ?? null);
      void this.#loadSettings();
      this.#radios.get(this.#manual)?.focus();
    }
  }

  /** Another tab or device may have changed the manual status: trust what the server shows. */
  #syncManual(): void {
    const shown = this.#client?.self?.status;
    if (shown === 'busy') this.#manual = 'busy';
    else if (this.#manual === 'busy' && shown && shown !== 'in_game') this.#manual = shown === 'away' ? 'away' : 'online';
    const radio = this.#radios.get(this.#manual);
    if (radio) radio.checked = true;
  }

  #build(): void {
    this.classList.add('relative');
    this.#trigger.addEventListener('click', () => (this.open = !this.open));
    // Tabbing out of the panel closes it, like a native menu.
    this.addEventListener('focusout', (e) => {
      if (this.open && e.relatedTarget instanceof Node && !this.contains(e.relatedTarget)) this.open = false;
    });
    this.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.open) {
        e.stopPropagation();
        this.open = false;
        this.#trigger.focus();
      }
    });
    const fieldset = h(
      'fieldset',
      { class: 'grid gap-1' },
      h('legend', { class: 'mb-1 text-sm font-medium text-slate-200' }, 'Status'),
      ...MANUAL.map((s) => this.#radio(s)),
    );
    this.#hidden.addEventListener('change', () => void this.#appearOffline(this.#hidden.checked));
    const hiddenRow = h(
      'div',
      { class: 'mt-3 flex items-start justify-between gap-3 rounded-lg border border-slate-700 p-3' },
      h(
        'label',
        { for: this.#hidden.id, class: 'text-sm' },
        h('span', { class: 'block font-medium text-slate-100' }, 'Appear offline'),
        h('span', { class: 'block text-xs text-slate-400' }, 'Everyone but admins sees you as offline.'),
      ),
      this.#hidden,
    );
    this.#form.classList.add('mt-4', 'block');
    this.#form.manualStatus = () => this.#manual;
    this.#panel.append(fieldset, hiddenRow, this.#form, this.#error);
    this.append(this.#trigger, this.#panel);
    this.#renderTrigger(null);
  }

  #radio(status: ManualStatus): HTMLElement {
    const input = h('input', { type: 'radio', name: `${this.#panelId}-status`, value: status, class: 'beacon-radio' });
    input.checked = status === this.#manual;
    input.addEventListener('change', () => input.checked && void this.#setManual(status));
    this.#radios.set(status, input);
    return h(
      'label',
      { class: 'flex cursor-pointer items-center gap-3 rounded-lg px-2 py-2 hover:bg-slate-700/60 has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-sky-400' },
      input,
      h('beacon-status-dot', { status, class: 'size-4', 'aria-hidden': 'true' }),
      h(
        'span',
        { class: 'text-sm' },
        h('span', { class: 'block font-medium text-slate-100' }, STATUS_LABEL[status]),
        h('span', { class: 'block text-xs text-slate-400' }, HINT[status]),
      ),
    );
  }

  #subscribe(): void {
    if (!this.#client || this.#off) return;
    this.#off = this.#client.on('self', (v) => this.#renderTrigger(v));
    this.#renderTrigger(this.#client.self);
  }

  #renderTrigger(self: View | null): void {
    const status = self?.status ?? 'offline';
    this.dataset.status = status;
    replaceChildren(
      this.#trigger,
      h('beacon-status-dot', { status, class: 'size-3.5 shrink-0', 'aria-hidden': 'true' }),
      h('span', { class: 'sr-only' }, 'Your status: '),
      h('span', { class: 'font-medium', 'data-part': 'self-status' }, self ? STATUS_LABEL[status] : 'Connecting…'),
      self?.custom_message
        ? h('span', { class: 'hidden max-w-40 truncate text-slate-400 md:inline', 'data-part': 'self-message' }, `“${self.custom_message}”`)
        : null,
      h('span', { 'aria-hidden': 'true', class: 'text-slate-400' }, '▾'),
    );
  }

  async #setManual(status: ManualStatus): Promise<void> {
    this.#error.textContent = '';
    try {
      await this.#client?.setStatus(status);
      this.#manual = status;
      writePref('manualStatus', status);
    } catch (e) {
      this.#error.textContent = errorMessage(e);
      const previous = this.#radios.get(this.#manual);
      if (previous) previous.checked = true;
    }
  }

  async #loadSettings(): Promise<void> {
    try {
      const settings = await this.#client?.getSettings();
      if (settings) this.#hidden.checked = settings.status_visibility === 'hidden';
    } catch {
      /* the switch keeps its last known position; errors show when it is used */
    }
  }

  async #appearOffline(hide: boolean): Promise<void> {
    this.#error.textContent = '';
    try {
      const client = this.#client;
      if (!client) return;
      const current = await client.getSettings();
      if (hide && current.status_visibility !== 'hidden') writePref('previousVisibility', current.status_visibility);
      const restore = (readPref('previousVisibility') as StatusVisibility | null) ?? 'friends';
      await client.updateSettings({ status_visibility: hide ? 'hidden' : restore });
      this.dispatchEvent(new CustomEvent('beacon:settings-changed', { bubbles: true }));
    } catch (e) {
      this.#hidden.checked = !hide;
      this.#error.textContent = errorMessage(e);
    }
  }

  #onOutside = (e: PointerEvent): void => {
    if (this.open && !e.composedPath().includes(this)) this.open = false;
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'beacon-status-menu': StatusMenuElement;
  }
  interface DocumentEventMap {
    /** Privacy settings changed outside the privacy page (e.g. "Appear offline"). */
    'beacon:settings-changed': CustomEvent<null>;
  }
}
