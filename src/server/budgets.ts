/**
 * Per-user budgets kept in memory on the injected clock: a token bucket per user, the
 * oldest users forgotten past MAX_USERS. Null when BEACON_RATE_LIMITS=off.
 * - stateChanges: ONE budget for status, activity, settings and friend-category changes
 *   (a category decides what that friend sees), whether they come over REST or the
 *   WebSocket (a user could otherwise spend both).
 * - statusReads: reads of other users' status, per viewer.
 * - friendPolls: reads of one's friends' statuses (GET /users/me/friends/status), each a view
 *   of every friend: the SDK polls every 3 s per tab when its socket fails, so 10 a second
 *   is 30 such tabs. A read costs one unit per started FRIENDS_PER_POLL_UNIT friends: one of
 *   5,000 friends takes the server ~150 ms, and 60 of them at once stalled everyone else 5 s.
 */
import { AppError } from './errors.js';
import { TokenBucket } from './realtime/token-bucket.js';

const MAX_USERS = 100_000;

export const STATE_CHANGES = { perSecond: 1, burst: 20 };
export const STATUS_READS = { perSecond: 5, burst: 30 };
export const FRIEND_POLLS = { perSecond: 10, burst: 60 };
/** How many friends one unit of the friendPolls budget covers. */
export const FRIENDS_PER_POLL_UNIT = 100;

/** What one read of `friends` friends' statuses costs (1 up to 100 friends; never more than the whole burst). */
export function friendPollCost(friends: number): number {
  return Math.min(FRIEND_POLLS.burst, Math.max(1, Math.ceil(friends / FRIENDS_PER_POLL_UNIT)));
}

export class PerUserBudget {
  readonly #buckets = new Map<number, TokenBucket>();

  constructor(
    private readonly rate: { perSecond: number; burst: number },
    private readonly now: () => number,
  ) {}

  /** Spends one unit of the user's budget; false when it is spent. */
  take(userId: number): boolean {
    return this.#bucket(userId).take();
  }

  /** Like take() of `units`, but throws 429 RATE_LIMITED with `message` (and when to try again) when the budget is spent. */
  spend(userId: number, message: string, units = 1): void {
    const bucket = this.#bucket(userId);
    if (!bucket.take(units)) throw new AppError('RATE_LIMITED', message, { retryAfterMs: bucket.waitMs(units) });
  }

  #bucket(userId: number): TokenBucket {
    let bucket = this.#buckets.get(userId);
    if (!bucket) {
      if (this.#buckets.size >= MAX_USERS) this.#buckets.delete(this.#buckets.keys().next().value!);
      bucket = new TokenBucket(this.rate.perSecond, this.rate.burst, this.now);
      this.#buckets.set(userId, bucket);
    }
    return bucket;
  }
}

export interface Budgets {
  stateChanges: PerUserBudget | null;
  statusReads: PerUserBudget | null;
  friendPolls: PerUserBudget | null;
}

export function createBudgets(rateLimits: boolean, now: () => number): Budgets {
  return {
    stateChanges: rateLimits ? new PerUserBudget(STATE_CHANGES, now) : null,
    statusReads: rateLimits ? new PerUserBudget(STATUS_READS, now) : null,
    friendPolls: rateLimits ? new PerUserBudget(FRIEND_POLLS, now) : null,
  };
}

export const TOO_MANY_CHANGES = 'Too many status changes; slow down';
