/**
 * The menu on each friend's card: category and remove (two steps, named after the friend
 * in both), block (two steps too), an invitation to a Pong match, "Notify me when online"
 * (a toggle button), and the friend's usual hours when they share them. It first says in words the
 * exact moment the card gives only as a tooltip ("Last seen Mon, 7 Dec 2026, 14:02", "Chatting
 * since …"), which keyboard and touch users cannot hover; the ⋯ button has it as its description,
 * and it follows the friend's view (`update`). A disclosure button with a small panel;
 * Escape closes it and returns focus to the button. The category and the toggle are read when
 * the menu opens: until then, or if that fails, they claim nothing (no category, toggle disabled).
 * A category changed on any of the user's devices arrives over the socket (`setCategory`) and
 * shows at once in a menu that has read one, open or not. The usual-hours line follows the
 * friend's view (`pattern_shared`): it goes the moment they stop sharing them with you, and is
 * read again when they start while the menu is open, and at every opening.
 * Every text naming the friend gives their @username with the display name (display names
 * are not unique: a friend renamed "Bo" must not pass for Bo), contained (`userText`).
 */
import type { ApiClient } from '../../client/api.js';
import type { FriendCategory, View } from '../lib/label-types.js';
import { CATEGORY_LABEL, nameWithUsername } from '../lib/labels.js';
import { FRIEND_CATEGORIES } from '../../protocol/enums.js';
import { whileBusy } from '../lib/busy-button.js';
import { errorMessage } from '../lib/error-messages.js';
import { bdi, h, userText } from '../lib/dom.js';
import { inviteSentParts, sentInvites } from '../lib/sent-invites.js';
import { exactTimeParts } from '../lib/rich-presence.js';

export interface FriendMenuContext {
  api: Pick<ApiClient, 'friends' | 'setFriendCategory' | 'removeFriend' | 'blockUser' | 'inviteToGame' | 'watches' | 'watch' | 'unwatch' | 'userPattern'>;
  /** Says what happened (a polite live region on the page); the friend's name comes contained. */
  notify(...parts: Array<Node | string>): void;
  /** Where focus goes after the friend is removed (their card is gone). */
  afterRemove(): void;
}

/** A friend's menu; `update` gives it the friend's current view (a rename relabels it). */
export interface FriendMenu {
  element: HTMLElement;
  update(view: View): void;
  /** The category the server announced (`friend_updated`, from any of the user's devices). */
  setCategory(category: FriendCategory): void;
}

let nextId = 0;

export function friendMenu(view: View, ctx: FriendMenuContext): FriendMenu {
  const id = `friend-menu-${++nextId}`;
  // The menu lives as long as the friend's card, across renames: every text that names the
  // friend reads this ("Bo (@bo)"), and `update` relabels them (see label()).
  let name = nameWithUsername(view);
  /** The friend's status as shown now (`update` follows it), for what an invitation can promise. */
  let status = view.status;
  /** The friend's name inside a sentence, in its own box. */
  const named = (): HTMLSpanElement => userText(name);
  const toggle = h('button', {
    type: 'button', class: 'beacon-btn px-2', 'aria-expanded': 'false', 'aria-controls': id,
    'data-part': 'friend-menu',
  }, h('span', { 'aria-hidden': 'true' }, '⋯'));
  const categoryId = `${id}-category`;
  // Shown while the category is not known (the first option would otherwise claim "Close friend").
  const unknown = h('option', { value: '' }, 'Loading…');
  const category = h('select', { id: categoryId, class: 'beacon-input w-full py-1.5 text-sm', 'data-part': 'category' },
    unknown, ...FRIEND_CATEGORIES.map((c) => h('option', { value: c }, CATEGORY_LABEL[c])));
  /** The category as the server last said; null while not known. */
  let known: FriendCategory | null = null;
  /** Moves on every announced category: a read of the list that started before one is older than it. */
  let announced = 0;
  /** The category last announced (`setCategory`), for a read that ends older than it. */
  let latest: FriendCategory | null = null;
  const showCategory = (c: FriendCategory | null, placeholder = 'Loading…'): void => {
    known = c;
    unknown.textContent = placeholder;
    unknown.hidden = c !== null;
    category.value = c ?? '';
  };
  const categoryLabel = h('label', { for: categoryId, class: 'text-sm font-medium text-slate-200' });
  const error = h('p', { class: 'text-sm text-red-300', role: 'alert' });
  let armed = false;
  const remove = h('button', { type: 'button', class: 'beacon-btn-danger justify-center', 'data-part': 'remove' });
  const invite = h('button', { type: 'button', class: 'beacon-btn justify-center', 'data-part': 'invite' });
  let blockArmed = false;
  const block = h('button', { type: 'button', class: 'beacon-btn-danger justify-center', 'data-part': 'block' });
  const watch = h('button', { type: 'button', class: 'beacon-chip justify-center', 'aria-pressed': 'false', 'data-part': 'watch' },
    h('span', { class: 'beacon-chip-mark', 'aria-hidden': 'true' }, '✓'), 'Notify me when online');
  const pattern = h('p', { class: 'text-xs text-slate-400', hidden: true, 'data-part': 'pattern' });
  const exactId = `${id}-exact-time`;
  const exact = h('p', { id: exactId, class: 'text-sm text-slate-200', 'data-part': 'exact-time' });
  /** Says the exact last seen or activity start of `v`, or nothing; the ⋯ button is described by it. */
  const showExact = (v: View): void => {
    const text = exactTimeParts(v);
    // The moment in the viewer's locale, isolated: a right-to-left one keeps its order in the sentence.
    if (text) exact.replaceChildren(text.lead, bdi(text.time));
    else exact.replaceChildren();
    exact.hidden = text === null;
    if (text === null) toggle.removeAttribute('aria-describedby');
    else toggle.setAttribute('aria-describedby', exactId);
  };
  showExact(view);
  const panel = h('div', { id, hidden: true, class: 'beacon-panel absolute right-0 z-10 mt-2 grid w-64 gap-2 p-3 text-left' },
    exact, categoryLabel, category,
    pattern, watch, invite, remove, block, error);
  const root = h('div', { class: 'relative shrink-0' }, toggle, panel);

  /** Every text that names the friend, from the current name and the armed steps. */
  const label = (): void => {
    toggle.setAttribute('aria-label', `Actions for ${name}`);
    categoryLabel.replaceChildren(named(), ' is your…');
    // One span per button: the button is a flex box, which would space out loose text and the name.
    invite.replaceChildren(h('span', { class: 'min-w-0' }, 'Invite ', named(), ' to Pong'));
    remove.replaceChildren(h('span', { class: 'min-w-0' }, armed ? 'Confirm: remove ' : 'Remove ', named()));
    block.replaceChildren(h('span', { class: 'min-w-0' }, blockArmed ? 'Confirm: block ' : 'Block ', named()));
  };
  label();

  /** Whether the friend shares their usual hours with you, as their view last said (`pattern_shared`). */
  let patternShared = view.pattern_shared === true;
  /** Moves on with every read of the usual hours and every change of the view's word on them: an older read's answer is dropped. */
  let patternRead = 0;
  /**
   * The usual-hours line, read again each time the menu opens, and whenever the friend's view
   * says they begin to share them while it is open. When they stop (their pattern_visibility,
   * the category they give you, or unfriending, which takes the card away), their view says so
   * at once (`update`) and the line goes, without a read and whatever a read in flight answers.
   */
  const readPattern = (): void => {
    const read = ++patternRead;
    if (!patternShared) {
      pattern.hidden = true;
      return;
    }
    ctx.api.userPattern(view.user_id).then(
      (p) => {
        if (read !== patternRead) return;
        pattern.replaceChildren(named(), `: ${p.summary.charAt(0).toLowerCase()}${p.summary.slice(1)} (${p.time_zone})`);
        pattern.hidden = false;
      },
      () => {
        if (read === patternRead) pattern.hidden = true;
      },
    );
  };

  const setOpen = (open: boolean): void => {
    panel.hidden = !open;
    toggle.setAttribute('aria-expanded', String(open));
    if (!open) disarm();
  };
  const disarm = (): void => {
    armed = false;
    blockArmed = false;
    label();
  };
  /**
   * An armed step ends when focus leaves its button, but not for a re-render of the friend's
   * card (their status changed): that takes the menu out of the document for a moment, and the
   * list puts focus back at once (friend-list.ts). A second Enter must then confirm, not re-arm.
   */
  const disarmUnlessBack = (button: HTMLButtonElement) => (): void =>
    queueMicrotask(() => {
      if (document.activeElement !== button) disarm();
    });
  toggle.addEventListener('click', () => {
    const open = panel.hidden;
    setOpen(open);
    if (!open) return;
    error.textContent = '';
    // The category is not part of a view: read it when the menu opens (the control waits for it).
    category.disabled = true;
    if (known === null) showCategory(null);
    const readAt = announced;
    ctx.api.friends().then(
      (list) => {
        const f = list.find((x) => x.user_id === view.user_id);
        // A category announced while the list was read is newer than what the read found.
        if (readAt !== announced && latest !== null) showCategory(latest);
        else if (f) showCategory(f.category);
      },
      (e: unknown) => {
        if (known === null) showCategory(null, 'Unknown');
        error.replaceChildren('Could not read the category of ', named(), `. ${errorMessage(e)}`);
      },
    ).finally(() => {
      category.disabled = false;
      // Focus goes to the category as the menu opens, once it can take it (unless the user moved on).
      if (!panel.hidden && (document.activeElement === toggle || document.activeElement === document.body)) category.focus();
    });
    watch.disabled = true;
    ctx.api.watches().then(
      (list) => {
        watch.setAttribute('aria-pressed', String(list.some((w) => w.user_id === view.user_id)));
        watch.disabled = false;
      },
      (e: unknown) => error.replaceChildren('Could not read whether you follow ', named(), `. ${errorMessage(e)}`),
    );
    readPattern();
  });
  // Busy, not disabled, while it is sent: the button has focus (it was just pressed), and a
  // disabled one drops it to the page, where Escape no longer closes the menu (busy-button.ts).
  // Disabled only while it is not known whether the user follows the friend (it has no focus then).
  watch.addEventListener('click', () => {
    const on = watch.getAttribute('aria-pressed') !== 'true';
    void whileBusy(watch, () =>
      (on ? ctx.api.watch(view.user_id) : ctx.api.unwatch(view.user_id)).then(
        () => {
          watch.setAttribute('aria-pressed', String(on));
          ctx.notify(on ? 'You will be notified when ' : 'You will no longer be notified when ', named(), ' comes online.');
        },
        (e: unknown) => void (error.textContent = errorMessage(e)),
      ),
    );
  });
  root.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !panel.hidden) {
      e.stopPropagation();
      setOpen(false);
      toggle.focus();
    }
  });
  root.addEventListener('focusout', (e) => {
    if (!panel.hidden && e.relatedTarget instanceof Node && !root.contains(e.relatedTarget)) setOpen(false);
  });
  category.addEventListener('change', () => {
    const c = category.value as FriendCategory;
    const sentAt = announced;
    ctx.api.setFriendCategory(view.user_id, c).then(
      () => {
        // A category announced meanwhile (this change's own, or a later one from another device) is the newer.
        if (sentAt === announced) showCategory(c);
        ctx.notify(named(), ` is now in ${CATEGORY_LABEL[c].toLowerCase()}s.`);
      },
      (e: unknown) => {
        // Refused: the select must not keep showing a category the friend is not in.
        showCategory(known, 'Unknown');
        error.textContent = errorMessage(e);
      },
    );
  });
  // Two steps: unfriending is mutual and needs a new request to undo. Both steps name the friend.
  remove.addEventListener('click', () => {
    if (!armed) {
      armed = true;
      label();
      return;
    }
    ctx.api.removeFriend(view.user_id).then(
      () => {
        ctx.notify(named(), ' was removed from your friends.');
        ctx.afterRemove();
      },
      (e: unknown) => (error.textContent = errorMessage(e)),
    );
  });
  remove.addEventListener('blur', disarmUnlessBack(remove));
  // Busy, not disabled, while it is sent: a refusal leaves focus in the menu (busy-button.ts).
  invite.addEventListener('click', () => {
    const sentAt = Date.now();
    // As shown when it is sent: a friend shown offline gets it only if Beacon is open for them now.
    const appearsOffline = status === 'offline';
    void whileBusy(invite, () =>
      ctx.api.inviteToGame(view.user_id).then(
        (inviteId) => {
          const sent = sentInvites.add(inviteId, view.user_id, name, sentAt, Date.now());
          const [lead, time, rest] = inviteSentParts(appearsOffline, sent.openUntil);
          // The time in the reader's locale, isolated for bidi in the English sentence.
          ctx.notify('Invitation sent to ', named(), lead, bdi(time), rest);
          setOpen(false);
          toggle.focus();
        },
        (e: unknown) => {
          error.textContent = errorMessage(e);
        },
      ),
    );
  });
  // Blocking also unfriends, and they can no longer ask again: two steps, like removing.
  block.addEventListener('click', () => {
    if (!blockArmed) {
      blockArmed = true;
      label();
      return;
    }
    ctx.api.blockUser(view.user_id).then(
      () => {
        ctx.notify(named(), ' is blocked: no longer your friend, and cannot send you requests. To undo it: Privacy → Blocked users.');
        ctx.afterRemove();
      },
      (e: unknown) => (error.textContent = errorMessage(e)),
    );
  });
  block.addEventListener('blur', disarmUnlessBack(block));
  return {
    element: root,
    update(next) {
      status = next.status;
      showExact(next);
      if ((next.pattern_shared === true) !== patternShared) {
        patternShared = next.pattern_shared === true;
        if (!patternShared || !panel.hidden) readPattern();
      }
      if (nameWithUsername(next) === name) return;
      name = nameWithUsername(next);
      label();
    },
    setCategory(c) {
      announced++;
      latest = c;
      // Shown at once where a category is shown. Until a first read ends the menu claims
      // nothing, as before: that read shows this one if it ends older than it.
      if (known !== null) showCategory(c);
    },
  };
}
