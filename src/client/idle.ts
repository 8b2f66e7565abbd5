/**
 * User-activity plumbing: which DOM events count as "the user is there", and the
 * throttle that turns a stream of them into rare `interaction` frames.
 */

/**
 * `document.visibilityState`, spelled out: the SDK's declarations name no DOM-only type, so
 * they compile in a Node project without the DOM lib (a sidecar's tests with `ws`).
 */
export type VisibilityState = 'visible' | 'hidden';

/** The part of `Document` idle detection needs (a real `document` satisfies it). */
export interface IdleTarget {
  addEventListener(type: string, fn: () => void, opts?: { capture?: boolean; passive?: boolean }): void;
  removeEventListener(type: string, fn: () => void, opts?: { capture?: boolean }): void;
  readonly visibilityState?: VisibilityState;
}

/** Input events that prove a human is present. `mousemove` covers pointers that only hover. */
export const INPUT_EVENTS = ['mousemove', 'mousedown', 'keydown', 'touchstart', 'wheel'] as const;

/**
 * Calls `onActivity` on real user input, and only on that: a tab that merely becomes
 * visible, a timer or a background refresh is not a person. Listeners are passive and on
 * the capture phase so an app that stops propagation cannot hide input.
 * Returns a function that removes them all.
 */
export function attachIdleDetection(target: IdleTarget, onActivity: () => void): () => void {
  const input = (): void => onActivity();
  const opts = { capture: true, passive: true };
  for (const type of INPUT_EVENTS) target.addEventListener(type, input, opts);
  return () => {
    for (const type of INPUT_EVENTS) target.removeEventListener(type, input, { capture: true });
  };
}

/**
 * Leading-edge throttle for interaction reports, bypassed while the server's idle probe
 * (`are_you_there`) is unanswered: that answer is urgent, the rest is bookkeeping.
 */
export class InteractionGate {
  #lastSentAt = Number.NEGATIVE_INFINITY;
  #probePending = false;
  readonly #throttleMs: number;

  constructor(throttleMs: number) {
    this.#throttleMs = throttleMs;
  }

  /** True while an `are_you_there` awaits an answer. */
  get probePending(): boolean {
    return this.#probePending;
  }

  /** The server asked `are_you_there`. */
  probe(): void {
    this.#probePending = true;
  }

  /** The probe was answered on another device or tab (`probe_answered`): nothing is urgent here any more. */
  answered(): void {
    this.#probePending = false;
  }

  /** Whether an interaction at `now` should go out (does not record it). */
  shouldSend(now: number): boolean {
    return this.#probePending || now - this.#lastSentAt >= this.#throttleMs;
  }

  /** An interaction or `still_here` reached the server at `now`; it also answers any probe. */
  sent(now: number): void {
    this.#lastSentAt = now;
    this.#probePending = false;
  }
}
