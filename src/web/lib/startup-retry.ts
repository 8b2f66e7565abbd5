/**
 * Retrying the start-up sign-in by itself while Beacon does not answer: after each failure
 * the next try waits twice as long (2 s, 4 s, 8 s… at most 30 s), and the browser's `online`
 * event tries at once. The "Try again" button stays for the impatient. Timers and the event
 * target are injected so tests run on a fake clock.
 */

export interface RetryTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
}

export interface StartupRetryOptions {
  /** Where `online` fires (the window). */
  target: Pick<EventTarget, 'addEventListener' | 'removeEventListener'>;
  timers?: RetryTimers;
  firstMs?: number;
  maxMs?: number;
}

const REAL_TIMERS: RetryTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id as ReturnType<typeof setTimeout>),
};

export class StartupRetry {
  readonly #run: () => void;
  readonly #target: StartupRetryOptions['target'];
  readonly #timers: RetryTimers;
  readonly #firstMs: number;
  readonly #maxMs: number;
  #failures = 0;
  #timer: unknown = null;
  #armed = false;
  readonly #onOnline = (): void => this.#fire();

  constructor(run: () => void, opts: StartupRetryOptions) {
    this.#run = run;
    this.#target = opts.target;
    this.#timers = opts.timers ?? REAL_TIMERS;
    this.#firstMs = opts.firstMs ?? 2_000;
    this.#maxMs = opts.maxMs ?? 30_000;
  }

  /** The wait before the next try after `failures` failures in a row. */
  delayAfter(failures: number): number {
    return Math.min(this.#maxMs, this.#firstMs * 2 ** Math.max(0, failures - 1));
  }

  /** A try failed: schedules the next one (after the backoff, or at `online`); returns the wait. */
  failed(): number {
    this.cancel();
    this.#failures++;
    const wait = this.delayAfter(this.#failures);
    this.#timer = this.#timers.setTimeout(() => this.#fire(), wait);
    this.#target.addEventListener('online', this.#onOnline);
    this.#armed = true;
    return wait;
  }

  /** Drops any scheduled try (a try is starting anyway, or start-up is over). */
  cancel(): void {
    if (this.#timer !== null) this.#timers.clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#armed) this.#target.removeEventListener('online', this.#onOnline);
    this.#armed = false;
  }

  /** Start-up got an answer: nothing more to retry, and the next failure starts from the first wait. */
  succeeded(): void {
    this.cancel();
    this.#failures = 0;
  }

  get pending(): boolean {
    return this.#armed;
  }

  #fire(): void {
    this.cancel();
    this.#run();
  }
}
