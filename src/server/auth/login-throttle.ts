/**
 * Per-account login throttling, on top of the per-IP rate limit: at most LOGIN_FAILURES.max
 * failed logins per account per window from clients the account does not know, wherever they
 * come from; beyond that every such attempt answers 429 until the oldest failure leaves the
 * window. A device the owner logged in from before (a valid device token, device-tokens.ts)
 * has a budget of its own, so strangers guessing at an account cannot lock its owner out of
 * the devices they use.
 *
 * An attempt is counted BEFORE its password is checked and forgotten (with the key's other
 * failures) when it succeeds: guesses sent all at once cannot pass the check together while
 * the slow hash runs. One instance keeps the counts in memory (bounded, LocalLoginThrottle
 * below), on the injected clock; several instances share them in Redis (adapters/limits-redis.ts:
 * a sorted set per key that expires with the window, nothing evicted, so junk keys cannot push
 * a budget out there; they cost Redis memory for 15 min only, within the per-IP limit).
 */
export const LOGIN_FAILURES = { max: 10, windowMs: 15 * 60_000 };
/** How many keys one instance keeps in memory at most (LocalLoginThrottle). */
export const LOGIN_THROTTLE_MAX_KEYS = 100_000;

/**
 * Who is trying: the device id of a valid device token, or null for any other client; or, for a
 * password change, the signed-in login asking (`{ login }`, its session id), whose wrong current
 * passwords count in a budget of that login alone: strangers guessing at the account's logins
 * cannot keep its owner from changing the password, and a stolen token still gets 10 guesses.
 */
export type LoginDevice = string | { login: string } | null;

export interface LoginThrottle {
  /**
   * Counts an attempt on the key: 0 when it may go on, else the ms until it may (nothing counted
   * then). `account`: whether the username names an account (true unless told; a key with a
   * device always does), which only decides what memory forgets first (LocalLoginThrottle).
   */
  attempt(usernameLower: string, device: LoginDevice, account?: boolean): Promise<number>;
  /** The attempt succeeded: the key's failures are forgotten. */
  succeeded(usernameLower: string, device: LoginDevice): Promise<void>;
}

/**
 * The throttle of one instance, in memory, at most LOGIN_THROTTLE_MAX_KEYS keys. When a new key
 * finds them all taken, one goes, in this order:
 * 1. a key whose failures have all left the window (it answers nothing any more);
 * 2. the key of a username that names no account, the least recently counted first: its
 *    failures guard no password. Not tracking those at all would answer 429 for accounts only,
 *    telling which usernames exist; they are counted and answered alike, and only a flood of
 *    100,000 other junk usernames since its last failure shows a difference (which registering
 *    the name tells in one request anyway);
 * 3. the key of an account below the limit, the least recently counted first;
 * 4. only when every key kept is a locked account (a million failed logins at existing
 *    accounts within one window), the locked key counted least recently, the nearest to
 *    unlocking.
 * So junk usernames, the cheap flood (one attempt each, from many addresses), never lift a
 * lockout nor erase an account's failures still in the window: before, the least recently
 * counted key went whatever it was, and a locked key, never moved, was among the first, so
 * 10 guesses, 100,000 junk usernames and 10 guesses more, again and again. Pushing out an
 * account's key takes keys of other accounts (each a registration, a login for a device or a
 * session), 100,000 of them since its last failure. Evicting the keys with the fewest failures
 * first was no better: once the other keys held two failures each, a victim's key with one
 * went at the next new junk key, a guess for every two attempts. Eviction only forgets, so
 * nobody is ever locked out by others' keys.
 * Each kind of key sits in a Map in the order of its last counted failure (a refused attempt
 * counts nothing and keeps the key's place), so the oldest of each is its first entry: every
 * step is O(1).
 */
export class LocalLoginThrottle implements LoginThrottle {
  /** Usernames naming no account; accounts below the limit at their last count; accounts at it. */
  readonly #unknown = new Map<string, number[]>();
  readonly #accounts = new Map<string, number[]>();
  readonly #locked = new Map<string, number[]>();

  constructor(private readonly now: () => number) {}

  /** How many keys are kept (at most LOGIN_THROTTLE_MAX_KEYS). */
  get size(): number {
    return this.#unknown.size + this.#accounts.size + this.#locked.size;
  }

  async attempt(usernameLower: string, device: LoginDevice, account = true): Promise<number> {
    const key = throttleKey(usernameLower, device);
    const now = this.now();
    const [kept, from] = this.#find(key);
    // A failure dated after now is one from before the clock stepped back (NTP, a restored VM):
    // taken as now, so a step back of an hour does not lock the account for that hour more.
    const times = (kept ?? []).map((t) => Math.min(t, now)).filter((t) => t > now - LOGIN_FAILURES.windowMs);
    if (times.length >= LOGIN_FAILURES.max) {
      from!.set(key, times); // dated as read (a step back), in its place among the keys
      return times[0]! + LOGIN_FAILURES.windowMs - now;
    }
    times.push(now);
    if (from) from.delete(key);
    else this.#makeRoom(now);
    // Re-inserted last: the order of last counted failures.
    const into = device === null && !account ? this.#unknown : times.length >= LOGIN_FAILURES.max ? this.#locked : this.#accounts;
    into.set(key, times);
    return 0;
  }

  async succeeded(usernameLower: string, device: LoginDevice): Promise<void> {
    const key = throttleKey(usernameLower, device);
    this.#find(key)[1]?.delete(key);
  }

  #find(key: string): [number[] | undefined, Map<string, number[]> | null] {
    for (const map of [this.#unknown, this.#accounts, this.#locked]) {
      const times = map.get(key);
      if (times) return [times, map];
    }
    return [undefined, null];
  }

  /** Frees one place for a new key when all are taken, in the order of the class comment. */
  #makeRoom(now: number): void {
    if (this.size < LOGIN_THROTTLE_MAX_KEYS) return;
    const maps = [this.#unknown, this.#accounts, this.#locked];
    for (const map of maps) {
      const first = map.entries().next();
      if (!first.done && first.value[1].at(-1)! <= now - LOGIN_FAILURES.windowMs) {
        map.delete(first.value[0]);
        return;
      }
    }
    const map = maps.find((m) => m.size > 0)!;
    map.delete(map.keys().next().value!);
  }
}

/**
 * A device id is 22 base64url characters and a login's id a UUID (neither has a ':'), so the
 * three kinds of key never meet, whatever a login names.
 */
export const throttleKey = (usernameLower: string, device: LoginDevice): string =>
  device === null ? `u:${usernameLower}` : typeof device === 'string' ? `d:${device}:${usernameLower}` : `s:${device.login}:${usernameLower}`;
