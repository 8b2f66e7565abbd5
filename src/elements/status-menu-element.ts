/**
 * <beacon-status-menu>: the signed-in user's own status. A disclosure button (showing the
 * status in words) opens a panel with the manual status as a WAI-ARIA radio group (arrow
 * keys move, Enter/Space or a click sets it) and a status message form. Escape, a click
 * outside or tabbing away closes it. Each change dispatches `beacon-status-set`.
 */
import type { ConnectionState, ManualStatus, PresenceClient, View } from '../client/index.js';
import { errorMessage } from '../web/lib/error-messages.js';
import { h } from '../web/lib/dom.js';
import { announce } from '../web/lib/form-errors.js';
import { STATUS_LABEL, STATUS_SHORT } from '../web/lib/labels.js';
import { chosenManualStatus } from '../web/lib/manual-status.js';
import { statusUnavailable } from '../web/lib/status-unavailable.js';
import { BeaconElement } from './beacon-element.js';
import type { BeaconConnection } from './connection.js';
import { emit, STATUS_SET, type StatusSetDetail } from './events.js';
import { statusDot } from './status-dot.js';

const MANUAL: readonly ManualStatus[] = ['online', 'away', 'busy'];
const MAX_MESSAGE = 128;

const CSS = `
:host { display: inline-block; position: relative; }
.trigger { display: inline-flex; align-items: center; gap: calc(var(--_space) * 0.5); }
.trigger[aria-disabled='true'] { opacity: 0.6; cursor: not-allowed; border-style: dashed; }
.panel {
  position: absolute; z-index: 10; inset-inline-end: 0; margin-top: calc(var(--_space) * 0.5);
  min-width: 16em; padding: var(--_space); display: grid; gap: var(--_space);
  background: var(--_surface); border: 1px solid var(--_border); border-radius: var(--_radius);
  box-shadow: 0 4px 16px rgba(0, 0, 0, 0.15);
}
.panel[hidden] { display: none; }
/* Opened where the end-aligned panel would leave the page (a menu near the page's start edge: a sidebar). */
.panel.start { inset-inline-end: auto; inset-inline-start: 0; }
.options { display: grid; gap: 2px; }
.option { display: flex; align-items: center; gap: var(--_space); width: 100%; text-align: start; border-color: transparent; }
.option[aria-checked='true'] { border-color: var(--_accent); }
.option:hover { background: var(--_hover); }
.option[aria-busy='true'] { cursor: progress; }
/* A status on its way is said in words ("Saving…"), not by a tint; aria-busy says it to assistive technology. */
.pending { display: none; margin-inline-start: auto; font-size: 0.85em; font-style: italic; color: var(--_muted); }
.option[aria-busy='true'] .pending { display: inline; }
.check { width: 1em; }
.legend { margin: 0; font-weight: 600; }
form { display: grid; gap: calc(var(--_space) * 0.5); }
input { padding: calc(var(--_space) * 0.5); border: 1px solid var(--_border); border-radius: var(--_radius); background: var(--_surface); }
.actions { display: flex; gap: calc(var(--_space) * 0.5); }
`;

let nextId = 0;

export class BeaconStatusMenuElement extends BeaconElement {
  static define(tag = 'beacon-status-menu', registry = customElements): typeof BeaconStatusMenuElement {
    if (!registry.get(tag)) registry.define(tag, this);
    return this;
  }

  readonly #id = `beacon-menu-${++nextId}`;
  #trigger = h('button', { type: 'button', class: 'trigger', part: 'trigger', 'aria-expanded': 'false', 'aria-controls': `${this.#id}-panel` });
  #panel = h('div', { id: `${this.#id}-panel`, class: 'panel', part: 'panel', role: 'group', 'aria-label': 'Your status', hidden: true });
  #radios = new Map<ManualStatus, HTMLButtonElement>();
  #group = h('div', { class: 'options', role: 'radiogroup' });
  /**
   * How many presses of each status have no answer yet, on the connection now bound: a new
   * connection starts a new count (an answer for the one it replaced marks nothing).
   */
  #pending = new Map<ManualStatus, number>();
  /** The connection #pending counts for (the element moved in the page binds the same one again: kept). */
  #pendingFor: BeaconConnection | null = null;
  #input = h('input', { id: `${this.#id}-message`, part: 'input', type: 'text', maxlength: MAX_MESSAGE, autocomplete: 'off' });
  #error = h('p', { class: 'error', part: 'error', role: 'alert' });
  #self: View | null = null;
  /** The manual status the user chose, as the server last said (see #manual). */
  #chosen: ManualStatus = 'online';
  /** Why the button is unavailable (not connected), in words; null while connected. */
  #unavailable: string | null = 'Status unavailable (not connected)';

  constructor() {
    super(CSS);
    this.#build();
    this.root.append(this.#trigger, this.#panel);
    this.#renderTrigger();
  }

  get open(): boolean {
    return !this.#panel.hidden;
  }

  set open(value: boolean) {
    if (value && this.#unavailable !== null) return; // not connected: nothing to show or send
    this.#panel.hidden = !value;
    this.#trigger.setAttribute('aria-expanded', String(value));
    if (!value) return;
    // An old error goes when the panel opens again, rather than show (and be read) as new.
    announce(this.#error, '');
    this.#input.value = this.#self?.custom_message ?? '';
    this.#markChecked();
    this.#place();
    this.#radios.get(this.#manual())?.focus();
  }

  /**
   * The panel opens below the button, its end edge on the button's (the menu in a page's header,
   * at its end). A menu near the page's start edge (a sidebar, a header's first item) would put
   * most of the panel off the page, where it cannot be scrolled to: it is aligned on the button's
   * start edge instead, whichever of the two leaves less of it outside the page.
   */
  #place(): void {
    const panel = this.#panel;
    const width = document.documentElement.clientWidth;
    const outside = (): number => {
      const r = panel.getBoundingClientRect();
      return Math.max(0, -r.left) + Math.max(0, r.right - width);
    };
    panel.classList.remove('start');
    const atEnd = outside();
    if (atEnd === 0) return;
    panel.classList.add('start');
    if (outside() >= atEnd) panel.classList.remove('start');
  }

  override connectedCallback(): void {
    super.connectedCallback();
    document.addEventListener('pointerdown', this.#onOutside);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    document.removeEventListener('pointerdown', this.#onOutside);
  }

  protected bind(connection: BeaconConnection | null): Array<() => void> {
    if (connection !== this.#pendingFor) {
      this.#pending = new Map();
      this.#pendingFor = connection;
      // The last user's message and error are none of the next one's (a shared computer).
      this.#input.value = '';
      announce(this.#error, '');
    }
    this.#markPending();
    this.#self = connection?.client.self ?? null;
    this.#chosen = chosenManualStatus(this.#self, 'online');
    this.#followConnection(connection?.client ?? null);
    if (!connection) return [];
    const { client } = connection;
    const follow = (): void => this.#followConnection(client);
    return [
      client.on('self', (view) => {
        this.#self = view;
        this.#chosen = chosenManualStatus(view, this.#chosen);
        this.#renderTrigger();
        this.#markChecked();
      }),
      client.on('state', follow),
      // A stop while already offline changes no state, but what is said (signed out, ended).
      client.on('stopped', follow),
    ];
  }

  /**
   * The button is usable only while connected; otherwise it is unavailable (aria-disabled, not
   * disabled: a disabled button drops keyboard focus to the page), closes its panel handing focus
   * to the button, and says why in words (the user's status is not known, and a change could not
   * be sent).
   */
  #followConnection(client: PresenceClient | null): void {
    const state: ConnectionState = client?.state ?? 'offline';
    this.dataset.connection = state;
    // Polling: the socket is down but REST answers, so the status is read and can be set.
    this.#unavailable = statusUnavailable(client);
    if (this.#unavailable === null) this.#trigger.removeAttribute('aria-disabled');
    else {
      this.#trigger.setAttribute('aria-disabled', 'true');
      if (this.open) {
        const focusInPanel = this.root.activeElement !== null && this.root.activeElement !== this.#trigger;
        this.open = false;
        if (focusInPanel) this.#trigger.focus();
      }
    }
    this.#renderTrigger();
  }

  /**
   * The manual status the user chose (docs/protocol.md §3 `manual_status`), not the status
   * shown: in a game (`in_game`) or while a schedule makes them busy, it is the one that comes
   * back afterwards, and the one a saved message is sent with.
   */
  #manual(): ManualStatus {
    return this.#chosen;
  }

  #build(): void {
    this.#trigger.addEventListener('click', () => {
      if (this.#unavailable === null) this.open = !this.open;
    });
    this.root.addEventListener('keydown', (e) => {
      if ((e as KeyboardEvent).key !== 'Escape' || !this.open) return;
      e.stopPropagation();
      this.open = false;
      this.#trigger.focus();
    });
    this.addEventListener('focusout', (e) => {
      const next = e.relatedTarget;
      if (this.open && next instanceof Node && !this.contains(next) && !this.root.contains(next)) this.open = false;
    });
    const legend = h('p', { id: `${this.#id}-legend`, class: 'legend' }, 'Status');
    const group = this.#group;
    group.setAttribute('aria-labelledby', legend.id);
    group.append(...MANUAL.map((s) => this.#radio(s)));
    const form = h(
      'form',
      { part: 'form' },
      h('label', { for: this.#input.id }, 'Status message'),
      this.#input,
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'submit', class: 'primary', part: 'save' }, 'Save message'),
        h('button', { type: 'button', part: 'clear', 'data-action': 'clear' }, 'Clear'),
      ),
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const text = this.#input.value.trim() || null;
      // Unchanged: left alone (not sent), so a message that clears itself still does.
      void this.#set(this.#manual(), text !== null && text === this.#self?.custom_message ? undefined : text);
    });
    form.querySelector('[data-action="clear"]')?.addEventListener('click', () => {
      this.#input.value = '';
      void this.#set(this.#manual(), null);
    });
    this.#panel.append(legend, group, form, this.#error);
  }

  #radio(status: ManualStatus): HTMLButtonElement {
    const button = h(
      'button',
      { type: 'button', role: 'radio', class: 'option', part: `option option-${status}`, 'aria-checked': 'false', tabindex: -1, 'data-status': status },
      h('span', { class: 'check', 'aria-hidden': 'true' }),
      statusDot(status),
      h('span', {}, STATUS_LABEL[status]),
      // Seen while its change is on its way (aria-busy says it to assistive technology; this is not in the name).
      h('span', { class: 'pending', part: 'pending', 'aria-hidden': 'true' }, 'Saving…'),
    );
    // The status alone: the message stays as it is, and clears itself when it was set to.
    button.addEventListener('click', () => void this.#choose(status));
    button.addEventListener('keydown', (e) => this.#onRadioKey(e, status));
    this.#radios.set(status, button);
    return button;
  }

  #onRadioKey(e: KeyboardEvent, status: ManualStatus): void {
    const i = MANUAL.indexOf(status);
    const n = MANUAL.length;
    const next =
      e.key === 'ArrowDown' || e.key === 'ArrowRight' ? MANUAL[(i + 1) % n]
      : e.key === 'ArrowUp' || e.key === 'ArrowLeft' ? MANUAL[(i + n - 1) % n]
      : e.key === 'Home' ? MANUAL[0]
      : e.key === 'End' ? MANUAL[n - 1]
      : undefined;
    if (!next) return;
    e.preventDefault();
    // Moving only moves focus: nothing is sent until Enter, Space or a click.
    for (const [s, r] of this.#radios) r.tabIndex = s === next ? 0 : -1;
    this.#radios.get(next)?.focus();
  }

  #markChecked(): void {
    const manual = this.#manual();
    for (const [status, radio] of this.#radios) {
      const on = status === manual;
      radio.setAttribute('aria-checked', String(on));
      radio.tabIndex = on ? 0 : -1;
      const check = radio.querySelector('.check');
      if (check) check.textContent = on ? '✓' : '';
    }
  }

  /**
   * Sets `status` pressed in the radio group: its option, and the group, are `aria-busy` until
   * its answer, the option with a visible "Saving…" (a slow answer would otherwise look like a
   * press that did nothing).
   */
  async #choose(status: ManualStatus): Promise<void> {
    const pending = this.#pending;
    pending.set(status, (pending.get(status) ?? 0) + 1);
    this.#markPending();
    try {
      await this.#set(status);
    } finally {
      const n = (pending.get(status) ?? 1) - 1;
      if (n > 0) pending.set(status, n);
      else pending.delete(status);
      this.#markPending();
    }
  }

  #markPending(): void {
    for (const [status, radio] of this.#radios) {
      if (this.#pending.has(status)) radio.setAttribute('aria-busy', 'true');
      else radio.removeAttribute('aria-busy');
    }
    if (this.#pending.size > 0) this.#group.setAttribute('aria-busy', 'true');
    else this.#group.removeAttribute('aria-busy');
  }

  /**
   * Sets the manual status with `customMessage`, or with the message left alone (its expiry too)
   * when it is undefined: docs/protocol.md §4 PUT /users/me/status.
   */
  async #set(status: ManualStatus, customMessage?: string | null): Promise<void> {
    const connection = this.connection;
    if (!connection) return;
    announce(this.#error, '');
    const detail: StatusSetDetail = { status, customMessage: customMessage === undefined ? (this.#self?.custom_message ?? null) : customMessage };
    try {
      await connection.client.setStatus(status, customMessage);
    } catch (err) {
      // Emptied first, then written: the same error twice is a change a screen reader hears again.
      if (this.connection === connection) announce(this.#error, errorMessage(err));
      return;
    }
    // Replaced meanwhile (connect() again): what is shown is the new connection's.
    if (this.connection !== connection) return;
    // The client's own view, never this answer over it: a later choice's answer or a frame may
    // have overtaken it (the client keeps the view made last).
    this.#self = connection.client.self;
    this.#chosen = chosenManualStatus(this.#self, status);
    this.#renderTrigger();
    this.#markChecked();
    emit<StatusSetDetail>(this, STATUS_SET, detail);
  }

  #renderTrigger(): void {
    // Not connected: the last status read may no longer hold, so it is not shown as current.
    const known = this.#self !== null && this.#unavailable === null;
    const status = known && this.#self ? this.#self.status : 'offline';
    this.dataset.status = known ? status : 'unknown';
    this.#trigger.replaceChildren(
      statusDot(status),
      h('span', { class: 'sr-only' }, 'Your status: '),
      h('span', { part: 'label' }, known ? STATUS_SHORT[status] : (this.#unavailable ?? 'Status')),
      h('span', { 'aria-hidden': 'true' }, ' ▾'),
    );
  }

  #onOutside = (e: PointerEvent): void => {
    if (this.open && !e.composedPath().includes(this)) this.open = false;
  };
}

declare global {
  interface HTMLElementTagNameMap {
    // Beacon's own web app has an element of this name too (src/web/elements/status-menu.ts);
    // the two are never on one page, and the web app makes its own with `new`, not by name.
    'beacon-status-menu': BeaconStatusMenuElement;
  }
}
