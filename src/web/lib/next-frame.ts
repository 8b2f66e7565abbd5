/**
 * Runs a render at most once per animation frame, however many changes ask for it meanwhile:
 * a burst of 200 friends changing status within a second is drawn a few dozen times, not 200.
 * A hidden tab has no frames: a timer does it there (browsers slow those to about once a second).
 */

/** Longest wait for a frame before the timer runs it instead. */
const FALLBACK_MS = 100;

export class NextFrame {
  readonly #run: () => void;
  #frame: number | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;

  constructor(run: () => void) {
    this.#run = run;
  }

  get pending(): boolean {
    return this.#frame !== null || this.#timer !== null;
  }

  /** Runs it at the next frame (once, however often this is called before then). */
  request(): void {
    if (this.pending) return;
    const go = (): void => {
      this.cancel();
      this.#run();
    };
    this.#frame = requestAnimationFrame(go);
    this.#timer = setTimeout(go, FALLBACK_MS);
  }

  /** Forgets a pending run (it was done now, or is no longer wanted). */
  cancel(): void {
    if (this.#frame !== null) cancelAnimationFrame(this.#frame);
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#frame = null;
    this.#timer = null;
  }
}
