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

export class Interest {
  /** userId → local viewers needing the user (absent: none). */
  readonly #counts = new Map<number, number>();
  /** userId → time from which it may be released, for users not held (or touched lately). */
  readonly #lingering = new Map<number, number>();

  constructor(
    private readonly lingerMs: number,
    private readonly now: () => number,
  ) {}

  /** A local viewer now needs these users (their own socket, or a friend's). */
  hold(ids: Iterable<number>): void {
    for (const id of ids) this.#counts.set(id, (this.#counts.get(id) ?? 0) + 1);
  }

  /** A local viewer no longer needs these users: the last one going away starts the linger. */
  drop(ids: Iterable<number>): void {
    const until = this.now() + this.lingerMs;
    for (const id of ids) {
      const n = (this.#counts.get(id) ?? 0) - 1;
      if (n > 0) {
        this.#counts.set(id, n);
        continue;
      }
      this.#counts.delete(id);
      this.#linger(id, until);
    }
  }

  /** These users were just read or loaded (a REST call, a connect): keep them a while at least. */
  touch(ids: Iterable<number>): void {
    const until = this.now() + this.lingerMs;
    // A held user needs no linger now: dropping the last hold starts one.
    for (const id of ids) if (!this.#counts.has(id)) this.#linger(id, until);
  }

  /** Whether a local viewer needs the user now. */
  held(id: number): boolean {
    return this.#counts.has(id);
  }

  /** Users held here (tests and metrics). */
  get heldCount(): number {
    return this.#counts.size;
  }

  /**
   * Offers every user whose linger ended and whom no viewer holds to `release`, which answers
   * whether it let them go; those kept are offered again RETRY_MS later.
   */
  sweep(release: (id: number) => boolean): void {
    const now = this.now();
    // forEach, not for…of with [id, until]: that made an entry array per user on every sweep
    // (promoted garbage while a connect burst touches every user). Deleting or updating the
    // current entry during forEach is allowed, and an updated entry is not visited again.
    this.#lingering.forEach((until, id) => {
      if (until > now) return;
      if (this.#counts.has(id) || release(id)) this.#lingering.delete(id);
      else this.#lingering.set(id, now + RETRY_MS);
    });
  }

  /** Forgets a user entirely (released elsewhere, or the account is gone). */
  forget(id: number): void {
    this.#counts.delete(id);
    this.#lingering.delete(id);
  }

  #linger(id: number, until: number): void {
    const cur = this.#lingering.get(id);
    if (cur === undefined || cur < until) this.#lingering.set(id, until);
  }
}
