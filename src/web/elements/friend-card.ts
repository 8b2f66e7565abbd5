/**
 * <beacon-friend-card>: one friend as the viewer is allowed to see them. Renders from a
 * `view` property; `flash()` plays the short "status changed" animation.
 */
import type { View } from '../lib/label-types.js';
import { ACTIVITY_LABEL, STATUS_LABEL } from '../lib/labels.js';
import { h } from '../lib/dom.js';

function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const letters = parts.length > 1 ? `${parts[0]?.[0] ?? ''}${parts[1]?.[0] ?? ''}` : name.slice(0, 2);
  return letters.toUpperCase() || '?';
}

/** Stable pastel per user so avatars are told apart without pictures. */
const AVATAR_BG = ['bg-sky-700', 'bg-emerald-700', 'bg-amber-700', 'bg-fuchsia-700', 'bg-indigo-700', 'bg-teal-700'];

export class FriendCardElement extends HTMLElement {
  static define(tag = 'beacon-friend-card', registry = customElements): typeof FriendCardElement {
    if (!registry.get(tag)) registry.define(tag, this);
    return this;
  }

  #view: View | null = null;

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
    this.classList.remove('beacon-changed');
    // Force a reflow so re-adding the class restarts the animation.
    void this.offsetWidth;
    this.classList.add('beacon-changed');
    // A timer rather than animationend: that event never fires when motion is reduced
    // (no animation runs) or when the card is moved mid-animation.
    clearTimeout(this.#flashTimer);
    this.#flashTimer = setTimeout(() => this.classList.remove('beacon-changed'), 1_500);
  }

  #render(v: View): void {
    this.dataset.userId = String(v.user_id);
    this.dataset.status = v.status;
    this.dataset.username = v.username;
    this.className =
      'beacon-card flex items-start gap-3 rounded-xl border border-slate-700/70 bg-slate-800/60 p-3 sm:p-4';

    const avatarBg = AVATAR_BG[v.user_id % AVATAR_BG.length] ?? 'bg-slate-600';
    const avatar = h(
      'div',
      { class: `relative grid size-11 shrink-0 place-items-center rounded-full ${avatarBg} font-semibold text-white`, 'aria-hidden': 'true' },
      initials(v.display_name),
      h('beacon-status-dot', {
        status: v.status,
        class: 'absolute -right-0.5 -bottom-0.5 size-4 rounded-full bg-slate-900 ring-2 ring-slate-900',
        'aria-hidden': 'true',
      }),
    );

    const statusLine = h(
      'p',
      { class: 'mt-0.5 flex flex-wrap items-center gap-x-1.5 text-sm text-slate-300', 'data-part': 'status' },
      h('beacon-status-dot', { status: v.status, class: 'size-3.5 shrink-0', 'aria-hidden': 'true' }),
      h('span', { class: 'font-medium text-slate-100', 'data-part': 'status-label' }, STATUS_LABEL[v.status]),
      v.activity && v.status !== 'offline' ? h('span', { 'aria-hidden': 'true', class: 'text-slate-500' }, '·') : null,
      v.activity && v.status !== 'offline' ? h('span', { 'data-part': 'activity' }, ACTIVITY_LABEL[v.activity]) : null,
    );

    const message = v.custom_message
      ? h('p', { class: 'mt-1 break-words text-sm text-slate-200 italic', 'data-part': 'message' }, `“${v.custom_message}”`)
      : null;

    const lastSeen =
      v.status === 'offline' && v.last_seen
        ? h(
            'p',
            { class: 'mt-1 text-xs text-slate-400', 'data-part': 'last-seen' },
            h('beacon-relative-time', { datetime: v.last_seen, prefix: 'last seen ' }),
          )
        : null;

    const body = h(
      'div',
      { class: 'min-w-0 flex-1' },
      h(
        'p',
        { class: 'flex flex-wrap items-baseline gap-x-2' },
        h('span', { class: 'truncate font-semibold text-white', 'data-part': 'name' }, v.display_name),
        h('span', { class: 'truncate text-xs text-slate-400' }, `@${v.username}`),
      ),
      statusLine,
      message,
      lastSeen,
    );
    this.replaceChildren(avatar, body);
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'beacon-friend-card': FriendCardElement;
  }
}
