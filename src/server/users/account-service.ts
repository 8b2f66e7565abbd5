/**
 * Data rights: an export of everything Beacon stores about a user, and deleting the
 * account (password entered again). Deletion removes every row about the user, closes the
 * user's sockets, and friends see the user leave their lists at once: the same graph
 * events as unfriending, over the same fan-out (and bus, across instances).
 */
import type { AuthContext, AuthService } from '../auth/auth-service.js';
import { AppError } from '../errors.js';
import type { FriendsService } from '../friends/friends-service.js';
import type { HistoryRead } from '../history/history-reads.js';
import type { HistoryRepository, Transition } from '../history/history-repository.js';
import type { NotificationRepository } from '../notifications/notification-repository.js';
import type { PresenceService } from '../status/presence-service.js';
import type { AccountRepository } from './account-repository.js';

export class AccountService {
  constructor(
    private readonly deps: {
      repo: AccountRepository;
      auth: AuthService;
      friends: FriendsService;
      presence: PresenceService;
      history: HistoryRepository;
      notifications: NotificationRepository;
      now: () => number;
    },
  ) {}

  /**
   * Everything stored about the user, as JSON text in pieces: the small part at once, then
   * `presence_history` (up to ~130,000 rows) a day a step of `read` (history-reads.ts: a turn
   * of the event loop between days, turns shared fairly with every other history read), so an
   * export never holds up everyone else's traffic. The text ends `read` once written or dropped.
   */
  async export(auth: AuthContext, read: HistoryRead): Promise<AsyncIterable<string>> {
    const { repo, friends, presence, history, now } = this.deps;
    const rows = await repo.exportRows(auth.userId);
    if (!rows) throw new AppError('UNAUTHORIZED', 'Account no longer exists');
    const head = {
      exported_at: new Date(now()).toISOString(),
      ...rows,
      current_status: await presence.userStatus(auth, auth.userId),
      friends: await friends.listFriends(auth.userId),
      friend_requests: await friends.listRequests(auth.userId),
      blocked_users: await friends.listBlocked(auth.userId),
      // Browsers that receive your pushes, friends you watch, and your notification period.
      notifications: await this.deps.notifications.exportRows(auth.userId),
    };
    return exportText(head, history.daysOfUser(auth.userId), read);
  }

  /** Deletes the account once its password is entered again (AuthService.confirmPassword: the calling login's failed-password budget). */
  async delete(auth: AuthContext, password: string): Promise<void> {
    await this.deps.auth.confirmPassword(auth, password, 'Wrong password');
    if (!(await this.remove(auth.userId))) throw new AppError('UNAUTHORIZED', 'Account no longer exists');
  }

  /**
   * Deletes the user and every row about them, closes their sockets, and friends see them leave
   * their lists at once. For a host's user (the host deleted them) and for `delete` above.
   * False if there was no such user.
   */
  async remove(userId: number): Promise<boolean> {
    const left = await this.deps.repo.delete(userId);
    if (!left) return false;
    this.deps.friends.accountDeleted(userId, left);
    for (const sessionId of left.sessionIds) this.deps.auth.revoked(sessionId, userId);
    // After the revocations (their sockets close first): nothing of the user stays in memory
    // on any instance, so game events skip them and no history or row of theirs is saved again.
    await this.deps.presence.forgetDeleted(userId);
    return true;
  }
}

/**
 * The export's JSON: `head`'s fields, then `presence_history` (changes of your effective status,
 * kept for BEACON_HISTORY_RETENTION_DAYS) day by day, each day read and written out in a step of
 * `read`; handing a piece of text on waits for the reply to take it, outside the step and with
 * the user's turn let go (read.release): a paused or slow download does not hold the user's
 * history and pattern reads, and the next day's step waits for the user's turn again.
 */
async function* exportText(head: object, days: AsyncIterable<Transition[]>, read: HistoryRead): AsyncGenerator<string> {
  const it = days[Symbol.asyncIterator]();
  try {
    read.release();
    yield `${JSON.stringify(head).slice(0, -1)},"presence_history":[`;
    for (let first = true; ; first = false) {
      const day = await read.step(async () => {
        const next = await it.next();
        if (next.done) return null;
        const text = JSON.stringify(next.value.map((t) => ({ at: new Date(t.at).toISOString(), status: t.status })));
        return { text: `${first ? '' : ','}${text.slice(1, -1)}`, rows: next.value.length };
      }, (d) => d?.rows ?? 0);
      if (!day) break;
      read.release();
      yield day.text;
    }
    read.release();
    yield ']}';
  } finally {
    read.end();
    await it.return?.();
  }
}
