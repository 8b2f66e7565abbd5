/**
 * Which users this instance needs a replica of, and for how much longer (the replica
 * lifecycle). A user is held while a local viewer needs them: their own socket here, or the
 * socket of a friend here (reference counts, one per local viewer). Every load or REST call
 * touches the users it reads, which keeps them for `lingerMs` more; so does the last viewer
 * going away. When a user is neither held nor lingering, `due()` offers them for release —
 * the caller may still keep them (a deadline this instance owns), and they are offered again
 * on a later sweep.
 *
 * Like Centrifuge's hub freeing empty entries: memory follows local interest, not history.
 */

/** How long a user the caller chose to keep waits before it is offered again. */
const RETRY_MS = 1000;

/**
 * One map entry per user, a number: a count ≥ 1 while local viewers hold the user, else
 * `-(until) - 1` (≤ -1) while they linger. One entry and no boxed timestamp for every held
 * user: a separate map of lingering times held a second entry and a heap number for each
 * user a connect touched (all of them during a burst), ~50 B per replica.
 */
const lingering = (until: number): number => -until - 1;
const untilOf = (entry: number): number => -entry - 1;

export class Interest {
  /** userId → a count of local viewers (≥ 1), or a linger's end (`lingering(until)`, ≤ -1). */
  readonly #entries = new Map<number, number>();
  #held = 0;

  constructor(
    private readonly lingerMs: number,
    private readonly now: () => number,
  ) {}

  /** A local viewer now needs these users (their own socket, or a friend's). */
  hold(ids: Iterable<number>): void {
    for (const id of ids) {
      const n = this.#entries.get(id);
      if (n !== undefined && n > 0) {
        this.#entries.set(id, n + 1);
        continue;
      }
      // A held user needs no linger: dropping the last hold starts one, later than this one.
      this.#entries.set(id, 1);
      this.#held++;
    }
  }

  /** A local viewer no longer needs these users: the last one going away starts the linger. */
  drop(ids: Iterable<number>): void {
    const until = this.now() + this.lingerMs;
    for (const id of ids) {
      const n = this.#entries.get(id);
      if (n === undefined || n <= 0) {
        this.#linger(id, until);
        continue;
      }
      if (n > 1) {
        this.#entries.set(id, n - 1);
        continue;
      }
      this.#held--;
      this.#entries.set(id, lingering(until));
    }
  }

  /** These users were just read or loaded (a REST call, a connect): keep them a while at least. */
  touch(ids: Iterable<number>): void {
    const until = this.now() + this.lingerMs;
    // A held user needs no linger now: dropping the last hold starts one.
    for (const id of ids) if (!this.held(id)) this.#linger(id, until);
  }

  /** Whether a local viewer needs the user now. */
  held(id: number): boolean {
    const n = this.#entries.get(id);
    return n !== undefined && n > 0;
  }

  /** Users held here (tests and metrics). */
  get heldCount(): number {
    return this.#held;
  }

  /**
   * Offers every user whose linger ended and whom no viewer holds to `release`, which answers
   * whether it let them go; those kept are offered again RETRY_MS later.
   */
  sweep(release: (id: number) => boolean): void {
    const now = this.now();
    // forEach, not for…of with [id, entry]: that made an entry array per user on every sweep
    // (promoted garbage while a connect burst touches every user). Deleting or updating the
    // current entry during forEach is allowed, and an updated entry is not visited again.
    this.#entries.forEach((entry, id) => {
      if (entry > 0 || untilOf(entry) > now) return;
      if (release(id)) this.#entries.delete(id);
      else this.#entries.set(id, lingering(now + RETRY_MS));
    });
  }

  /** Forgets a user entirely (released elsewhere, or the account is gone). */
  forget(id: number): void {
    if (this.held(id)) this.#held--;
    this.#entries.delete(id);
  }

  /** Lingers an unheld user until `until`, or later if already lingering longer. */
  #linger(id: number, until: number): void {
    const cur = this.#entries.get(id);
    if (cur === undefined || untilOf(cur) < until) this.#entries.set(id, lingering(until));
  }
}
