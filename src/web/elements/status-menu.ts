/**
 * <beacon-status-menu>: the header's own-status control. A disclosure button opens a
 * panel with the manual status (Online / Away / Busy — DND) as a WAI-ARIA radio group
 * (arrows move focus, Enter/Space or a click commits, so passing over a status never
 * sends it), "Appear offline", the custom message form and activity presets. Escape or a
 * click outside closes it. The trigger shows what friends see: "Invisible" when hidden.
 * Unless connected or polling it is unusable (aria-disabled, so focus stays on it), its panel
 * closes and it says why instead of a status that may no longer hold.
 */
import type { ManualStatus, View } from '../lib/label-types.js';
import { STATUS_LABEL } from '../lib/labels.js';
import { chosenManualStatus } from '../lib/manual-status.js';
import { shortUnavailable, statusUnavailable } from '../lib/status-unavailable.js';
import { ownPresence } from '../lib/own-presence.js';
import { settingsChanged, type SettingsStore } from '../lib/settings-store.js';
import { errorMessage } from '../lib/error-messages.js';
import { shownMessage } from '../lib/shown-message.js';
import { eachMidnight } from '../lib/as-of.js';
import { h, replaceChildren } from '../lib/dom.js';
import { announce } from '../lib/form-errors.js';
import { readAccountPref, writeAccountPref } from '../lib/session.js';
import type { PresenceClient } from '../../client/presence-client.js';

const MANUAL: ManualStatus[] = ['online', 'away', 'busy'];
const HINT: Record<ManualStatus, string> = {
  online: 'Automatic: away when idle',
  away: 'Stays until you change it',
  busy: 'Friends know not to disturb you',
};

export type MenuClient = Pick<
  PresenceClient,
  'on' | 'self' | 'state' | 'catchingUp' | 'stopReason' | 'setStatus' | 'setActivity' | 'getSettings' | 'updateSettings' | 'unhide'
>;

let nextId = 0;

export class StatusMenuElement extends HTMLElement {
  static define(tag = 'beacon-status-menu', registry = customElements): typeof StatusMenuElement {
    if (!registry.get(tag)) registry.define(tag, this);
    return this;
  }

  #client: MenuClient | null = null;
  #off: (() => void) | null = null;
  #settings: SettingsStore | null = null;
  #offSettings: (() => void) | null = null;
  #panelId = `beacon-status-panel-${++nextId}`;
  #trigger = h('button', {
    type: 'button',
    class: 'beacon-trigger',
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
  #radios = new Map<ManualStatus, HTMLButtonElement>();
  #hidden = h('input', { type: 'checkbox', role: 'switch', id: `${this.#panelId}-hidden`, class: 'beacon-switch' });
  #form = document.createElement('beacon-status-message-form');
  /**
   * Why a status or "Appear offline" change was refused, live: a press moves no focus, so the
   * error is heard only as this line's change. Written once per failed press with announce()
   * (lib/form-errors.ts), so the same error at a second press is heard again.
   */
  #error = h('p', { class: 'text-sm text-red-300', role: 'alert', id: `${this.#panelId}-error`, 'data-part': 'status-error' });
  /** Why the status shown is not the one chosen (a schedule, the calendar), or nothing. */
  #why = h('p', { class: 'text-xs text-amber-200', id: `${this.#panelId}-why`, 'data-part': 'status-why', hidden: true });
  #manual: ManualStatus = 'online';
  /**
   * How many presses of each status have no answer yet, for the client and account now bound:
   * each such option is marked busy until its answers are back. Another client or account
   * starts a new count (see #binding).
   */
  #pending = new Map<ManualStatus, number>();
  /**
   * Replaced when the menu is bound to another client, account or settings store (a sign-in as
   * someone else): an answer for the one before then marks, ticks, remembers and says nothing here.
   */
  #binding = {};
  #group = h('div', { role: 'radiogroup', class: 'grid gap-1' });
  /** Why the menu cannot be used now (not connected), in words; null while connected or polling. */
  #unavailable: string | null = statusUnavailable(null);
  /** The signed-in account's id: its own remembered choices (session.ts account preferences), no one else's. */
  #account: number | null = null;

  /** The signed-in account (set before `client`); its last manual status is the starting point. */
  set account(userId: number | null) {
    const changed = userId !== this.#account;
    this.#account = userId;
    this.#manual = (userId === null ? null : (readAccountPref(userId, 'manualStatus') as ManualStatus | null)) ?? 'online';
    if (changed) this.#rebind();
  }

  set client(client: MenuClient | null) {
    const changed = client !== this.#client;
    this.#off?.();
    this.#off = null;
    this.#client = client;
    this.#form.actions = client;
    if (this.isConnected) this.#subscribe();
    if (!client) this.#followConnection();
    if (changed) this.#rebind();
  }

  /**
   * Another client, account or settings store: nothing of the one before is on its way here, nor
   * its error, and an open panel shows the new one's status, message and "Appear offline" (a
   * closed one reads them when it opens).
   */
  #rebind(): void {
    this.#binding = {};
    this.#pending = new Map();
    this.#showPending();
    announce(this.#error, '');
    if (this.open) this.#showOwn();
  }

  /** Shared privacy settings: the trigger says "Invisible" when hidden. */
  set settings(store: SettingsStore | null) {
    const changed = store !== this.#settings;
    this.#offSettings?.();
    this.#settings = store;
    this.#offSettings = store ? store.onChange(() => this.#renderTrigger(this.#client?.self ?? null)) : null;
    this.#renderTrigger(this.#client?.self ?? null);
    if (changed) this.#rebind();
  }

  connectedCallback(): void {
    if (!this.firstChild) this.#build();
    this.#subscribe();
    document.addEventListener('pointerdown', this.#onOutside);
  }

  disconnectedCallback(): void {
    this.#off?.();
    this.#off = null;
    this.#offMidnight?.();
    this.#offMidnight = null;
    document.removeEventListener('pointerdown', this.#onOutside);
  }

  get open(): boolean {
    return !this.#panel.hidden;
  }

  set open(value: boolean) {
    if (value && this.#unavailable !== null) return;
    this.#panel.hidden = !value;
    this.#trigger.setAttribute('aria-expanded', String(value));
    if (value) {
      // An error from before was about an earlier press: an alert shown again with the panel
      // could be read again as new.
      announce(this.#error, '');
      this.#showOwn();
      this.#radios.get(this.#manual)?.focus();
    }
  }

  /** The panel shows the bound account's own status and message as known now, and its "Appear offline" as read. */
  #showOwn(): void {
    this.#syncManual();
    this.#form.sync(this.#client?.self ?? null);
    void this.#loadSettings();
  }

  /**
   * Another tab or device may have changed the manual status: trust the server. The own view
   * says what the user chose (`manual_status`); only a server without that field leaves it to
   * be guessed from the status shown.
   */
  #syncManual(): void {
    const self = this.#client?.self;
    this.#manual = chosenManualStatus(self, this.#manual);
    const why = self ? whyShown(self) : null;
    this.#why.textContent = why ?? '';
    this.#why.hidden = why === null;
    this.#markChecked();
  }

  /** aria-checked plus a visible ✓ on the committed status; roving tabindex on it. */
  #markChecked(): void {
    for (const [status, radio] of this.#radios) {
      const on = status === this.#manual;
      radio.setAttribute('aria-checked', String(on));
      radio.tabIndex = on ? 0 : -1;
    }
  }

  #onRadioKey(e: KeyboardEvent, status: ManualStatus): void {
    const order = MANUAL;
    const i = order.indexOf(status);
    let next: ManualStatus | undefined;
    if (e.key === 'ArrowDown' || e.key === 'ArrowRight') next = order[(i + 1) % order.length];
    else if (e.key === 'ArrowUp' || e.key === 'ArrowLeft') next = order[(i + order.length - 1) % order.length];
    else if (e.key === 'Home') next = order[0];
    else if (e.key === 'End') next = order[order.length - 1];
    if (!next) return;
    e.preventDefault();
    // Moving only moves focus: nothing is sent until Enter, Space or a click.
    for (const [s, r] of this.#radios) r.tabIndex = s === next ? 0 : -1;
    this.#radios.get(next)?.focus();
  }

  #build(): void {
    this.classList.add('relative');
    // aria-disabled, not disabled: a disabled button would drop keyboard focus to the page body.
    this.#trigger.addEventListener('click', () => {
      if (this.#unavailable === null) this.open = !this.open;
    });
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
      'div',
      { class: 'grid gap-1' },
      h('p', { id: `${this.#panelId}-legend`, class: 'mb-1 text-sm font-medium text-slate-200' }, 'Status'),
      // Described by why the status shown differs, and by why a change was refused (both empty mostly).
      this.#group,
      this.#why,
    );
    this.#group.setAttribute('aria-labelledby', `${this.#panelId}-legend`);
    this.#group.setAttribute('aria-describedby', `${this.#why.id} ${this.#error.id}`);
    this.#group.append(...MANUAL.map((s) => this.#radio(s)));
    this.#hidden.setAttribute('aria-describedby', this.#error.id);
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
    this.#followConnection();
  }

  #radio(status: ManualStatus): HTMLButtonElement {
    const button = h(
      'button',
      {
        type: 'button',
        role: 'radio',
        value: status,
        'aria-checked': String(status === this.#manual),
        'aria-describedby': `${this.#panelId}-hint-${status}`,
        tabindex: status === this.#manual ? 0 : -1,
        'data-status': status,
        class: 'beacon-radio-row group',
      },
      h('span', { class: 'beacon-radio-mark', 'aria-hidden': 'true' }, '✓'),
      h('beacon-status-dot', { status, class: 'size-4 shrink-0', 'aria-hidden': 'true' }),
      h(
        'span',
        { class: 'min-w-0 text-left text-sm' },
        h('span', { class: 'block font-medium text-slate-100' }, STATUS_LABEL[status]),
        h('span', { class: 'block text-xs text-slate-400', id: `${this.#panelId}-hint-${status}` }, HINT[status]),
      ),
      // Seen while its change is on its way (aria-busy says it to assistive technology; this is not in the name).
      h('span', { class: 'beacon-radio-pending', 'aria-hidden': 'true', 'data-part': 'pending' }, 'Saving…'),
    );
    // A click, Enter or Space (all "click" on a button) commits; arrows only move.
    button.addEventListener('click', () => void this.#setManual(status));
    button.addEventListener('keydown', (e) => this.#onRadioKey(e, status));
    this.#radios.set(status, button);
    return button;
  }

  #subscribe(): void {
    const client = this.#client;
    if (!client || this.#off) return;
    const follow = (): void => this.#followConnection();
    const offs = [
      client.on('self', (v) => {
        this.#renderTrigger(v);
        if (this.open) {
          this.#syncManual();
          this.#form.follow(v);
        } else this.#form.showActivity(v);
      }),
      client.on('state', follow),
      // A stop while already offline changes no state, but what is said (signed out, ended).
      client.on('stopped', follow),
    ];
    this.#off = () => offs.forEach((off) => off());
    this.#followConnection();
  }

  /**
   * Usable only while connected, polling or catching up on missed events over the open socket
   * (statusUnavailable; a change that fails then shows its error here, as any other). Otherwise the trigger is aria-disabled and says why, and an
   * open panel closes, handing keyboard focus to the trigger rather than losing it.
   */
  #followConnection(): void {
    const client = this.#client;
    this.dataset.connection = client?.state ?? 'offline';
    this.#unavailable = statusUnavailable(client);
    if (this.#unavailable === null) this.#trigger.removeAttribute('aria-disabled');
    else {
      this.#trigger.setAttribute('aria-disabled', 'true');
      if (this.open) {
        const hadFocus = this.contains(document.activeElement) && document.activeElement !== this.#trigger;
        this.open = false;
        if (hadFocus) this.#trigger.focus();
      }
    }
    this.#renderTrigger(client?.self ?? null);
  }

  /** Stops drawing the trigger again at midnight; null while it is not (see #renderTrigger). */
  #offMidnight: (() => void) | null = null;

  #renderTrigger(self: View | null): void {
    // Not connected: the last status read may no longer hold, so it is not shown as current.
    const known = this.#unavailable === null ? self : null;
    const status = known?.status ?? 'offline';
    this.dataset.status = known ? status : 'unknown';
    const own = known ? ownPresence(known, this.#settings?.value ?? null) : null;
    this.dataset.shown = own?.shown ?? 'unknown';
    this.#trigger.title = this.#unavailable ?? own?.audience ?? '';
    const short = this.#unavailable === null ? null : shortUnavailable(this.#unavailable);
    const said = known ? shownMessage(known) : null;
    // A calendar event's end names its day relative to today ("until Tue 8:00 PM"): drawn again
    // just after midnight, when it reads "until 8:00 PM", while the menu is in the page.
    if (said?.until && this.isConnected) this.#offMidnight ??= eachMidnight(() => this.#renderTrigger(this.#client?.self ?? null));
    else {
      this.#offMidnight?.();
      this.#offMidnight = null;
    }
    replaceChildren(
      this.#trigger,
      // No dot while unavailable: its shape would claim a status ("Offline") nobody knows.
      this.#unavailable === null
        ? h('beacon-status-dot', { status: own?.shown === 'invisible' ? 'offline' : status, class: 'size-3.5 shrink-0', 'aria-hidden': 'true' })
        : null,
      h('span', { class: 'sr-only' }, 'Your status: '),
      h('span', { class: `truncate font-medium ${short ? 'max-sm:sr-only' : ''}`, 'data-part': 'self-status' }, own ? own.label : (this.#unavailable ?? 'Status')),
      // A phone's header has room for about a dozen letters beside "Log out": the long reason
      // would be cut to "Status unavai…"; the short one is drawn instead, the long one still heard.
      short ? h('span', { class: 'truncate font-medium sm:hidden', 'aria-hidden': 'true' }, short) : null,
      own?.audience && own.shown !== 'invisible' ? h('span', { class: 'sr-only' }, ` (${own.audience})`) : null,
      said
        ? h('span', { class: 'hidden max-w-40 truncate text-slate-400 md:inline', 'data-part': 'self-message', dir: 'auto' }, '“', ...said.parts, '”')
        : null,
      h('span', { 'aria-hidden': 'true', class: 'text-slate-400' }, '▾'),
    );
  }

  async #setManual(status: ManualStatus): Promise<void> {
    announce(this.#error, '');
    // The choice already in force is not sent again, unless another is on its way: that one
    // would hold after it (the SDK sends them one after another), not this newer choice.
    if (this.#pending.size === 0 && status === this.#manual && this.#client?.self?.status === status) return this.#markChecked();
    const [binding, client, pending] = [this.#binding, this.#client, this.#pending];
    count(pending, status, 1);
    this.#showPending();
    try {
      await client?.setStatus(status);
      // Bound to another client or account meanwhile: this answer is not theirs.
      if (binding !== this.#binding) return;
      // The client's own view, never this answer over it: a later choice's answer, or another
      // tab's or device's change heard meanwhile, may have overtaken it (the client keeps the
      // view made last). Ticked and remembered is the choice in force, not the one pressed.
      this.#manual = chosenManualStatus(client?.self, status);
      if (this.#account !== null) writeAccountPref(this.#account, 'manualStatus', this.#manual);
    } catch (e) {
      // Emptied, then written: the same error at a second press is heard again.
      if (binding === this.#binding) announce(this.#error, errorMessage(e));
    } finally {
      count(pending, status, -1);
      if (binding === this.#binding) this.#showPending();
    }
    if (binding === this.#binding) this.#markChecked();
  }

  /**
   * Each option with a change on its way, and the group while any is, is `aria-busy`, the option
   * with a visible "Saving…" beside it.
   */
  #showPending(): void {
    for (const [status, radio] of this.#radios) {
      if (this.#pending.has(status)) radio.setAttribute('aria-busy', 'true');
      else radio.removeAttribute('aria-busy');
    }
    if (this.#pending.size > 0) this.#group.setAttribute('aria-busy', 'true');
    else this.#group.removeAttribute('aria-busy');
  }

  async #loadSettings(): Promise<void> {
    const binding = this.#binding;
    try {
      const settings = this.#settings ? await this.#settings.load() : await this.#client?.getSettings();
      if (settings && binding === this.#binding) this.#hidden.checked = settings.status_visibility === 'hidden';
    } catch {
      /* the switch keeps its last known position; errors show when it is used */
    }
  }

  async #appearOffline(hide: boolean): Promise<void> {
    announce(this.#error, '');
    const [binding, client, store, account] = [this.#binding, this.#client, this.#settings, this.#account];
    if (!client) return;
    try {
      // Unhiding: the server restores the audience the user had when they hid (from any device).
      // The store tells every screen of the answer itself, as its own account's.
      if (store) await (hide ? store.update({ status_visibility: 'hidden' }) : store.unhide());
      else {
        const saved = await (hide ? client.updateSettings({ status_visibility: 'hidden' }) : client.unhide());
        // Bound to another client or account meanwhile: not told here, where it would pass for theirs.
        if (binding === this.#binding) document.dispatchEvent(settingsChanged(saved, account));
      }
    } catch (e) {
      // Bound to another client or account meanwhile: its switch and error line are its own.
      if (binding !== this.#binding) return;
      this.#hidden.checked = !hide;
      announce(this.#error, errorMessage(e));
    }
  }

  #onOutside = (e: PointerEvent): void => {
    if (this.open && !e.composedPath().includes(this)) this.open = false;
  };
}

/** Counts a press of `status` sent (1) or answered (-1) in `pending`; a status at none is dropped. */
function count(pending: Map<ManualStatus, number>, status: ManualStatus, by: 1 | -1): void {
  const n = (pending.get(status) ?? 0) + by;
  if (n > 0) pending.set(status, n);
  else pending.delete(status);
}

// No HTMLElementTagNameMap entry: the name is the drop-in <beacon-status-menu>'s there
// (src/elements, for host pages); the app makes this one with `new StatusMenuElement()`.
// The `beacon:settings-changed` it sends without a settings store is declared in lib/settings-store.ts.

/**
 * Why the status shown differs from the one chosen, when neither the menu nor the header says
 * it: a schedule rule or the calendar feed making the user busy or away in automatic mode.
 * A game (`in_game`) and idleness (activity `idle`) show in the header already.
 */
export function whyShown(self: View): string | null {
  if (self.manual_status !== 'online') return null;
  if (self.status === 'busy') return 'You show as Busy now because of your status schedule or calendar. It ends on its own; choosing Busy or Away here takes over.';
  if (self.status === 'away' && self.activity !== 'idle') return 'You show as Away now because of your status schedule. It ends on its own; choosing Busy or Away here takes over.';
  return null;
}
