/**
 * <beacon-game-invite>: a friend's invitation to a Pong match, as a modal <dialog> with
 * "Play" and "Not now". Accepting tells the friend (who starts too) and opens the match.
 * While you are busy (Do Not Disturb) an invitation does not interrupt: no modal, no focus
 * taken, only a quiet card in the corner with the same choices, there when you look.
 * An inviter who stops being a friend (unfriends or blocks you) takes the invitation back:
 * the dialog or card says so and offers no Play (the server would refuse it).
 * The inviter is named with their @username ("Bo (@bo) invites you…"), in the title read
 * before Play: display names are not unique, so a friend renamed "Bo" cannot pass for Bo.
 * Also starts the match when a friend accepts an invitation sent from this tab.
 */
import type { ApiClient } from '../../client/api.js';
import type { PresenceClient } from '../../client/presence-client.js';
import { whileBusy } from '../lib/busy-button.js';
import { errorMessage } from '../lib/error-messages.js';
import { h, userText } from '../lib/dom.js';
import { nameWithUsername } from '../lib/labels.js';

/** Invitations sent from this tab: only their acceptance may start a match here. */
export const sentInvites = new Set<string>();

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
  /** `name`: the inviter's display name with their @username, null when not known. */
  #pending: { inviteId: string; fromUserId: number; name: string | null } | null = null;
  #dialog = h('dialog', {
    class: 'beacon-panel m-auto w-[min(24rem,calc(100vw-2rem))] p-6 text-slate-100 backdrop:bg-slate-950/70',
    'aria-labelledby': 'beacon-invite-title',
  });
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
    class: 'beacon-panel fixed bottom-4 right-4 z-20 grid w-[min(22rem,calc(100vw-2rem))] gap-2 p-4 text-slate-100',
    'aria-label': 'Game invitation',
    'data-part': 'quiet-invite',
    hidden: true,
  });

  connect(client: Pick<PresenceClient, 'on' | 'friend' | 'self'>, api: Pick<ApiClient, 'acceptGameInvite'>): void {
    this.#offs.forEach((off) => off());
    this.#api = api;
    this.#offs = [
      client.on('game_invite', ({ inviteId, fromUserId }) => {
        const from = client.friend(fromUserId);
        const name = from ? nameWithUsername(from) : null;
        this.#pending = { inviteId, fromUserId, name };
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
        if (sentInvites.delete(inviteId)) startMatch();
      }),
      client.on('friend_removed', ({ friendId }) => {
        if (this.#pending?.fromUserId === friendId) this.#withdrawn();
      }),
      // The inviter renamed while the invitation is open: name them as they are now.
      client.on('friend', ({ view }) => {
        const invite = this.#pending;
        if (invite?.fromUserId !== view.user_id || invite.name === nameWithUsername(view)) return;
        invite.name = nameWithUsername(view);
        this.#label();
      }),
    ];
  }

  /** The texts that name the inviter of the open invitation. */
  #label(): void {
    const name = this.#pending?.name;
    this.#title.replaceChildren(name ? userText(name) : 'A friend', ' invites you to a Pong match');
    this.#quietText.replaceChildren(name ? userText(name) : 'A friend', ' invited you to a Pong match while you were busy.');
  }

  /** The inviter is no longer a friend: the invitation cannot be accepted any more, and says why. */
  #withdrawn(): void {
    const from = this.#pending?.name ?? 'a friend';
    this.#pending = null;
    this.#play.hidden = this.#quietPlay.hidden = true;
    this.#title.replaceChildren('The invitation from ', userText(from), ' is no longer open');
    this.#error.textContent = 'You are no longer friends, so the match cannot start.';
    this.#later.textContent = 'Close';
    this.#quietText.replaceChildren('The invitation from ', userText(from), ' is no longer open: you are no longer friends.');
    this.#quietError.textContent = '';
    if (this.#dialog.open) this.#later.focus();
  }

  connectedCallback(): void {
    if (this.firstChild) return;
    this.#dialog.append(this.#title, this.#error, h('div', { class: 'mt-4 flex gap-2' }, this.#play, this.#later));
    this.#play.addEventListener('click', () => void this.#accept());
    this.#later.addEventListener('click', () => this.#dialog.close());
    this.#quiet.append(this.#quietText, this.#quietError, h('div', { class: 'flex gap-2' }, this.#quietPlay, this.#quietDismiss));
    this.#quietPlay.addEventListener('click', () => void this.#accept());
    this.#quietDismiss.addEventListener('click', () => (this.#quiet.hidden = true));
    this.append(this.#dialog, this.#quiet);
  }

  disconnectedCallback(): void {
    this.#offs.forEach((off) => off());
    this.#offs = [];
  }

  async #accept(): Promise<void> {
    const invite = this.#pending;
    if (!invite || !this.#api) return;
    const quiet = !this.#quiet.hidden;
    const [play, error] = quiet ? [this.#quietPlay, this.#quietError] : [this.#play, this.#error];
    const api = this.#api;
    // Busy, not disabled: a failed accept leaves focus on Play, to read the error and retry (busy-button.ts).
    await whileBusy(play, async () => {
      try {
        await api.acceptGameInvite(invite.fromUserId, invite.inviteId);
        this.#dialog.close();
        this.#quiet.hidden = true;
        startMatch();
      } catch (e) {
        error.textContent = `Could not accept: ${errorMessage(e)}`;
      }
    });
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'beacon-game-invite': GameInviteDialogElement;
  }
}
