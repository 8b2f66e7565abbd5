/**
 * What a friend list tells screen readers about friends' changes, through its one polite
 * live region. Changes are gathered for a moment (GATHER_MS) and said in one update ("Olive
 * (@olive) is now busy. Andy (@andy) is now away"): writing each as it came replaced the
 * first before a screen reader had said it. One sentence per friend: a friend's later change
 * within the moment replaces their earlier one. A change that another part of the page says
 * itself (the toast of a friend coming online) is withdrawn, so it is said once, not twice.
 * Timers and the clock are injected so tests run on a fake clock.
 */

/** How long changes are gathered before they are said: about a second, short enough to stay news. */
export const GATHER_MS = 1_000;
/** At most this many sentences in one update; the rest are counted ("4 more friends changed status"). */
export const MAX_SENTENCES = 3;

export interface AnnouncerTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
  now(): number;
}

const REAL_TIMERS: AnnouncerTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
};

export class LiveAnnouncer {
  readonly #write: (text: string) => void;
  readonly #timers: AnnouncerTimers;
  /** Sentences waiting to be said, by friend, in the order the friends first changed. */
  readonly #waiting = new Map<number, string>();
  /** Friends whose changes are said elsewhere, until when. */
  readonly #withdrawn = new Map<number, number>();
  #timer: unknown = null;

  /** `write` puts the text in the live region. */
  constructor(write: (text: string) => void, timers: AnnouncerTimers = REAL_TIMERS) {
    this.#write = write;
    this.#timers = timers;
  }

  /** Says `text` about friend `key` with the others of this moment, unless withdrawn. */
  say(key: number, text: string): void {
    const until = this.#withdrawn.get(key);
    if (until !== undefined) {
      if (this.#timers.now() < until) return;
      this.#withdrawn.delete(key);
    }
    this.#waiting.set(key, text);
    this.#timer ??= this.#timers.setTimeout(() => this.#flush(), GATHER_MS);
  }

  /** Friend `key`'s change is said elsewhere: drops what waits for them, and what comes within GATHER_MS. */
  withdraw(key: number): void {
    this.#waiting.delete(key);
    this.#withdrawn.set(key, this.#timers.now() + GATHER_MS);
    if (this.#waiting.size === 0) this.#cancel();
  }

  /** Drops everything waiting (the list went away). */
  dispose(): void {
    this.#waiting.clear();
    this.#withdrawn.clear();
    this.#cancel();
  }

  #cancel(): void {
    if (this.#timer !== null) this.#timers.clearTimeout(this.#timer);
    this.#timer = null;
  }

  #flush(): void {
    this.#timer = null;
    const sentences = [...this.#waiting.values()];
    this.#waiting.clear();
    if (sentences.length === 0) return;
    const said = sentences.slice(0, MAX_SENTENCES);
    const more = sentences.length - said.length;
    if (more > 0) said.push(`${more} more ${more === 1 ? 'friend' : 'friends'} changed status`);
    this.#write(said.join('. '));
  }
}
