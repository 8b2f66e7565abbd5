/**
 * <beacon-game-invite>: a friend's invitation to a Pong match, as a modal <dialog> with
 * "Play" and "Not now". Accepting tells the friend (who starts too) and opens the match.
 * While you are busy (Do Not Disturb) an invitation does not interrupt: no modal, no focus
 * taken, only a quiet card in the corner with the same choices, there when you look.
 * An inviter who stops being a friend (unfriends or blocks you) takes the invitation back:
 * the dialog or card says so and offers no Play (the server would refuse it). So does an
 * invitation whose 10 minutes are over (the server lets it lapse and tells nobody: this counts
 * them from its arrival, the one deadline of a received invitation), and one whose acceptance
 * the server refuses as gone (it lapsed, or was answered on another device).
 * The inviter is named with their @username ("Bo (@bo) invites you…"), in the title read
 * before Play: display names are not unique, so a friend renamed "Bo" cannot pass for Bo.
 * An inviter shown offline (gone since, or appearing offline) is said to be so, as the
 * inviter is told of a friend shown offline: the match starts for them only if Beacon is still
 * open for them (the acceptance reaches only the sockets they have open).
 * Accepted or put aside ("Not now", Escape, Dismiss) in one tab, it closes in the browser's other
 * tabs of the user too (a BroadcastChannel): they offered Play for an invitation already taken,
 * which the server then refused. Accepted on another device, it closes here too: the server
 * tells every socket of the user (`game_invite_closed`). Closed by an acceptance elsewhere (either
 * way), the corner says so briefly ("You accepted the invitation from Bo (@bo) on another device
 * or in another tab."), in a polite live region; the dialog gives focus back where it was before it
 * opened, and focus on the quiet card moves to that line rather than being dropped.
 * Also starts the match when a friend accepts an invitation sent from this tab, and lists
 * those invitations in the corner while they are open ("open until 14:32"), then says when one
 * lapsed unanswered: the server tells the inviter nothing then (lib/sent-invites.ts).
 */
import type { ApiClient } from '../../client/api.js';
import type { PresenceClient } from '../../client/presence-client.js';
import { whileBusy } from '../lib/busy-button.js';
import { errorMessage, isCodedError } from '../lib/error-messages.js';
import { INVITES_ROOM, keepClearOf } from '../lib/clearance.js';
import { bdi, h, userText } from '../lib/dom.js';
import { nameWithUsername } from '../lib/labels.js';
import { NOTICE_MS } from '../lib/notice.js';
import { formatInviteTime, sentInvites, type SentInvite } from '../lib/sent-invites.js';
import { INVITE_TTL_MS } from '../../protocol/enums.js';

/** Tabs of one browser tell each other that an invitation was answered. */
const CHANNEL = 'beacon.game-invite';

/** Opens the Play page with the match already running. */
export function startMatch(): void {
  location.hash = '#/play?start=1';
}

export class GameInviteDialogElement extends HTMLElement {
  static define(tag = 'beacon-game-invite', registry = customElements): typeof GameInviteDialogElement {
    if (!registry.get(tag)) registry.define(tag, this);
    return this;
  }

  #offs: Array<() => void> = [];
  #api: Pick<ApiClient, 'acceptGameInvite'> | null = null;
  /**
   * The invitation on offer. `name`: the inviter's display name with their @username, null when
   * not known. `lapsesAt`: INVITE_TTL_MS from its arrival (made a moment before, so the server's
   * window ends a moment sooner: an acceptance refused in between ends it too, see #accept).
   */
  #pending: { inviteId: string; fromUserId: number; name: string | null; lapsesAt: number; offline: boolean } | null = null;
  /** Ends the invitation on offer at its `lapsesAt`. */
  #lapseTimer: ReturnType<typeof setTimeout> | undefined;
  #dialog = h('dialog', {
    class: 'beacon-panel m-auto w-[min(24rem,calc(100vw-2rem))] p-6 text-slate-100 backdrop:bg-slate-950/70',
    'aria-labelledby': 'beacon-invite-title',
    'aria-describedby': 'beacon-invite-note',
  });
  /** Said when the inviter is shown offline; live, so a change while the dialog is open is heard. */
  #note = h('p', { id: 'beacon-invite-note', class: 'mt-2 text-sm text-amber-100 empty:hidden', 'aria-live': 'polite', 'data-part': 'inviter-offline' });
  #quietNote = h('p', { class: 'text-sm text-amber-100 empty:hidden', 'data-part': 'inviter-offline' });
  #title = h('h2', { id: 'beacon-invite-title', class: 'text-lg font-bold' });
  #error = h('p', { class: 'mt-2 min-h-5 text-sm text-red-200', role: 'alert' });
  #play = h('button', { type: 'button', class: 'beacon-btn-primary', autofocus: true }, 'Play');
  #later = h('button', { type: 'button', class: 'beacon-btn' }, 'Not now');
  /** The quiet form, for an invitation that came while you were busy. */
  #quietText = h('p', { class: 'text-sm font-medium' });
  #quietError = h('p', { class: 'min-h-5 text-sm text-red-200', role: 'alert' });
  #quietPlay = h('button', { type: 'button', class: 'beacon-btn-primary' }, 'Play');
  #quietDismiss = h('button', { type: 'button', class: 'beacon-btn' }, 'Dismiss');
  #quiet = h('section', {
    class: 'beacon-panel grid gap-2 p-4 text-slate-100',
    'aria-label': 'Game invitation',
    'data-part': 'quiet-invite',
    hidden: true,
  });
  /** Invitations sent from this tab: the open ones, and the ones that lapsed since the user last hid this. */
  #sentOpen = h('ul', { class: 'grid gap-1 text-sm' });
  #sentLapsed = h('div', { class: 'grid gap-1 text-sm', role: 'status', 'data-part': 'lapsed-invites' });
  #lapsed: SentInvite[] = [];
  #sentHide = h('button', { type: 'button', class: 'beacon-btn justify-self-start' }, 'Hide');
  #sent = h('section', {
    class: 'beacon-panel grid gap-2 p-4 text-slate-100',
    'aria-label': 'Your invitations',
    'data-part': 'sent-invites',
    hidden: true,
  });
  #nameOf: (invite: SentInvite) => string = (invite) => invite.name;
  /** Says, for NOTICE_MS, that the invitation on offer was accepted elsewhere; there from the start, so it is announced. */
  #answered = h('div', { role: 'status', 'data-part': 'invite-answered' });
  #answeredTimer: ReturnType<typeof setTimeout> | undefined;
  /** The invitation this tab is accepting now: its own `game_invite_closed` is no news here. */
  #accepting: string | null = null;
  /** One corner for both cards, stacked: on a phone they would otherwise cover each other. */
  #corner = h('div', { class: 'fixed bottom-4 right-4 z-20 grid w-[min(22rem,calc(100vw-2rem))] gap-2' }, this.#sent, this.#quiet, this.#answered);
  /** Stops keeping the page clear of the corner (while connected, the page leaves room for it). */
  #unclear: (() => void) | null = null;
  #channel: BroadcastChannel | null = null;
  #userId: () => number | undefined = () => undefined;

  connect(client: Pick<PresenceClient, 'on' | 'friend' | 'self'>, api: Pick<ApiClient, 'acceptGameInvite'>): void {
    this.#offs.forEach((off) => off());
    this.#api = api;
    this.#userId = () => client.self?.user_id;
    this.#nameOf = (invite) => {
      const friend = client.friend(invite.friendId);
      return friend ? nameWithUsername(friend) : invite.name;
    };
    this.#offs = [
      client.on('game_invite', ({ inviteId, fromUserId }) => {
        const from = client.friend(fromUserId);
        const name = from ? nameWithUsername(from) : null;
        const lapsesAt = Date.now() + INVITE_TTL_MS;
        this.#pending = { inviteId, fromUserId, name, lapsesAt, offline: from?.status === 'offline' };
        clearTimeout(this.#lapseTimer);
        this.#lapseTimer = setTimeout(() => this.#timeUp(), INVITE_TTL_MS);
        this.#error.textContent = '';
        this.#quietError.textContent = '';
        this.#play.hidden = this.#quietPlay.hidden = false;
        this.#later.textContent = 'Not now';
        this.#label();
        if (client.self?.status === 'busy' && !this.#dialog.open) {
          this.#quiet.hidden = false;
          return;
        }
        this.#quiet.hidden = true;
        if (!this.#dialog.open) this.#dialog.showModal();
      }),
      client.on('game_invite_accepted', ({ inviteId }) => {
        if (sentInvites.accepted(inviteId)) startMatch();
      }),
      // Accepted on another device (or tab): the server tells every socket of ours.
      client.on('game_invite_closed', ({ inviteId }) => {
        if (this.#accepting !== inviteId) this.#acceptedElsewhere(inviteId);
      }),
      client.on('friend_removed', ({ friendId }) => {
        sentInvites.withdraw(friendId);
        if (this.#pending?.fromUserId === friendId) this.#withdrawn();
      }),
      sentInvites.onChange(({ kind, invite }) => {
        if (kind === 'lapsed') this.#lapsed.push(invite);
        // Shown again by what the user would want to know: a new invitation, or one that lapsed.
        if (kind === 'sent' || kind === 'lapsed') this.#sent.hidden = false;
        this.#renderSent();
      }),
      // The inviter renamed, or went offline or came back, while the invitation is open: say them as they are now.
      client.on('friend', ({ view }) => {
        if (sentInvites.list().some((i) => i.friendId === view.user_id)) this.#renderSent();
        const invite = this.#pending;
        const offline = view.status === 'offline';
        if (invite?.fromUserId !== view.user_id || (invite.name === nameWithUsername(view) && invite.offline === offline)) return;
        invite.name = nameWithUsername(view);
        invite.offline = offline;
        this.#label();
      }),
    ];
  }

  /** The invitations sent from this tab: until when each open one can be accepted, and which lapsed. */
  #renderSent(): void {
    const open = sentInvites.list();
    this.#sentOpen.replaceChildren(...open.map((i) =>
      h('li', {}, 'Invitation to ', userText(this.#nameOf(i)), ': open until ', bdi(formatInviteTime(i.openUntil)), '.')));
    this.#sentLapsed.replaceChildren(...this.#lapsed.map((i) =>
      h('p', {}, 'Your invitation to ', userText(this.#nameOf(i)), ' lapsed at ', bdi(formatInviteTime(i.lapsesAt)), ': they did not accept it.')));
    if (open.length === 0 && this.#lapsed.length === 0) this.#sent.hidden = true;
  }

  /** The texts that name the inviter of the open invitation. */
  #label(): void {
    const name = this.#pending?.name;
    this.#title.replaceChildren(name ? userText(name) : 'A friend', ' invites you to a Pong match');
    this.#quietText.replaceChildren(name ? userText(name) : 'A friend', ' invited you to a Pong match while you were busy.');
    const offline = (): Array<Node | string> => this.#pending?.offline ? [name ? userText(name) : 'Your friend', ' appears offline now: the match starts for them only if Beacon is still open for them.'] : [];
    this.#note.replaceChildren(...offline());
    this.#quietNote.replaceChildren(...offline());
  }

  /** The inviter is no longer a friend: the invitation cannot be accepted any more, and says why. */
  #withdrawn(): void {
    this.#noLongerOpen(['You are no longer friends, so the match cannot start.'], [' is no longer open: you are no longer friends.']);
  }

  /** Its 10 minutes are over: the server no longer takes it. */
  #timeUp(): void {
    const at = this.#pending ? formatInviteTime(this.#pending.lapsesAt) : '';
    // The time in the reader's locale, isolated for bidi in the English sentences.
    this.#noLongerOpen(['It lapsed at ', bdi(at), `: an invitation is open for ${INVITE_TTL_MS / 60_000} minutes.`], [' lapsed at ', bdi(at), '.']);
  }

  /** The server refused the acceptance as gone (lapsed, or answered on another device). */
  #gone(): void {
    this.#noLongerOpen(['It lapsed or was already answered.'], [' is no longer open: it lapsed or was already answered.']);
  }

  /**
   * The invitation on offer can no longer be accepted: no Play, the dialog's title and the quiet
   * card say so (`detail`: the dialog's line why; `quietEnd`: the card's sentence after
   * "The invitation from X"), and focus that was on Play moves to the way out.
   */
  #noLongerOpen(detail: Array<Node | string>, quietEnd: Array<Node | string>): void {
    const from = this.#pending?.name ?? 'a friend';
    this.#pending = null;
    clearTimeout(this.#lapseTimer);
    const playFocused = this.#play.matches(':focus') || this.#quietPlay.matches(':focus');
    this.#play.hidden = this.#quietPlay.hidden = true;
    this.#title.replaceChildren('The invitation from ', userText(from), ' is no longer open');
    this.#error.replaceChildren(...detail);
    this.#later.textContent = 'Close';
    this.#quietText.replaceChildren('The invitation from ', userText(from), ...quietEnd);
    this.#note.replaceChildren();
    this.#quietNote.replaceChildren();
    this.#quietError.textContent = '';
    if (this.#dialog.open) this.#later.focus();
    else if (playFocused && !this.#quiet.hidden) this.#quietDismiss.focus();
  }

  connectedCallback(): void {
    // Focus is never hidden under the cards: the page leaves room for them while they show.
    // The toasts stack above the cards, never over their buttons (notification-toast.ts).
    this.#unclear ??= keepClearOf(this.#corner, INVITES_ROOM);
    if (!this.#channel && typeof BroadcastChannel === 'function') {
      this.#channel = new BroadcastChannel(CHANNEL);
      this.#channel.onmessage = (e: MessageEvent<unknown>) => this.#answeredElsewhere(e.data);
    }
    if (this.firstChild) return;
    this.#dialog.append(this.#title, this.#note, this.#error, h('div', { class: 'mt-4 flex gap-2' }, this.#play, this.#later));
    this.#play.addEventListener('click', () => void this.#accept());
    this.#later.addEventListener('click', () => {
      this.#tellOtherTabs();
      this.#dialog.close();
    });
    // Escape: put aside, as "Not now".
    this.#dialog.addEventListener('cancel', () => this.#tellOtherTabs());
    this.#quiet.append(this.#quietText, this.#quietNote, this.#quietError, h('div', { class: 'flex gap-2' }, this.#quietPlay, this.#quietDismiss));
    this.#quietPlay.addEventListener('click', () => void this.#accept());
    this.#quietDismiss.addEventListener('click', () => {
      this.#tellOtherTabs();
      this.#quiet.hidden = true;
    });
    this.#sent.append(this.#sentOpen, this.#sentLapsed, this.#sentHide);
    this.#sentHide.addEventListener('click', () => {
      this.#sent.hidden = true;
      this.#lapsed = [];
      this.#renderSent();
    });
    this.append(this.#dialog, this.#corner);
  }

  disconnectedCallback(): void {
    this.#channel?.close();
    this.#channel = null;
    clearTimeout(this.#lapseTimer);
    clearTimeout(this.#answeredTimer);
    this.#unclear?.();
    this.#unclear = null;
    this.#offs.forEach((off) => off());
    this.#offs = [];
  }

  async #accept(): Promise<void> {
    const invite = this.#pending;
    if (!invite || !this.#api) return;
    // A timer in a background tab can fire late: past its time it is over, whatever the timer says.
    if (Date.now() >= invite.lapsesAt) return this.#timeUp();
    const quiet = !this.#quiet.hidden;
    const [play, error] = quiet ? [this.#quietPlay, this.#quietError] : [this.#play, this.#error];
    const api = this.#api;
    // Busy, not disabled: a failed accept leaves focus on Play, to read the error and retry (busy-button.ts).
    await whileBusy(play, async () => {
      this.#accepting = invite.inviteId;
      try {
        await api.acceptGameInvite(invite.fromUserId, invite.inviteId);
        this.#tellOtherTabs(invite.inviteId, true);
        clearTimeout(this.#lapseTimer);
        this.#pending = null;
        this.#dialog.close();
        this.#quiet.hidden = true;
        startMatch();
      } catch (e) {
        // Gone on the server: it cannot be accepted again, so Play is no longer offered.
        if (isCodedError(e) && e.code === 'NOT_FOUND' && this.#pending === invite) return this.#gone();
        error.textContent = `Could not accept: ${errorMessage(e)}`;
      } finally {
        if (this.#accepting === invite.inviteId) this.#accepting = null;
      }
    });
  }

  /** The invitation on offer here was answered (`accepted`, or put aside): the user's other tabs stop offering it. */
  #tellOtherTabs(inviteId = this.#pending?.inviteId, accepted = false): void {
    const userId = this.#userId();
    if (inviteId !== undefined && userId !== undefined) this.#channel?.postMessage({ type: 'answered', inviteId, userId, accepted });
  }

  /** Another tab of the user accepted or put aside the invitation on offer here: it is over here too. */
  #answeredElsewhere(data: unknown): void {
    const msg = data as { type?: unknown; inviteId?: unknown; userId?: unknown; accepted?: unknown } | null;
    if (msg?.type !== 'answered' || msg.userId !== this.#userId() || typeof msg.inviteId !== 'string') return;
    if (msg.accepted === true) return this.#acceptedElsewhere(msg.inviteId);
    if (this.#pending?.inviteId !== msg.inviteId) return;
    this.#pending = null;
    clearTimeout(this.#lapseTimer);
    this.#dialog.close();
    this.#quiet.hidden = true;
  }

  /**
   * The invitation on offer here was accepted on another device or in another tab (whichever
   * told first: the server or the tab): it closes, and the corner says so for NOTICE_MS. The
   * dialog gives focus back where it was before it opened; focus on the quiet card moves to
   * that line (and the line stays while it holds focus).
   */
  #acceptedElsewhere(inviteId: string): void {
    const invite = this.#pending;
    if (invite?.inviteId !== inviteId) return;
    this.#pending = null;
    clearTimeout(this.#lapseTimer);
    const focusOnCard = this.#quiet.contains(document.activeElement);
    this.#dialog.close();
    this.#quiet.hidden = true;
    const line = h(
      'p',
      { class: 'beacon-panel p-4 text-sm text-slate-100', tabindex: '-1' },
      'You accepted the invitation from ',
      invite.name ? userText(invite.name) : 'a friend',
      ' on another device or in another tab.',
    );
    this.#answered.replaceChildren(line);
    clearTimeout(this.#answeredTimer);
    const clear = (): void => {
      if (line.parentNode === this.#answered) this.#answered.replaceChildren();
    };
    this.#answeredTimer = setTimeout(() => {
      if (line.matches(':focus')) line.addEventListener('blur', clear, { once: true });
      else clear();
    }, NOTICE_MS);
    if (focusOnCard) line.focus();
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'beacon-game-invite': GameInviteDialogElement;
  }
}
