/**
 * <beacon-status-message-form>: custom message (with an emoji picker and a live counter in
 * characters as people see them) with "clear after" presets, plus quick activity chips
 * that show the current activity. Lives inside the header's status menu. Each error shows
 * next to its own control, and a refused save is also said in the form's alert line (heard
 * after Enter in the field, where focus does not move: lib/form-errors.ts). The count is read
 * with the field (aria-describedby), not announced at each key; screen readers are told only
 * when the limit is near or passed (limitNotice). A refused quick activity is said in its own
 * alert line, once per press.
 */
import type { Activity, ManualStatus, View } from '../lib/label-types.js';
import { ACTIVITY_LABEL } from '../lib/labels.js';
import { CLEAR_AFTER, CLEAR_AFTER_LABEL, expiresAt, isPastExpiry, type ClearAfter } from '../lib/expiry.js';
import { serverNow } from '../lib/server-time.js';
import { whileBusy } from '../lib/busy-button.js';
import { errorMessage } from '../lib/error-messages.js';
import { countGraphemes, hasUnsafeText, hasVisibleCharacter, insertAt, limitNotice, tooManyCharacters } from '../lib/graphemes.js';

/** Pasted text can carry characters friends must not get (protocol/text.ts): say which, and keep the text to fix. */
const UNSAFE_TEXT = 'Messages can\u2019t hold tabs, line breaks or hidden text-direction controls (often pasted along with text). Remove them and save again.';
/** The server refused the expiry as past (lib/expiry.ts isPastExpiry): the message is not at fault. */
const PAST_EXPIRY = 'That time to clear the message has already passed. Choose another and save again.';
import { h, isolated } from '../lib/dom.js';
import { announce, errorSummary } from '../lib/form-errors.js';
import type { PresenceClient } from '../../client/presence-client.js';
import { MAX_CUSTOM_MESSAGE } from '../../protocol/errors.js';

const PRESETS: Activity[] = ['playing_pong', 'watching_match', 'chatting', 'managing_profile', 'browsing'];

/** `self`: the client's own view, which keeps the newest (never an older answer over a later change). */
export type StatusActions = Pick<PresenceClient, 'setStatus' | 'setActivity' | 'self'>;

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
    placeholder: 'What are you up to?',
    autocomplete: 'off',
    class: 'beacon-input w-full',
    'aria-describedby': 'beacon-message-count beacon-message-error',
  });
  #count = h('p', { id: 'beacon-message-count', class: 'text-xs text-slate-400', 'data-part': 'message-count' });
  /** Said as the user types near or past the limit, and only then. */
  #limit = h('p', { class: 'sr-only', role: 'status', 'data-part': 'message-limit' });
  /** The count the user last typed to (the field's count when set from outside), for limitNotice. */
  #counted = 0;
  #messageError = h('p', { id: 'beacon-message-error', class: 'text-sm text-red-300', 'data-part': 'message-error' });
  #clearAfter = h(
    'select',
    { id: 'beacon-clear-after', name: 'clear_after', class: 'beacon-input w-full', 'aria-describedby': 'beacon-clear-after-error' },
    ...CLEAR_AFTER.map((p) => h('option', { value: p }, CLEAR_AFTER_LABEL[p])),
  );
  #clearAfterError = h('p', { id: 'beacon-clear-after-error', class: 'text-sm text-red-300', 'data-part': 'clear-after-error' });
  /** The quick activity chips' group, and how many of their choices have no answer yet. */
  #presets!: HTMLElement;
  #activitySending = 0;
  /** "Keep current (clears at …)": offered, and chosen, while the own message has an expiry. */
  #keep = h('option', { value: 'keep' });
  /** The own message's expiry (ISO), or null. */
  #keepAt: string | null = null;
  /**
   * What the form last showed of the message in force (the field's text, the "Clear after"
   * choice): a field still holding it is untouched, and follows a change made elsewhere.
   */
  #shown = { text: '', clearAfter: 'never' };
  #chips = new Map<Activity, HTMLButtonElement>();
  /**
   * Why a quick activity was refused, live: pressing a chip moves no focus, so the error is
   * heard only as this line's change. Written once per failed press (lib/form-errors.ts), never
   * by the chips' re-render at each view.
   */
  #activityError = h('p', { id: 'beacon-activity-error', class: 'text-sm text-red-300', role: 'alert', 'data-part': 'activity-error' });
  #save = h('button', { type: 'submit', class: 'beacon-btn-primary' }, 'Save message');
  /**
   * Says why a save was refused ("Custom message: …"), for screen readers only: each error is
   * already shown beside its control. Written at a save, never while typing (the limit line does that).
   */
  #alert = h('p', { class: 'sr-only', role: 'alert', 'data-part': 'message-form-alert' });

  connectedCallback(): void {
    if (this.firstChild) return;
    const clear = h('button', { type: 'button', class: 'beacon-btn' }, 'Clear');
    const picker = document.createElement('beacon-emoji-picker');
    const form = h(
      'form',
      { class: 'grid gap-2', 'aria-label': 'Custom status message', novalidate: true },
      h('label', { for: 'beacon-message', class: 'text-sm font-medium text-slate-200' }, 'Custom message'),
      this.#input,
      h('div', { class: 'flex items-start justify-between gap-2' }, this.#count, picker),
      this.#limit,
      this.#messageError,
      h('label', { for: 'beacon-clear-after', class: 'text-sm font-medium text-slate-200' }, 'Clear after'),
      this.#clearAfter,
      this.#clearAfterError,
      h('div', { class: 'flex gap-2' }, this.#save, clear),
      this.#alert,
    );
    this.#input.addEventListener('input', () => this.#updateCount(true));
    this.#clearAfter.addEventListener('change', () => this.#showClearAfterError(''));
    picker.addEventListener('beacon:emoji', (e) => {
      const { value, caret } = insertAt(this.#input.value, this.#input.selectionStart, this.#input.selectionEnd, e.detail);
      this.#input.value = value;
      this.#input.focus();
      this.#input.setSelectionRange(caret, caret);
      this.#updateCount(true);
    });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const text = this.#input.value.trim();
      if (countGraphemes(text) > MAX_CUSTOM_MESSAGE) {
        this.#refuseMessage(`Messages are at most ${MAX_CUSTOM_MESSAGE} characters; this one has ${countGraphemes(text)}.`);
        return;
      }
      if (hasUnsafeText(text)) {
        this.#refuseMessage(UNSAFE_TEXT);
        return;
      }
      const choice = this.#clearAfter.value;
      // Only characters that draw nothing (zero-width spaces, a Braille blank) are no message, like
      // spaces: saved, they showed friends an empty pair of quotes.
      void this.#send(hasVisibleCharacter(text) ? text : null, choice === 'keep' ? this.#keepAt : expiresAt(choice as ClearAfter));
    });
    clear.addEventListener('click', () => {
      this.#input.value = '';
      this.#updateCount();
      void this.#send(null, null);
    });

    const presets = (this.#presets = h(
      'div',
      { class: 'flex flex-wrap gap-1.5', role: 'group', 'aria-labelledby': 'beacon-activity-title', 'aria-describedby': 'beacon-activity-error' },
      ...PRESETS.map((a) => {
        const b = h('button', { type: 'button', class: 'beacon-chip', 'data-activity': a, 'aria-pressed': 'false' },
          h('span', { class: 'beacon-chip-mark', 'aria-hidden': 'true' }, '✓'), ACTIVITY_LABEL[a]);
        b.addEventListener('click', () => void this.#activity(a));
        this.#chips.set(a, b);
        return b;
      }),
    ));
    this.append(
      form,
      h('div', { class: 'mt-4 grid gap-2' },
        h('p', { id: 'beacon-activity-title', class: 'text-sm font-medium text-slate-200' }, 'Quick activity'), presets, this.#activityError),
    );
    this.#updateCount();
  }

  /**
   * Shows the current message and when it clears, unless the user is mid-edit (the menu calls
   * this as it opens). A quick activity's error and a refused save's alert from before go: they
   * were about a press or a save, and an alert shown again with the panel would be read again
   * as if new; so does a "Clear after" error, with the choice it was about.
   */
  sync(self: View | null): void {
    announce(this.#activityError, '');
    announce(this.#alert, '');
    if (document.activeElement !== this.#input) this.#showMessage(self);
    if (document.activeElement !== this.#clearAfter) {
      this.#syncExpiry(self);
      // The choice a refusal was about is gone: so is its error.
      this.#showClearAfterError('');
    }
    this.showActivity(self);
  }

  /**
   * The own view changed while the form is open (another device, a tab, an expiry): each field
   * the user has not touched since it was shown follows; what they typed or chose stays.
   */
  follow(self: View | null): void {
    const text = self?.custom_message ?? '';
    if (this.#input.value === this.#shown.text) {
      if (this.#input.value !== text) this.#showMessage(self);
    }
    // Saved from here (or matching by chance): in force, so untouched again.
    else if (this.#input.value.trim() === text) this.#shown.text = this.#input.value;
    if (this.#clearAfter.value === this.#shown.clearAfter && this.#clearAfter.getAttribute('aria-invalid') !== 'true') this.#syncExpiry(self);
    this.showActivity(self);
  }

  #showMessage(self: View | null): void {
    this.#input.value = this.#shown.text = self?.custom_message ?? '';
    this.#updateCount();
  }

  /**
   * Offers the message's own expiry first, chosen, so that saving it again (or a new text)
   * keeps when it clears; without one, "Don't clear" is what is in force.
   */
  #syncExpiry(self: View | null): void {
    const at = self?.custom_message ? (self.custom_message_expires_at ?? null) : null;
    const now = serverNow();
    this.#keepAt = at !== null && Date.parse(at) > now.getTime() ? at : null;
    if (this.#keepAt === null) {
      this.#keep.remove();
      this.#clearAfter.value = this.#shown.clearAfter = 'never';
      return;
    }
    this.#keep.textContent = `Keep current (clears ${clearsAt(new Date(this.#keepAt), now)})`;
    if (this.#keep.parentNode !== this.#clearAfter) this.#clearAfter.prepend(this.#keep);
    this.#clearAfter.value = this.#shown.clearAfter = 'keep';
  }

  /** Marks the chip of the current activity (aria-pressed and a visible ✓). */
  showActivity(self: View | null): void {
    for (const [a, b] of this.#chips) b.setAttribute('aria-pressed', String(self?.activity === a));
  }

  /** Shows the count; `typed` (the user's own edit) also says when the limit comes near or is passed. */
  #updateCount(typed = false): void {
    const n = countGraphemes(this.#input.value.trim());
    this.#count.textContent = `${n}/${MAX_CUSTOM_MESSAGE} characters`;
    const notice = typed ? limitNotice(this.#counted, n, MAX_CUSTOM_MESSAGE) : null;
    this.#limit.textContent = notice ?? '';
    this.#counted = n;
    const over = n > MAX_CUSTOM_MESSAGE;
    this.#count.classList.toggle('text-red-300', over);
    this.#count.classList.toggle('text-slate-400', !over);
    if (over) this.#showMessageError(tooManyCharacters(n - MAX_CUSTOM_MESSAGE));
    else if (hasUnsafeText(this.#input.value)) this.#showMessageError(UNSAFE_TEXT);
    else if (this.#input.getAttribute('aria-invalid') === 'true') this.#showMessageError('');
  }

  #showClearAfterError(text: string): void {
    this.#clearAfterError.textContent = text;
    if (text) this.#clearAfter.setAttribute('aria-invalid', 'true');
    else this.#clearAfter.removeAttribute('aria-invalid');
  }

  #showMessageError(text: string): void {
    this.#messageError.textContent = text;
    if (text) this.#input.setAttribute('aria-invalid', 'true');
    else this.#input.removeAttribute('aria-invalid');
  }

  /** A save refused for the message: shown beside it, said, and the field focused (where it is not already). */
  #refuseMessage(text: string): void {
    this.#showMessageError(text);
    this.#say('Custom message', text);
    this.#input.focus();
  }

  /** Says one control's error in the alert line, so it is heard even where focus does not move. */
  #say(label: string, message: string): void {
    announce(this.#alert, errorSummary([{ label, message }]));
  }

  /** Saves the message. The Save button is marked busy meanwhile, keeping focus (busy-button.ts). */
  async #send(message: string | null, expires: string | null): Promise<void> {
    const actions = this.actions;
    if (!actions) return;
    await whileBusy(this.#save, async () => {
      this.#showMessageError('');
      this.#showClearAfterError('');
      announce(this.#alert, '');
      try {
        await actions.setStatus(this.manualStatus(), message, message ? expires : null);
      } catch (e) {
        if (isPastExpiry(e)) {
          this.#showClearAfterError(PAST_EXPIRY);
          this.#say('Clear after', PAST_EXPIRY);
          this.#clearAfter.focus();
          return;
        }
        this.#refuseMessage(errorMessage(e, { VALIDATION_ERROR: `Messages are at most ${MAX_CUSTOM_MESSAGE} characters, with no tabs or text-direction controls.` }));
      }
    });
  }

  async #activity(activity: Activity): Promise<void> {
    if (!this.actions) return;
    announce(this.#activityError, '');
    // The chips are aria-busy while a choice is on its way, as the status radios are: assistive
    // technology hears the pressed chip is not final yet (and a test waits for its answer).
    if (this.#activitySending++ === 0) this.#presets.setAttribute('aria-busy', 'true');
    try {
      const answer = await this.actions.setActivity(activity);
      // The client's own view, never this answer over it: another tab's or device's change heard
      // meanwhile may have overtaken it (the client keeps the view made last), as the status
      // menu does for a status.
      this.showActivity(this.actions.self ?? answer);
    } catch (e) {
      // Emptied, then written: the same error at a second press is heard again.
      announce(this.#activityError, errorMessage(e, { CONFLICT: 'You are in a match; your activity follows the game.' }));
    } finally {
      if (--this.#activitySending === 0) this.#presets.removeAttribute('aria-busy');
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'beacon-status-message-form': StatusMessageFormElement;
  }
}

/**
 * "at 15:30" today, else "Fri 15:30" (local time); the time (and day) isolated for bidi with
 * FSI … PDI, as an <option>'s text holds no <bdi>.
 */
function clearsAt(at: Date, now: Date): string {
  const time = at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return at.toDateString() === now.toDateString() ? `at ${isolated(time)}` : isolated(`${at.toLocaleDateString([], { weekday: 'short' })} ${time}`);
}
