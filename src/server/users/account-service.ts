/**
 * Data rights: an export of everything Beacon stores about a user, and deleting the
 * account (password entered again). Deletion removes every row about the user, closes the
 * user's sockets, and friends see the user leave their lists at once: the same graph
 * events as unfriending, over the same fan-out (and bus, across instances).
 */
import { verify } from '@node-rs/argon2';
import type { AuthContext, AuthService } from '../auth/auth-service.js';
import { AppError } from '../errors.js';
import type { FriendsService } from '../friends/friends-service.js';
import type { HistoryRepository } from '../history/history-repository.js';
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

  async export(auth: AuthContext) {
    const { repo, friends, presence, history, now } = this.deps;
    const rows = await repo.exportRows(auth.userId);
    if (!rows) throw new AppError('UNAUTHORIZED', 'Account no longer exists');
    return {
      exported_at: new Date(now()).toISOString(),
      ...rows,
      current_status: await presence.userStatus(auth, auth.userId),
      friends: await friends.listFriends(auth.userId),
      friend_requests: await friends.listRequests(auth.userId),
      blocked_users: await friends.listBlocked(auth.userId),
      // Changes of your effective status, kept for BEACON_HISTORY_RETENTION_DAYS (patterns).
      presence_history: (await history.ofUser(auth.userId)).map((t) => ({ at: new Date(t.at).toISOString(), status: t.status })),
      // Browsers that receive your pushes, friends you watch, and your notification period.
      notifications: await this.deps.notifications.exportRows(auth.userId),
    };
  }

  async delete(auth: AuthContext, password: string): Promise<void> {
    const { repo, friends, auth: authService } = this.deps;
    const hash = await repo.passwordHash(auth.userId);
    if (!hash) throw new AppError('UNAUTHORIZED', 'Account no longer exists');
    if (!(await verify(hash, password).catch(() => false))) throw new AppError('INVALID_CREDENTIALS', 'Wrong password');
    const friendIds = (await friends.listFriends(auth.userId)).map((f) => f.user_id);
    const requests = await friends.listRequests(auth.userId);
    const sessions = await repo.liveSessionIds(auth.userId);
    await repo.delete(auth.userId);
    friends.accountDeleted(auth.userId, friendIds, requests);
    for (const sessionId of sessions) authService.revoked(sessionId, auth.userId);
  }
}
