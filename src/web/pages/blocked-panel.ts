/**
 * The Privacy page's "Blocked users" section: everyone you blocked (display name and
 * @username as contained text, "blocked 3 days ago"), each with an Unblock button that asks
 * nothing more but is described by what unblocking does. Loading, empty and error (with
 * Retry) states. What an Unblock did is said in words in the section's status line; the row
 * goes, and focus moves to the next row's button (else the previous one's, else the heading).
 * Reached by `#/privacy/blocked` (the Pending tab's link beside a blocked user): focus then goes
 * to the section's heading once the list is shown.
 */
import type { ApiClient, BlockedUser } from '../../client/api.js';
import { errorMessage, isCodedError } from '../lib/error-messages.js';
import { h, userText } from '../lib/dom.js';
import { isBusy, markBusy } from '../lib/busy-button.js';
import { button, failure, list, nameOf, personRow, section } from './requests-view.js';

/** The link to this section (the Privacy page, brought to it). */
export const BLOCKED_USERS_HREF = '#/privacy/blocked';

/** Whether `hash` asks for this section (`#/privacy/blocked`). */
export function wantsBlockedUsers(hash: string): boolean {
  return /^#\/?privacy\/blocked\/?$/.test(hash);
}

/** What unblocking does, said beside the list and describing each Unblock button. */
const EFFECT = 'Unblocking lets them send you friend requests again, and you them. A friendship the block ended does not come back.';

export function blockedUsersSection(
  api: Pick<ApiClient, 'listBlocks' | 'unblockUser'>,
  opts: { focusWhenShown: boolean },
): { element: HTMLElement; dispose(): void } {
  let disposed = false;
  let focusWhenShown = opts.focusWhenShown;
  let blocked: BlockedUser[] = [];
  const said = h('p', { class: 'min-h-5 text-sm text-slate-300', role: 'status', 'data-part': 'blocked-notice' });
  const box = h('div', { 'data-part': 'blocked-list' });
  const element = section('Blocked users', 'blocked-title',
    h('p', { class: 'text-sm text-slate-400' },
      'Blocked users cannot send you friend requests and see you as strangers do. ',
      h('span', { id: 'blocked-effect' }, EFFECT)),
    said, box);
  const heading = element.querySelector('h2')!;
  heading.tabIndex = -1;

  function row(u: BlockedUser, index: number): HTMLLIElement {
    const person = { id: u.user_id, username: u.username, display_name: u.display_name };
    const unblock = button('Unblock', () => void lift(u, unblock, index), 'plain', `Unblock ${nameOf(person)}`);
    unblock.setAttribute('aria-describedby', 'blocked-effect');
    const li = personRow(person, unblock);
    li.firstElementChild?.append(h('p', { class: 'text-xs text-slate-400' }, h('beacon-relative-time', { datetime: u.since, prefix: 'blocked ' })));
    return li;
  }

  function show(): void {
    box.replaceChildren(list(blocked.map(row), 'You have not blocked anyone.'));
  }

  async function load(): Promise<void> {
    box.replaceChildren(h('p', { class: 'text-sm text-slate-400', role: 'status', 'data-state': 'loading' }, 'Loading blocked users…'));
    try {
      blocked = await api.listBlocks();
      if (disposed) return;
      show();
      if (focusWhenShown) {
        focusWhenShown = false;
        heading.focus();
      }
    } catch (e) {
      if (disposed) return;
      box.replaceChildren(failure(`Could not load your blocked users. ${errorMessage(e)}`, () => void load()));
    }
  }

  /** Unblocks `u`; once gone (or found already unblocked), their row goes and focus moves on. */
  async function lift(u: BlockedUser, pressed: HTMLButtonElement, index: number): Promise<void> {
    if (isBusy(pressed)) return;
    const name = nameOf({ id: u.user_id, username: u.username, display_name: u.display_name });
    said.replaceChildren();
    markBusy(pressed, true);
    let gone = true;
    try {
      await api.unblockUser(u.user_id);
      said.replaceChildren('Unblocked ', userText(name), '. They can send you friend requests again; you are not friends again.');
    } catch (e) {
      if (isCodedError(e) && e.code === 'NOT_FOUND') {
        said.replaceChildren(userText(name), ' was already unblocked (elsewhere, or the account is gone).');
      } else {
        gone = false;
        said.replaceChildren('Could not unblock ', userText(name), `. ${errorMessage(e)}`);
      }
    }
    markBusy(pressed, false);
    if (!gone || disposed) return;
    const from = document.activeElement;
    blocked = blocked.filter((b) => b.user_id !== u.user_id);
    show();
    // Focus was on the button just removed (or fell to the page): the next sensible control.
    // Moved elsewhere meanwhile: left there.
    if (from !== pressed && from !== null && from !== document.body) return;
    const rows = box.querySelectorAll('li');
    const next = rows[Math.min(index, rows.length - 1)]?.querySelector('button') ?? heading;
    next.focus();
  }

  void load();
  return {
    element,
    dispose: () => {
      disposed = true;
    },
  };
}
