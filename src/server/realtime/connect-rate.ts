/**
 * How often one account may open a socket (per instance): a burst, then a steady rate (GCRA:
 * one number per account, the moment its budget is whole again). Every open costs a `ready`
 * snapshot (the friend list and its views) and may fan out an appearance, so one account
 * opening and closing sockets in a loop could otherwise keep a core busy for everyone. A page
 * reloading its tabs, or every tab reconnecting after a restart, stays well within the burst.
 */
export class ConnectRate {
  readonly #interval: number;
  readonly #tolerance: number;
  /** Per account: when its budget is whole again (ms). Accounts past it are forgotten by sweep(). */
  readonly #fullAt = new Map<number, number>();
  /** The clock's latest reading: one earlier than it is a clock stepped back. */
  #last = -Infinity;

  constructor(
    perSecond: number,
    burst: number,
    private readonly now: () => number,
  ) {
    this.#interval = 1000 / perSecond;
    this.#tolerance = (burst - 1) * this.#interval;
  }

  /** Spends one open of the account's budget; false (nothing spent) when it is used up. */
  take(userId: number): boolean {
    const now = this.#read();
    const fullAt = Math.max(this.#fullAt.get(userId) ?? now, now);
    if (fullAt - now > this.#tolerance) return false;
    this.#fullAt.set(userId, fullAt + this.#interval);
    return true;
  }

  /** Forgets the accounts whose budget is whole again (the table holds only recent openers). */
  sweep(): void {
    const now = this.#read();
    for (const [userId, fullAt] of this.#fullAt) if (fullAt <= now) this.#fullAt.delete(userId);
  }

  /**
   * The clock (the wall clock, Date.now), with every account's moment moved back as far as the
   * clock stepped back (an NTP step, a VM restored): otherwise an account that opened a socket
   * just before a step back of an hour could open none for that hour (4429 at each try).
   */
  #read(): number {
    const now = this.now();
    if (now < this.#last) {
      const back = this.#last - now;
      for (const [userId, fullAt] of this.#fullAt) this.#fullAt.set(userId, fullAt - back);
    }
    this.#last = now;
    return now;
  }

  /** Accounts remembered now (tests). */
  get size(): number {
    return this.#fullAt.size;
  }
}
