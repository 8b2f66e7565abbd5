/**
 * <beacon-friend-card>: one friend as the viewer is allowed to see them. Renders from a
 * `view` property; `flash()` plays the short "status changed" animation. The activity
 * line carries rich presence ("Playing Pong vs bob · 3–2 · 12 min", elapsed time kept
 * live by <beacon-elapsed-time>). Long unbroken names and messages wrap; the full text is also in `title`. Every text the
 * friend controls is clipped to its own box (`beacon-ugc`): combining-mark stacks never cover the rest,
 * the avatar's initials among them, which are whole graphemes (lib/initials.ts).
 * Your own card (`own` set) says what a plain friend sees (the server's own rule: no
 * activity, message or status they may not see; "Offline" while you appear offline), who
 * sees more, and that it may be out of date while the connection is not live; it says when
 * your activity began in words ("since 14:02"), where a friend's card has that in its menu.
 * A calendar event's end ("until Tue 8:00 PM") is drawn again at midnight ("until 8:00 PM").
 */
import type { ConnectionLabel, Settings, View } from '../lib/label-types.js';
import { STATUS_LABEL } from '../lib/labels.js';
import { activityLine } from '../lib/rich-presence.js';
import { asFriendsSeeYou, ownPresence, ownStaleParts } from '../lib/own-presence.js';
import { initials } from '../lib/initials.js';

/** An approximate last seen, for friends allowed only that (never the moment). */
const LAST_SEEN_APPROX: Record<'recently' | 'within_week' | 'within_month' | 'long_ago', string> = {
  recently: 'last seen recently',
  within_week: 'last seen within a week',
  within_month: 'last seen within a month',
  long_ago: 'last seen a long time ago',
};
import { bdi, h, userText } from '../lib/dom.js';
import { precisionOf } from '../lib/relative-time.js';
import { serverNow } from '../lib/server-time.js';
import { shownMessage } from '../lib/shown-message.js';
import { eachMidnight } from '../lib/as-of.js';

/** Stable pastel per user so avatars are told apart without pictures. */
const AVATAR_BG = ['bg-sky-700', 'bg-emerald-700', 'bg-amber-700', 'bg-fuchsia-700', 'bg-indigo-700', 'bg-teal-700'];

/** Your own card: your privacy settings (null until loaded) and the connection's state. */
export interface OwnCardOptions {
  settings: Settings | null;
  connection?: { state: ConnectionLabel; lastSyncAt: number | null };
}

export class FriendCardElement extends HTMLElement {
  static define(tag = 'beacon-friend-card', registry = customElements): typeof FriendCardElement {
    if (!registry.get(tag)) registry.define(tag, this);
    return this;
  }

  #view: View | null = null;
  #own: OwnCardOptions | null = null;
  #menu: HTMLElement | null = null;
  /** Drawn with a text that names a day relative to today (a calendar event's end: "until Tue 8:00 PM"). */
  #dated = false;
  /** The device's day the card was drawn on (Date.toDateString). */
  #drawnOn = '';
  /** Stops drawing the card again at midnight; null while it is not. */
  #offMidnight: (() => void) | null = null;

  /** Marks this as the signed-in user's card; `settings` decide what friends see, `connection` whether it is live. */
  set own(value: OwnCardOptions | null) {
    this.#own = value;
    if (this.#view) this.#render(this.#view);
  }

  /** A control (the friend menu) shown at the card's end. */
  set menu(el: HTMLElement | null) {
    this.#menu = el;
    if (this.#view) this.#render(this.#view);
  }

  /**
   * Put back in the page (moved in the list, or shown again under the Online tab or a filter):
   * a card drawn on an earlier day with a day-relative text is drawn again for today first.
   */
  connectedCallback(): void {
    if (!this.#dated || !this.#view) return;
    if (this.#drawnOn !== new Date().toDateString()) this.#render(this.#view);
    else this.#followDay(true);
  }

  disconnectedCallback(): void {
    this.#offMidnight?.();
    this.#offMidnight = null;
  }

  /**
   * While the card shows a day-relative text and is in the page, it is drawn again just after
   * each midnight (lib/as-of.ts eachMidnight): "until Tue 8:00 PM" becomes "until 8:00 PM" on
   * Tuesday, though no new view came.
   */
  #followDay(dated: boolean): void {
    this.#dated = dated;
    this.#drawnOn = new Date().toDateString();
    if (dated && this.isConnected) this.#offMidnight ??= eachMidnight(() => {
      if (this.#view) this.#render(this.#view);
    });
    else {
      this.#offMidnight?.();
      this.#offMidnight = null;
    }
  }

  get view(): View | null {
    return this.#view;
  }

  set view(value: View | null) {
    const before = this.#view;
    this.#view = value;
    if (!value) return;
    // Skip DOM work when nothing visible changed (polling delivers identical views).
    if (before && JSON.stringify({ ...before, timestamp: '' }) === JSON.stringify({ ...value, timestamp: '' })) return;
    this.#render(value);
  }

  #flashTimer: ReturnType<typeof setTimeout> | undefined;

  /** Short highlight after a real-time change; CSS turns the motion off under reduced motion. */
  flash(): void {
    FriendCardElement.flashAll([this]);
  }

  /**
   * Flashes these cards together. A flash still running starts again, which takes a reflow:
   * one for all of them, not one per card (a burst of 200 changes forced 200 layouts of the page).
   */
  static flashAll(cards: readonly FriendCardElement[]): void {
    const running = cards.filter((card) => card.classList.contains('beacon-changed'));
    for (const card of running) card.classList.remove('beacon-changed');
    // Force a reflow so re-adding the class restarts the animation.
    if (running[0]) void running[0].offsetWidth;
    for (const card of cards) {
      card.classList.add('beacon-changed');
      // A timer rather than animationend: that event never fires when motion is reduced
      // (no animation runs) or when the card is moved mid-animation.
      clearTimeout(card.#flashTimer);
      card.#flashTimer = setTimeout(() => card.classList.remove('beacon-changed'), 1_500);
    }
  }

  #render(real: View): void {
    const own = this.#own ? ownPresence(real, this.#own.settings) : null;
    // Your own card shows what a plain friend receives, never more.
    const v = this.#own ? asFriendsSeeYou(real, this.#own.settings) : real;
    const conn = this.#own?.connection;
    const staleNote = conn ? ownStaleParts(conn.state, conn.lastSyncAt) : null;
    this.dataset.userId = String(v.user_id);
    this.dataset.status = v.status;
    this.dataset.username = v.username;
    this.className =
      'beacon-card flex min-w-0 items-start gap-3 rounded-xl border border-slate-700/70 bg-slate-800/60 p-3 sm:p-4';

    const avatarBg = AVATAR_BG[v.user_id % AVATAR_BG.length] ?? 'bg-slate-600';
    const avatar = h(
      'div',
      { class: `relative grid size-11 shrink-0 place-items-center rounded-full ${avatarBg} font-semibold whitespace-nowrap text-white`, 'aria-hidden': 'true' },
      // Whole graphemes, contained: a letter's stack of combining marks stays inside the avatar.
      userText(initials(v.display_name)),
      h('beacon-status-dot', {
        status: v.status,
        class: 'absolute -right-0.5 -bottom-0.5 size-4 rounded-full bg-slate-900 ring-2 ring-slate-900',
        'aria-hidden': 'true',
      }),
    );

    const now = serverNow();
    const line = activityLine(v, now);
    const sep = (): HTMLElement => h('span', { 'aria-hidden': 'true', class: 'text-slate-500' }, '·');
    // Kept current, with its "since" tooltip, by the page's one timer for times (elements/elapsed-time.ts).
    const elapsed = line?.since ? h('beacon-elapsed-time', { 'data-part': 'elapsed', since: line.since.toISOString() }) : null;
    // Your own card says when the activity began in words too ("since 14:02"): a friend's card
    // has it in its menu (exact-time), yours has no menu, and a tooltip is out of reach of
    // keyboard and touch. As friends see it (to the minute), kept current (its date after midnight).
    const started = this.#own && line?.since ? h('beacon-elapsed-time', { 'data-part': 'since', since: line.since.toISOString(), show: 'since' }) : null;
    const statusLine = h(
      'p',
      { class: 'mt-0.5 flex flex-wrap items-center gap-x-1.5 text-sm text-slate-300', 'data-part': 'status' },
      h('beacon-status-dot', { status: v.status, class: 'size-3.5 shrink-0', 'aria-hidden': 'true' }),
      h('span', { class: 'font-medium text-slate-100', 'data-part': 'status-label' }, STATUS_LABEL[v.status]),
      line ? sep() : null,
      line ? h('span', { 'data-part': 'activity', class: 'beacon-ugc min-w-0' }, line.title) : null,
      ...(line?.details ?? []).flatMap((d) => [sep(), h('span', { 'data-part': 'activity-detail', class: 'beacon-ugc' }, d)]),
      elapsed ? sep() : null,
      elapsed,
      started ? sep() : null,
      started,
    );
    const audience = own?.audience
      ? h('p', { class: 'mt-1 text-xs text-slate-400', 'data-part': 'audience' }, own.audience)
      : null;
    // Read where it is, not announced: the header's connection state is the one live region about the connection.
    const stale = staleNote
      ? h('p', { class: 'mt-1 text-xs text-amber-200', 'data-part': 'own-stale' }, h('span', { 'aria-hidden': 'true' }, '⚠ '), staleNote.words,
          // The time in the reader's locale, isolated for bidi in the English sentence.
          ...(staleNote.time === null ? [] : [' As of ', bdi(staleNote.time), '.']))
      : null;

    const said = shownMessage(v);
    this.#followDay(said?.until != null);
    const message = said
      ? h('p', { class: 'beacon-ugc mt-1 text-sm text-slate-200 italic', 'data-part': 'message', dir: 'auto', title: said.text }, '“', ...said.parts, '”')
      : null;

    const approx = v.status === 'offline' && !v.last_seen && v.last_seen_approx ? LAST_SEEN_APPROX[v.last_seen_approx] : null;
    const lastSeen =
      v.status === 'offline' && v.last_seen
        ? h(
            'p',
            { class: 'mt-1 text-xs text-slate-400', 'data-part': 'last-seen' },
            // Others get it floored to the minute: read as such, never as an exact moment.
            h('beacon-relative-time', { datetime: v.last_seen, prefix: 'last seen ', precision: precisionOf(new Date(v.last_seen)) }),
          )
        : approx
          ? h('p', { class: 'mt-1 text-xs text-slate-400', 'data-part': 'last-seen' }, approx)
          : null;

    const body = h(
      'div',
      { class: 'min-w-0 flex-1' },
      h(
        'p',
        { class: 'flex min-w-0 flex-wrap items-baseline gap-x-2' },
        h('span', { class: 'beacon-ugc min-w-0 font-semibold text-white', 'data-part': 'name', title: v.display_name }, v.display_name),
        h('span', { class: 'beacon-ugc min-w-0 text-xs text-slate-400', 'data-part': 'username', title: `@${v.username}` }, `@${v.username}`),
      ),
      statusLine,
      audience,
      stale,
      message,
      lastSeen,
    );
    // The menu stays in the document if it is there: taking it out would drop keyboard focus from it.
    const menu = this.#menu;
    if (menu?.parentNode === this) {
      for (const child of [...this.childNodes]) if (child !== menu) child.remove();
      this.insertBefore(avatar, menu);
      this.insertBefore(body, menu);
    } else {
      this.replaceChildren(avatar, body, ...(menu ? [menu] : []));
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'beacon-friend-card': FriendCardElement;
  }
}
