/**
 * Per-account login throttling, on top of the per-IP rate limit: at most MAX_FAILURES
 * failed logins per account per WINDOW_MS, wherever they come from; beyond that every
 * attempt on the account answers 429 until the oldest failure leaves the window. Kept in
 * memory per instance (bounded), on the injected clock.
 */
export const LOGIN_FAILURES = { max: 10, windowMs: 15 * 60_000 };
const MAX_ACCOUNTS = 100_000;

export class LoginThrottle {
  readonly #failures = new Map<string, number[]>();

  constructor(private readonly now: () => number) {}

  /** Ms until the account may try again, or 0. */
  retryAfterMs(usernameLower: string): number {
    const times = this.#recent(usernameLower);
    if (times.length < LOGIN_FAILURES.max) return 0;
    return times[0]! + LOGIN_FAILURES.windowMs - this.now();
  }

  failed(usernameLower: string): void {
    const times = this.#recent(usernameLower);
    times.push(this.now());
    this.#failures.delete(usernameLower);
    this.#failures.set(usernameLower, times);
    if (this.#failures.size > MAX_ACCOUNTS) this.#failures.delete(this.#failures.keys().next().value!);
  }

  succeeded(usernameLower: string): void {
    this.#failures.delete(usernameLower);
  }

  #recent(key: string): number[] {
    const since = this.now() - LOGIN_FAILURES.windowMs;
    const times = (this.#failures.get(key) ?? []).filter((t) => t > since);
    if (times.length === 0) this.#failures.delete(key);
    return times;
  }
}
