/** Runs an async task now and then every interval after the previous run settles. */
import type { Timers } from './transport.js';

export class Poller {
  readonly #timers: Timers;
  readonly #intervalMs: number;
  readonly #task: () => Promise<void>;
  #running = false;
  #inFlight = false;
  #again = false;
  #timer: unknown = null;
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

  /** Starts polling with an immediate run; no-op when already running. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    void this.#run();
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
    if (!this.#running) return;
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
    if (this.#again) {
      this.#again = false;
      void this.#run();
      return;
    }
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = null;
      void this.#run();
    }, this.#intervalMs);
  }
}
