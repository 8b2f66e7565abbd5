/**
 * Per-account login throttling, on top of the per-IP rate limit: at most LOGIN_FAILURES.max
 * failed logins per account per window from clients the account does not know, wherever they
 * come from; beyond that every such attempt answers 429 until the oldest failure leaves the
 * window. A device the owner logged in from before (a valid device token, device-tokens.ts)
 * has a budget of its own, so strangers guessing at an account cannot lock its owner out of
 * the devices they use. Kept in memory per instance (bounded), on the injected clock.
 */
export const LOGIN_FAILURES = { max: 10, windowMs: 15 * 60_000 };
const MAX_KEYS = 100_000;

/** Who is trying: the device id of a valid device token, or null for any other client. */
export type LoginDevice = string | null;

export class LoginThrottle {
  readonly #failures = new Map<string, number[]>();

  constructor(private readonly now: () => number) {}

  /** Ms until this client may try the account again, or 0. */
  retryAfterMs(usernameLower: string, device: LoginDevice): number {
    const times = this.#recent(keyOf(usernameLower, device));
    if (times.length < LOGIN_FAILURES.max) return 0;
    return times[0]! + LOGIN_FAILURES.windowMs - this.now();
  }

  failed(usernameLower: string, device: LoginDevice): void {
    const key = keyOf(usernameLower, device);
    const times = this.#recent(key);
    times.push(this.now());
    this.#failures.delete(key);
    this.#failures.set(key, times);
    if (this.#failures.size > MAX_KEYS) this.#failures.delete(this.#failures.keys().next().value!);
  }

  succeeded(usernameLower: string, device: LoginDevice): void {
    this.#failures.delete(keyOf(usernameLower, device));
  }

  #recent(key: string): number[] {
    const since = this.now() - LOGIN_FAILURES.windowMs;
    const times = (this.#failures.get(key) ?? []).filter((t) => t > since);
    if (times.length === 0) this.#failures.delete(key);
    return times;
  }
}

/** A device id is 22 base64url characters (no ':'), so the two kinds of key never meet, whatever a login names. */
const keyOf = (usernameLower: string, device: LoginDevice): string => (device === null ? `u:${usernameLower}` : `d:${device}:${usernameLower}`);
