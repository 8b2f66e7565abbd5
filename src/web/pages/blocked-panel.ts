/**
 * The Privacy page's "Blocked users" section: everyone you blocked (display name and
 * @username as contained text, "blocked 3 days ago"), each with an Unblock button that asks
 * nothing more but is described by what unblocking does. Loading, empty and error (with
 * Retry) states. What an Unblock did is said in words in the section's status line; the row
 * goes, and focus moves to the next row's button (else the previous one's, else the heading).
 * Reached by `#/privacy/blocked` (the Pending tab's link beside a blocked user): focus then goes
 * to the section's heading once the list is shown.
 *
 * Live: a block or unblock made in another tab or on another device (`block_changed`) adds or
 * removes its row at once, said nowhere (the status line tells what was done here). Focus stays
 * on the control it was on; on a row that went, it moves on as after an Unblock. A change heard
 * while the list is read is applied again over the read's answer (made before it), and the list
 * is read again whenever the client reads its views again without the socket's frames
 * (read-again.ts: a reconnect, each poll while polling, the refetch after lost events), drawn
 * again only if it changed, and not while an Unblock here is on its way.
 */
import type { ApiClient, BlockedUser } from '../../client/api.js';
import type { BlockChange, PresenceClient } from '../../client/presence-client.js';
import { errorMessage, isCodedError } from '../lib/error-messages.js';
import { h, userText } from '../lib/dom.js';
import { markBusy } from '../lib/busy-button.js';
import { readAgainAtSyncs } from '../lib/read-again.js';
import { button, failure, list, nameOf, personRow, section } from './requests-view.js';

/** The link to this section (the Privacy page, brought to it). */
export const BLOCKED_USERS_HREF = '#/privacy/blocked';

/** Whether `hash` asks for this section (`#/privacy/blocked`). */
export function wantsBlockedUsers(hash: string): boolean {
  return /^#\/?privacy\/blocked\/?$/.test(hash);
}

/** What unblocking does, said beside the list and describing each Unblock button. */
const EFFECT = 'Unblocking lets them send you friend requests again, and you them. A friendship the block ended does not come back.';

/** The same blocks, in the same order (the ones shown: a read that finds them draws nothing). */
function sameList(a: readonly BlockedUser[], b: readonly BlockedUser[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** `list` with `change` applied (idempotent): a block's user in username order (the server's), an unblock's gone. */
export function withChange(list: readonly BlockedUser[], change: BlockChange): BlockedUser[] {
  const rest = list.filter((b) => b.user_id !== change.userId);
  if (!change.blocked) return rest;
  const key = change.user.username.toLowerCase();
  const at = rest.findIndex((b) => b.username.toLowerCase() > key);
  return at < 0 ? [...rest, change.user] : [...rest.slice(0, at), change.user, ...rest.slice(at)];
}

export function blockedUsersSection(
  api: Pick<ApiClient, 'listBlocks' | 'unblockUser'>,
  client: Pick<PresenceClient, 'on'>,
  opts: { focusWhenShown: boolean },
): { element: HTMLElement; dispose(): void } {
  let disposed = false;
  let focusWhenShown = opts.focusWhenShown;
  /** The list shown; null until a read answered (loading, or the error with Retry). */
  let blocked: BlockedUser[] | null = null;
  /** Users whose Unblock here awaits its answer: their button stays busy through a rebuild. */
  const lifting = new Set<number>();
  /** Reads started; only the latest one's answer is shown (an older one answering late is not the truth now). */
  let reads = 0;
  /** The changes heard since the latest read began: applied again over its answer. */
  let sinceRead: BlockChange[] = [];
  /** The failure with Retry is shown (no list). */
  let failed = false;
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
    const unblock = button('Unblock', () => void lift(u, index), 'plain', `Unblock ${nameOf(person)}`);
    unblock.setAttribute('aria-describedby', 'blocked-effect');
    unblock.dataset.key = `unblock-${u.user_id}`;
    markBusy(unblock, lifting.has(u.user_id));
    const li = personRow(person, unblock);
    li.firstElementChild?.append(h('p', { class: 'text-xs text-slate-400' }, h('beacon-relative-time', { datetime: u.since, prefix: 'blocked ' })));
    return li;
  }

  /**
   * Shows the list, focus kept on the control it was on (found again by `data-key`); when that
   * row went, on the next row's button (else the previous one's, else the heading).
   */
  function show(): void {
    if (blocked === null) return;
    const focused = document.activeElement instanceof HTMLElement && box.contains(document.activeElement) ? document.activeElement : null;
    const index = focused ? [...box.querySelectorAll('li')].findIndex((li) => li.contains(focused)) : -1;
    box.replaceChildren(list(blocked.map(row), 'You have not blocked anyone.'));
    if (!focused?.dataset.key) return;
    const again = box.querySelector<HTMLElement>(`[data-key="${focused.dataset.key}"]`);
    const rows = box.querySelectorAll('li');
    (again ?? rows[Math.min(index, rows.length - 1)]?.querySelector('button') ?? heading).focus();
  }

  /**
   * Reads the list. `quietly`: a re-read (read-again.ts: a reconnect, a poll, the refetch after
   * lost events) says nothing of its own: no "Loading…" over what is shown, a failure leaves
   * what is shown (a list, whose changes still arrive live, or the failure with Retry), and an
   * answer that finds the list shown draws nothing (most polls).
   */
  async function load(quietly = false): Promise<void> {
    const read = ++reads;
    sinceRead = [];
    if (!quietly) {
      failed = false;
      box.replaceChildren(h('p', { class: 'text-sm text-slate-400', role: 'status', 'data-state': 'loading' }, 'Loading blocked users…'));
    }
    try {
      const answer = await api.listBlocks();
      if (disposed || read !== reads) return;
      const next = sinceRead.reduce(withChange, answer);
      if (blocked !== null && sameList(next, blocked)) return;
      blocked = next;
      failed = false;
      show();
      if (focusWhenShown) {
        focusWhenShown = false;
        heading.focus();
      }
    } catch (e) {
      if (disposed || read !== reads || (quietly && (blocked !== null || failed))) return;
      blocked = null;
      failed = true;
      box.replaceChildren(failure(`Could not load your blocked users. ${errorMessage(e)}`, () => void load()));
    }
  }

  /** A block or unblock made anywhere (this tab's Unblock too): its row comes or goes at once. */
  function changed(change: BlockChange): void {
    sinceRead.push(change);
    if (blocked === null) return;
    blocked = withChange(blocked, change);
    show();
  }

  /** Unblocks `u`; once gone (or found already unblocked), their row goes and focus moves on. */
  async function lift(u: BlockedUser, index: number): Promise<void> {
    if (lifting.has(u.user_id)) return;
    const pressed = box.querySelector<HTMLElement>(`[data-key="unblock-${u.user_id}"]`);
    const name = nameOf({ id: u.user_id, username: u.username, display_name: u.display_name });
    said.replaceChildren();
    lifting.add(u.user_id);
    if (pressed) markBusy(pressed, true);
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
    lifting.delete(u.user_id);
    // A read begun before the server lifted it (it still lists them) applies it again over its answer.
    if (gone) sinceRead.push({ userId: u.user_id, blocked: false });
    if (disposed) return;
    const button = box.querySelector<HTMLElement>(`[data-key="unblock-${u.user_id}"]`);
    if (button) markBusy(button, false);
    if (!gone || blocked === null) return;
    // Its row is rebuilt away by show(), focus moving on from it; if it went already (its
    // block_changed came first), focus fell to the page: the next sensible control. Moved
    // elsewhere meanwhile: left there.
    const from = document.activeElement;
    blocked = blocked.filter((b) => b.user_id !== u.user_id);
    show();
    if (from !== null && from !== document.body) return;
    const rows = box.querySelectorAll('li');
    const next = rows[Math.min(index, rows.length - 1)]?.querySelector('button') ?? heading;
    next.focus();
  }

  const offs = [
    client.on('block_changed', changed),
    // What changed while no frame could arrive, or whose frame was lost. None while an Unblock
    // here is on its way: a read answered before the server lifted it would bring its row back.
    readAgainAtSyncs(client, () => void load(true), { busy: () => lifting.size > 0 }),
  ];
  void load();
  return {
    element,
    dispose: () => {
      disposed = true;
      offs.forEach((off) => off());
    },
  };
}
