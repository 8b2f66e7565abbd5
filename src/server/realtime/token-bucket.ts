/** A token bucket: `perSecond` on average, up to `burst` at once. */
export class TokenBucket {
  #tokens: number;
  #at: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number,
  ) {
    this.#tokens = burst;
    this.#at = now();
  }

  /** Takes `n` tokens; false (nothing taken) when the bucket holds fewer. */
  take(n = 1): boolean {
    this.#refill();
    if (this.#tokens < n) return false;
    this.#tokens -= n;
    return true;
  }

  /** How long until `n` tokens can be taken (0: now). */
  waitMs(n = 1): number {
    this.#refill();
    return this.#tokens >= n ? 0 : ((n - this.#tokens) / this.perSecond) * 1000;
  }

  /**
   * The clock is the wall clock (Date.now): one stepped back (an NTP step, a VM restored) is no
   * time spent, not a debt. Refilled by the negative time, a step back of 3 s emptied every
   * socket's bucket (each socket's next frame closed it with 4429), and one of an hour left
   * every recently active user's status changes refused (429) for that hour.
   */
  #refill(): void {
    const t = this.now();
    this.#tokens = Math.min(this.burst, this.#tokens + (Math.max(0, t - this.#at) / 1000) * this.perSecond);
    this.#at = t;
  }
}
