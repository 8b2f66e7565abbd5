/**
 * Runs an async task now and then every interval after the previous run settles. The task may
 * hold the next run back further ({@link holdFor}: a server's `Retry-After`).
 */
import type { Timers } from './transport.js';

export class Poller {
  readonly #timers: Timers;
  readonly #intervalMs: number;
  readonly #task: () => Promise<void>;
  #running = false;
  #inFlight = false;
  #again = false;
  #timer: unknown = null;
  /**
   * No run starts before `until` (timers.now()): see {@link holdFor}. `ms`, the hold's length,
   * bounds what is left of it, so a device clock set back meanwhile cannot stretch it.
   */
  #hold = { until: -Infinity, ms: 0 };
  /** Ends the hold after its length on the timers (not the device clock), so a clock set back cannot keep it. */
  #holdTimer: unknown = null;
  // Bumped by stop() so a run still in flight from an earlier start() cannot reschedule.
  #gen = 0;

  constructor(timers: Timers, intervalMs: number, task: () => Promise<void>) {
    this.#timers = timers;
    this.#intervalMs = intervalMs;
    this.#task = task;
  }

  get running(): boolean {
    return this.#running;
  }

  /** Starts polling with an immediate run (or at the end of a hold); no-op when already running. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    if (this.#heldMs() > 0) this.#schedule(0);
    else void this.#run();
  }

  /**
   * No run starts within `ms` from now, pollNow() and start() included: the server asked to be
   * asked again later (a 429's `Retry-After`), and asking sooner only spends its budget again.
   */
  holdFor(ms: number): void {
    if (ms <= this.#heldMs()) return;
    this.#hold = { until: this.#timers.now() + ms, ms };
    this.#timers.clearTimeout(this.#holdTimer);
    this.#holdTimer = this.#timers.setTimeout(() => this.#endHold(), ms);
  }

  stop(): void {
    this.#running = false;
    this.#again = false;
    this.#inFlight = false;
    this.#gen++;
    this.#timers.clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** Runs now instead of at the next tick (or right after the run in flight). */
  pollNow(): void {
    if (!this.#running || this.#heldMs() > 0) return;
    if (this.#inFlight) {
      this.#again = true;
      return;
    }
    this.#timers.clearTimeout(this.#timer);
    this.#timer = null;
    void this.#run();
  }

  // Chained timeouts rather than setInterval: a slow server never gets overlapping polls.
  async #run(): Promise<void> {
    const gen = this.#gen;
    this.#inFlight = true;
    try {
      await this.#task();
    } catch {
      // the task reports its own errors; polling goes on regardless
    }
    if (gen !== this.#gen) return;
    this.#inFlight = false;
    if (!this.#running) return;
    const again = this.#again;
    this.#again = false;
    if (again && this.#heldMs() === 0) {
      void this.#run();
      return;
    }
    this.#schedule(this.#intervalMs);
  }

  /** What is left of the hold (0 when none). */
  #heldMs(): number {
    const left = Math.min(this.#hold.ms, this.#hold.until - this.#timers.now());
    if (left > 0) return left;
    this.#endHold();
    return 0;
  }

  #endHold(): void {
    this.#timers.clearTimeout(this.#holdTimer);
    this.#holdTimer = null;
    this.#hold = { until: -Infinity, ms: 0 };
  }

  /** The next run in `ms`, or at the end of a hold if that is later. */
  #schedule(ms: number): void {
    this.#timers.clearTimeout(this.#timer);
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = null;
      void this.#run();
    }, Math.max(ms, this.#heldMs()));
  }
}
