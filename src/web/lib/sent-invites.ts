/**
 * Invitations to a Pong match sent from this tab, while they can still be accepted. Only their
 * acceptance (`game_invite_accepted`) may start a match here. The server tells the inviter
 * nothing when one lapses unanswered (INVITE_TTL_MS after it was made), so the app counts that
 * window itself: it shows an invitation as open until `openUntil`, counted from before the
 * request was sent (the server set its expiry later, so it is open at least that long), and
 * drops it as lapsed at `lapsesAt`, counted from the answer (the server's expiry is past then,
 * so an acceptance the server allowed has always arrived before).
 */
import { INVITE_TTL_MS } from '../../protocol/enums.js';
import { formatTimeOfDay } from './relative-time.js';

export interface SentInvite {
  inviteId: string;
  friendId: number;
  /** The friend's name with their @username when it was sent (for a friend no longer listed). */
  name: string;
  openUntil: number;
  lapsesAt: number;
}

export type SentInviteChange = { kind: 'sent' | 'accepted' | 'lapsed' | 'withdrawn'; invite: SentInvite };

type Timers = { setTimeout: (fn: () => void, ms: number) => unknown; clearTimeout: (t: never) => void };

export class SentInvites {
  readonly #open = new Map<string, { invite: SentInvite; timer: unknown }>();
  readonly #listeners = new Set<(change: SentInviteChange) => void>();
  readonly #timers: Timers;
  readonly #now: () => number;

  constructor(timers: Timers = globalThis as unknown as Timers, now: () => number = Date.now) {
    this.#timers = timers;
    this.#now = now;
  }

  /** An invitation the server took (`answeredAt`) from a request sent at `sentAt`. */
  add(inviteId: string, friendId: number, name: string, sentAt: number, answeredAt: number): SentInvite {
    const invite: SentInvite = { inviteId, friendId, name, openUntil: sentAt + INVITE_TTL_MS, lapsesAt: answeredAt + INVITE_TTL_MS };
    const timer = this.#timers.setTimeout(() => this.#close(inviteId, 'lapsed'), Math.max(0, invite.lapsesAt - this.#now()));
    this.#open.set(inviteId, { invite, timer });
    this.#emit({ kind: 'sent', invite });
    return invite;
  }

  /** The friend accepted `inviteId`: true (once) when it was sent from here and is still open. */
  accepted(inviteId: string): boolean {
    return this.#close(inviteId, 'accepted');
  }

  /** No longer friends: the server refuses their acceptance now, so their invitations are over. */
  withdraw(friendId: number): void {
    for (const { invite } of [...this.#open.values()]) if (invite.friendId === friendId) this.#close(invite.inviteId, 'withdrawn');
  }

  /** The user signed out: what this tab sent is not the next user's to show or start. */
  clear(): void {
    for (const { timer } of this.#open.values()) this.#timers.clearTimeout(timer as never);
    this.#open.clear();
  }

  /** The open invitations, oldest first. */
  list(): SentInvite[] {
    return [...this.#open.values()].map((x) => x.invite);
  }

  onChange(fn: (change: SentInviteChange) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  #close(inviteId: string, kind: 'accepted' | 'lapsed' | 'withdrawn'): boolean {
    const open = this.#open.get(inviteId);
    if (!open) return false;
    this.#open.delete(inviteId);
    this.#timers.clearTimeout(open.timer as never);
    this.#emit({ kind, invite: open.invite });
    return true;
  }

  #emit(change: SentInviteChange): void {
    for (const fn of [...this.#listeners]) fn(change);
  }
}

/** "14:32" in the user's locale: within the 10 minutes of an invitation the day goes without saying. */
export function formatInviteTime(at: number, locale?: string): string {
  return formatTimeOfDay(new Date(at), locale, 'minute');
}

/**
 * What the inviter is told after the friend's name ("Invitation sent to Bo (@bo)…"). A friend
 * shown offline may be offline or invisible (the server does not say which, and must not): the
 * invitation reaches them only if Beacon is open for them now, and is not shown to them later.
 */
export function inviteSentText(appearsOffline: boolean, openUntil: number, locale?: string): string {
  return inviteSentParts(appearsOffline, openUntil, locale).join('');
}

/** inviteSentText in three parts: the words before the time, the time in the viewer's locale (which a page isolates for bidi), the words after. */
export function inviteSentParts(appearsOffline: boolean, openUntil: number, locale?: string): [string, string, string] {
  const after = appearsOffline
    ? ', but they appear offline: they see it only if Beacon is open for them right now, not if they come online later.'
    : '; the match starts when they accept.';
  return ['. It is open until ', formatInviteTime(openUntil, locale), after];
}

/** The invitations this tab sent (one list for the friend menu that sends and the element that shows them). */
export const sentInvites = new SentInvites();
