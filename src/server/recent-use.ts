/**
 * How long each user has lately held a scarce resource every user shares — the push slots
 * (notifications/push-sender.ts), the calendar reader (calendar/ics-runner.ts), the event loop's
 * turns at reading status history (history/history-reads.ts, counted in rows) — so that its
 * next free turn goes to the waiting user who held it least: fair by use, not by turns. Turns
 * are fair only when every turn costs alike; a turn on a push endpoint that never answers, or
 * on a feed that takes the reader its whole deadline, holds the resource for seconds where
 * others' take milliseconds, so a few dozen accounts taking turns in a row kept everyone else
 * waiting behind them. Held time is measured by the caller (a duration, or another measure of
 * the same cost such as rows walked); it halves every `halfLifeMs` on the injected clock. At
 * most `maxUsers` are remembered (the least recently charged is forgotten first: its use has
 * decayed the longest).
 */

export interface RecentUseOptions {
  halfLifeMs: number;
  /** The clock the use decays on (the app's injected clock). */
  now: () => number;
  maxUsers?: number;
}

const DEFAULT_MAX_USERS = 100_000;
/** Below this (ms) a user's use is forgotten: as good as none. */
const FORGOTTEN_MS = 1;

export class RecentUse {
  /** Use (ms) as of `at`; Map order is the order of the last charge, oldest first. */
  readonly #use = new Map<number, { ms: number; at: number }>();
  readonly #maxUsers: number;

  constructor(private readonly opts: RecentUseOptions) {
    this.#maxUsers = opts.maxUsers ?? DEFAULT_MAX_USERS;
  }

  /** The user held the resource `ms` more. */
  charge(userId: number, ms: number): void {
    const ms0 = this.of(userId);
    this.#use.delete(userId);
    this.#use.set(userId, { ms: ms0 + Math.max(0, ms), at: this.opts.now() });
    if (this.#use.size > this.#maxUsers) this.#use.delete(this.#use.keys().next().value!);
  }

  /** The user's use now (ms held, decayed); 0 for a user who held nothing lately. */
  of(userId: number): number {
    const e = this.#use.get(userId);
    if (!e) return 0;
    const ms = e.ms * 2 ** (-Math.max(0, this.opts.now() - e.at) / this.opts.halfLifeMs);
    if (ms >= FORGOTTEN_MS) return ms;
    this.#use.delete(userId);
    return 0;
  }

  /** How long (on the clock) until the user's use has decayed to `ms`; 0 if it is there already. */
  untilAtMost(userId: number, ms: number): number {
    const use = this.of(userId);
    if (use <= ms) return 0;
    return Math.ceil(this.opts.halfLifeMs * Math.log2(use / Math.max(ms, FORGOTTEN_MS)));
  }

  /**
   * Of `candidates`, the one with the least use (the first of equals), or null if there is none.
   * `holding`: how long the user has held the resource so far without being charged yet (turns in progress).
   */
  least(candidates: Iterable<number>, holding: (userId: number) => number = () => 0): number | null {
    let best: number | null = null;
    let bestUse = Infinity;
    for (const userId of candidates) {
      const use = this.of(userId) + holding(userId);
      if (use < bestUse) {
        best = userId;
        bestUse = use;
        if (use === 0) break;
      }
    }
    return best;
  }

  /** Users remembered (tests). */
  get size(): number {
    return this.#use.size;
  }
}
