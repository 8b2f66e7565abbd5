/**
 * A timer that holds while something keeps it (WCAG 2.2.1 Timing Adjustable: a toast does not
 * leave while the pointer is over it or keyboard focus is in it) and then runs on for the time
 * it had left. Several reasons may hold it at once ("hover", "focus"); it runs again once none
 * does. Timers and the clock are injected so tests run on a fake clock.
 */

export interface PausableTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
  now(): number;
}

const REAL_TIMERS: PausableTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
};

export class PausableTimer {
  readonly #fn: () => void;
  readonly #timers: PausableTimers;
  readonly #holds = new Set<string>();
  #left: number;
  /** When the running stretch started; null while held or done. */
  #since: number | null = null;
  #timer: unknown = null;
  #done = false;

  /** Runs `fn` once, after `ms` of not being held. */
  constructor(fn: () => void, ms: number, timers: PausableTimers = REAL_TIMERS) {
    this.#fn = fn;
    this.#timers = timers;
    this.#left = ms;
    this.#run();
  }

  /** Time still to run before `fn`, not counting holds to come. */
  get remaining(): number {
    if (this.#done) return 0;
    return this.#since === null ? this.#left : Math.max(0, this.#left - (this.#timers.now() - this.#since));
  }

  get held(): boolean {
    return this.#holds.size > 0;
  }

  /** Holds the timer for `reason` until release(reason). */
  hold(reason: string): void {
    if (this.#done) return;
    if (this.#holds.size === 0) this.#stop();
    this.#holds.add(reason);
  }

  /** Lets go of `reason`; the timer runs on once nothing holds it. */
  release(reason: string): void {
    if (!this.#holds.delete(reason) || this.#holds.size > 0 || this.#done) return;
    this.#run();
  }

  /** Stops for good: `fn` never runs. */
  cancel(): void {
    this.#stop();
    this.#done = true;
  }

  #run(): void {
    this.#since = this.#timers.now();
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = null;
      this.#since = null;
      this.#done = true;
      this.#fn();
    }, this.#left);
  }

  #stop(): void {
    this.#left = this.remaining;
    this.#since = null;
    if (this.#timer !== null) this.#timers.clearTimeout(this.#timer);
    this.#timer = null;
  }
}
