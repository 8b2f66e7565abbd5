/**
 * The server's clock as this device can know it. A device's own clock may be minutes off
 * (set by hand, no time sync), while every view and presence frame carries the moment the
 * server made it (`timestamp`): each one that arrives is a sample of `server - local`. The
 * network (and a frozen tab's queue) only ever delays a frame, making the server look
 * earlier than it is, never later: the largest recent sample is the closest. Samples age
 * out, so a device clock corrected meanwhile is followed within {@link SAMPLE_WINDOW_MS}.
 * Times the server sent (`last_seen`, `activity_since`, a message's expiry) are measured
 * against {@link ServerClock.now}, never against the device's clock.
 */

/** How long a sample counts (device time): long enough to outlast a quiet spell of frames. */
export const SAMPLE_WINDOW_MS = 10 * 60_000;
/** At most this many samples are kept (a burst of frames replaces the oldest). */
export const MAX_SAMPLES = 32;

export class ServerClock {
  readonly #localNow: () => number;
  /** `[received at (device ms), server - device (ms)]`, oldest first. */
  #samples: Array<[number, number]> = [];

  /** `localNow`: the device's clock (default `Date.now`). */
  constructor(localNow: () => number = () => Date.now()) {
    this.#localNow = localNow;
  }

  /**
   * What the server made at these `timestamp`s (ISO 8601: the views of one answer or frame)
   * arrived just now: one sample, from the latest. Anything but a valid timestamp is ignored.
   */
  observe(...timestamps: unknown[]): void {
    let made = -Infinity;
    for (const t of timestamps) {
      const ms = typeof t === 'string' ? Date.parse(t) : NaN;
      if (ms > made) made = ms; // never an invalid one (NaN)
    }
    if (made === -Infinity) return;
    const at = this.#localNow();
    this.#samples.push([at, made - at]);
    this.#prune(at);
  }

  /** `server - device` in ms, as estimated now; 0 until a sample arrived. */
  offsetMs(): number {
    this.#prune(this.#localNow());
    let best = -Infinity;
    for (const [, offset] of this.#samples) best = Math.max(best, offset);
    return Number.isFinite(best) ? best : 0;
  }

  /** The server's time now (epoch ms): the device's clock corrected by {@link offsetMs}. */
  now(): number {
    return this.#localNow() + this.offsetMs();
  }

  /** Drops samples past the window or the cap; the newest always stays. */
  #prune(now: number): void {
    const samples = this.#samples;
    let drop = Math.max(0, samples.length - MAX_SAMPLES);
    while (drop < samples.length - 1 && now - samples[drop]![0] > SAMPLE_WINDOW_MS) drop++;
    if (drop > 0) this.#samples = samples.slice(drop);
  }
}

/** When the server made a view or frame (its `timestamp`), for {@link ServerClock.observe}; undefined without one. */
export function madeAt(v: unknown): unknown {
  return typeof v === 'object' && v !== null ? (v as { timestamp?: unknown }).timestamp : undefined;
}
