/**
 * Whether this server is saturated, or was within the last few seconds: its event loop was
 * busy at least `threshold` of some window among the last `memory` windows (event-loop
 * utilisation, ELU). A saturated server is slow to accept, authenticate and admit sockets,
 * and what queued while it was saturated keeps arriving for a while after, so it is the one
 * thing that must not decide a returning user has left: the offline grace stretches
 * meanwhile (PresenceEngine). Sampled once per window by one unref'd timer.
 */
import { performance, type EventLoopUtilization } from 'node:perf_hooks';

type Elu = (a?: EventLoopUtilization, b?: EventLoopUtilization) => EventLoopUtilization;

export interface SaturationOptions {
  /** Utilisation of one window that counts as saturated. */
  threshold?: number;
  windowMs?: number;
  /** How many recent windows are remembered. */
  memory?: number;
  elu?: Elu;
}

export class Saturation {
  readonly #threshold: number;
  readonly #memory: number;
  readonly #elu: Elu;
  #last: EventLoopUtilization;
  /** Windows since the last saturated one (Infinity: none remembered). */
  #since = Infinity;
  #timer: NodeJS.Timeout;
  /** The first window holds start-up (module loading, migrations): it says nothing about load. */
  #first = true;

  constructor(opts: SaturationOptions = {}) {
    this.#threshold = opts.threshold ?? 0.75;
    this.#memory = opts.memory ?? 8;
    this.#elu = opts.elu ?? ((a, b) => performance.eventLoopUtilization(a, b));
    this.#last = this.#elu();
    this.#timer = setInterval(() => this.sample(), opts.windowMs ?? 1000);
    this.#timer.unref();
  }

  /** True when one of the last `memory` windows reached the threshold. */
  get saturated(): boolean {
    return this.#since < this.#memory;
  }

  /** Closes the current window (the timer calls this; tests may too). */
  sample(): void {
    const now = this.#elu();
    const utilization = this.#elu(now, this.#last).utilization;
    this.#last = now;
    if (this.#first) {
      this.#first = false;
      return;
    }
    this.#since = utilization >= this.#threshold ? 0 : this.#since + 1;
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
