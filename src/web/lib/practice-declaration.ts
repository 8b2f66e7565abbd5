/**
 * Declaring the Play page's practice match (`playing_pong`), and `browsing` once it ends, with
 * what to do when a game server's match holds the activity (the server's 409 `CONFLICT`).
 *
 * A refusal says a match held the activity when the server answered; the page reads it later.
 * Whenever it is read, the own view is looked at at once:
 * - still `in_game` (or not known yet): held. The practice is declared once the view leaves
 *   `in_game` (the `self` event of the frame saying the match ended);
 * - already out of `in_game`: the match may have ended between the answer and its reading, and
 *   no later frame will come to say so. The page asks again: at once, then after 1 s, 2 s, 4 s
 *   for refusals in a row read like that (the own view and the server disagreeing), and gives
 *   up after those, saying so ("gave_up"), until the next match starts.
 * So no order of a refusal and the frame of the match's end leaves the practice undeclared
 * without a word. Timers are injected so tests run on a fake clock.
 */
import type { PresenceClient } from '../../client/presence-client.js';
import { isCodedError } from './error-messages.js';

export type PracticeClient = Pick<PresenceClient, 'setActivity' | 'self' | 'on'>;

/**
 * What the page shows: `declared` the practice is what friends see; `ended` no practice of the
 * page's is declared (it ended); `checking` it asks again whether a match still holds the
 * activity; `held` a game server's match holds it; `gave_up` refused again and again although
 * the own view is in no match; `failed` a declaration failed otherwise (`error`).
 */
export type PracticeState = 'declared' | 'ended' | 'checking' | 'held' | 'gave_up' | 'failed';

export interface PracticeTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
}

const REAL_TIMERS: PracticeTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id as ReturnType<typeof setTimeout>),
};

/** The waits before asking again after refusals in a row read with the own view in no match. */
export const ASK_AGAIN_AFTER_MS: readonly number[] = [0, 1_000, 2_000, 4_000];

export class PracticeDeclaration {
  readonly #client: PracticeClient;
  readonly #show: (state: PracticeState, error?: unknown) => void;
  readonly #timers: PracticeTimers;
  readonly #offSelf: () => void;
  #running = false;
  /** Counts matches: a refusal read after its match ended is of no concern. */
  #match = 0;
  /** Held by a game server's match: declared once the own view leaves `in_game`. */
  #held = false;
  /** The refusal was read while the own view was in no match: asking again after a wait. */
  #timer: unknown = null;
  /** Nothing of the page's is declared: refused again and again, given up. */
  #gaveUp = false;
  /** Refusals in a row read with the own view in no match. */
  #asked = 0;

  constructor(client: PracticeClient, show: (state: PracticeState, error?: unknown) => void, timers: PracticeTimers = REAL_TIMERS) {
    this.#client = client;
    this.#show = show;
    this.#timers = timers;
    this.#offSelf = client.on('self', (self) => {
      if (!this.#held || self.status === 'in_game') return;
      this.#held = false;
      this.#declare('playing_pong');
    });
  }

  /** A practice match starts: declares it. */
  start(): void {
    this.#reset();
    this.#running = true;
    this.#declare('playing_pong');
  }

  /** The practice match ends: `browsing` again, unless nothing of the page's was declared. */
  end(keepalive = false): void {
    const declaredNothing = this.#held || this.#timer !== null || this.#gaveUp;
    this.#reset();
    this.#running = false;
    if (declaredNothing) return this.#show('ended');
    this.#declare('browsing', keepalive);
  }

  /** The page goes away: no more asking, nor listening. */
  dispose(): void {
    this.#reset();
    this.#running = false;
    this.#offSelf();
  }

  #reset(): void {
    this.#match++;
    this.#held = false;
    this.#gaveUp = false;
    this.#asked = 0;
    if (this.#timer !== null) this.#timers.clearTimeout(this.#timer);
    this.#timer = null;
  }

  #declare(activity: 'playing_pong' | 'browsing', keepalive = false): void {
    const match = this.#match;
    this.#client.setActivity(activity, { keepalive }).then(
      () => this.#show(activity === 'playing_pong' ? 'declared' : 'ended'),
      (e: unknown) => {
        if (activity === 'playing_pong' && isCodedError(e) && e.code === 'CONFLICT') return this.#refused(match);
        this.#show('failed', e);
      },
    );
  }

  /** Refused (409): the own view now says whether to wait for the match's end or ask again. */
  #refused(match: number): void {
    if (match !== this.#match || !this.#running) return;
    const self = this.#client.self;
    if (self === null || self.status === 'in_game') {
      this.#asked = 0;
      this.#held = true;
      return this.#show('held');
    }
    const wait = ASK_AGAIN_AFTER_MS[this.#asked++];
    if (wait === undefined) {
      this.#gaveUp = true;
      return this.#show('gave_up');
    }
    this.#show('checking');
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = null;
      this.#declare('playing_pong');
    }, wait);
  }
}
