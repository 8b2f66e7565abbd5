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
 * the slow hash runs. One instance keeps the counts in memory (bounded), on the injected
 * clock; several instances share them in Redis (adapters/limits-redis.ts).
 */
export const LOGIN_FAILURES = { max: 10, windowMs: 15 * 60_000 };
const MAX_KEYS = 100_000;

/**
 * Who is trying: the device id of a valid device token, or null for any other client; or, for a
 * password change, the signed-in login asking (`{ login }`, its session id), whose wrong current
 * passwords count in a budget of that login alone: strangers guessing at the account's logins
 * cannot keep its owner from changing the password, and a stolen token still gets 10 guesses.
 */
export type LoginDevice = string | { login: string } | null;

export interface LoginThrottle {
  /** Counts an attempt on the key: 0 when it may go on, else the ms until it may (nothing counted then). */
  attempt(usernameLower: string, device: LoginDevice): Promise<number>;
  /** The attempt succeeded: the key's failures are forgotten. */
  succeeded(usernameLower: string, device: LoginDevice): Promise<void>;
}

/** The throttle of one instance, in memory. */
export class LocalLoginThrottle implements LoginThrottle {
  readonly #failures = new Map<string, number[]>();

  constructor(private readonly now: () => number) {}

  async attempt(usernameLower: string, device: LoginDevice): Promise<number> {
    const key = throttleKey(usernameLower, device);
    const now = this.now();
    // A failure dated after now is one from before the clock stepped back (NTP, a restored VM):
    // taken as now, so a step back of an hour does not lock the account for that hour more.
    const times = (this.#failures.get(key) ?? []).map((t) => Math.min(t, now)).filter((t) => t > now - LOGIN_FAILURES.windowMs);
    if (times.length >= LOGIN_FAILURES.max) {
      this.#failures.set(key, times); // dated as read (a step back), in its place among the keys
      return times[0]! + LOGIN_FAILURES.windowMs - now;
    }
    times.push(now);
    this.#failures.delete(key); // re-inserted last: the oldest keys are the first forgotten
    this.#failures.set(key, times);
    if (this.#failures.size > MAX_KEYS) this.#failures.delete(this.#failures.keys().next().value!);
    return 0;
  }

  async succeeded(usernameLower: string, device: LoginDevice): Promise<void> {
    this.#failures.delete(throttleKey(usernameLower, device));
  }
}

/**
 * A device id is 22 base64url characters and a login's id a UUID (neither has a ':'), so the
 * three kinds of key never meet, whatever a login names.
 */
export const throttleKey = (usernameLower: string, device: LoginDevice): string =>
  device === null ? `u:${usernameLower}` : typeof device === 'string' ? `d:${device}:${usernameLower}` : `s:${device.login}:${usernameLower}`;
