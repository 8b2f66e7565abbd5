/**
 * The REST fallback: polls the friends' views and our own while the socket fails (or before it
 * first answers), and knows whether polling is what works here. `polling` is said only then,
 * never on the way back from a blip of the network (docs/protocol.md §8).
 */
import type { View } from '../protocol/index.js';
import { ApiError, type ApiClient } from './api.js';
import { rateLimitedPollDelay } from './backoff.js';
import { Poller } from './poller.js';
import type { ConnectionState } from './presence-types.js';
import { madeAt, type ServerClock } from './server-clock.js';
import { settled, type TokenRead } from './token-source.js';
import type { Timers } from './transport.js';

/** What the polls read from the client, and what they tell it. */
export interface RestFallbackContext {
  /** The client's run (bumped by start/stop): answers of an earlier one are dropped. */
  run(): number;
  /** Reads the host's token once, never throwing. */
  readToken(): TokenRead;
  /** A socket of this run was ready once (polling is then the client's own doing, no interaction). */
  everConnected(): boolean;
  /** The socket open now, if any. */
  socket(): { readonly ready: boolean } | null;
  state(): ConnectionState;
  setState(state: ConnectionState): void;
  /** The signed-in user's id, when known; `learnSelfId` when a poll tells it. */
  selfId(): number | null;
  learnSelfId(id: number): void;
  /** The API answers while no socket is open: try one now rather than at the next backoff tick. */
  connectNow(): void;
  /** A poll answered: apply its views. */
  answered(friends: View[], self: View): void;
  /** A poll's 401 while no socket is ready: Beacon refused the token it carried. */
  refused(token: string | null): void;
  /** Input made while nothing could carry it is owed; `inputReported` once it reached Beacon. */
  owesInput(): boolean;
  inputReported(): void;
}

export interface RestFallbackOptions {
  api: Pick<ApiClient, 'friendsStatus' | 'ownStatus' | 'reportInteraction'>;
  timers: Timers;
  pollIntervalMs: number;
  /** Jitter of the wait after a poll answered 429 (the client's `random`). */
  random: () => number;
  /** How long a poll waits for a token promise (the connect timeout). */
  tokenTimeoutMs: number;
  serverClock: ServerClock;
  context: RestFallbackContext;
}

export class RestFallback {
  readonly #api: RestFallbackOptions['api'];
  readonly #timers: Timers;
  readonly #pollIntervalMs: number;
  readonly #random: () => number;
  readonly #tokenTimeoutMs: number;
  readonly #serverClock: ServerClock;
  readonly #context: RestFallbackContext;
  readonly #poller: Poller;
  /**
   * `#restAnswers`: the last poll answered. `#socketFailsOverRest`: a socket attempt failed while
   * it did (the socket is the problem, not the network). `#restOnly`: no socket is tried for now
   * (none in this runtime, or 4409), so every answered poll is `polling`.
   */
  #restAnswers = false;
  #socketFailsOverRest = false;
  #restOnly = false;
  /**
   * The person's arrival (this start(), a page load) is still to be reported over REST before a
   * poll: a poll is a read and never counts as interaction, so a page that polls from the start
   * says the person is here with POST /users/me/interaction first (see #reportOwedInteraction).
   * Cleared once reported, and by a `ready` (the socket's open was the arrival).
   */
  #arrivalOwed = false;

  constructor(opts: RestFallbackOptions) {
    this.#api = opts.api;
    this.#timers = opts.timers;
    this.#pollIntervalMs = opts.pollIntervalMs;
    this.#random = opts.random;
    this.#tokenTimeoutMs = opts.tokenTimeoutMs;
    this.#serverClock = opts.serverClock;
    this.#context = opts.context;
    this.#poller = new Poller(opts.timers, opts.pollIntervalMs, () => this.#poll());
  }

  /** True while polling. */
  get running(): boolean {
    return this.#poller.running;
  }

  /** No socket is tried for now (none in this runtime, or 4409): the polls answer for it. */
  get restOnly(): boolean {
    return this.#restOnly;
  }

  /** A new run: nothing answered yet, and the person's arrival is owed. */
  begin(): void {
    this.#restAnswers = this.#socketFailsOverRest = this.#restOnly = false;
    this.#arrivalOwed = true;
  }

  /** The run ended: no polling, nothing owed. */
  end(): void {
    this.#poller.stop();
    this.#arrivalOwed = false;
  }

  /** A socket is ready: polling stops, and its opening was the arrival. */
  socketReady(): void {
    this.#arrivalOwed = false;
    this.#poller.stop();
    this.#restAnswers = this.#socketFailsOverRest = this.#restOnly = false;
  }

  /**
   * Starts the REST fallback after the socket kept failing. Until it is known to be what works
   * (see {@link #poll}) the state stays as it was (`connecting`, `reconnecting`), or `offline`
   * while the API does not answer either: `polling` means the socket fails while the REST
   * fallback answers (§8), which neither a server that hangs nor a blip of the network is.
   */
  start(): void {
    if (this.#poller.running) return;
    this.#poller.start();
  }

  /** Polls only, trying no socket (none in this runtime, or 4409: it would close another tab's). */
  startRestOnly(): void {
    this.#restOnly = true;
    this.start();
  }

  /** Polls now instead of at the next tick. */
  pollNow(): void {
    this.#poller.pollNow();
  }

  /**
   * A socket attempt failed before `ready`. While the API answers the socket is what fails here, and the polls that answer are the
   * fallback: true when that is so and the client says `polling`. Failures while nothing answered
   * (a blip) do not say that: they only start the polls that find out (#poll).
   */
  socketFailed(): boolean {
    if (!this.#poller.running || !this.#restAnswers) return false;
    this.#socketFailsOverRest = true;
    return true;
  }

  /** 4429 before `ready`: the server answered the socket, asking it to wait. No blip, and not to be hurried (#poll). */
  socketRateLimited(): void {
    if (this.#poller.running) this.#socketFailsOverRest = true;
  }

  /** One poll: friends' views plus our own (that request also keeps us online server-side). */
  async #poll(): Promise<void> {
    const ctx = this.#context;
    const run = ctx.run();
    // The token this poll's requests carry (read again by each; a refresh meanwhile is retried).
    const read = ctx.readToken();
    // Bounded: a refresh that hangs must not stop the polls (the requests then fail on their own).
    const token = 'now' in read ? read.now : await settled(read, this.#tokenTimeoutMs, this.#timers);
    if (run !== ctx.run()) return;
    try {
      await this.#reportOwedInteraction(run);
      // After a socket of this start() was ready, polling is the client's own doing (its connection
      // was lost), so the poll opening the polling session is no interaction, like a reconnect.
      // Our own view: GET /users/me/status (ApiClient.ownStatus; an older server, by our id).
      const [friends, self] = await Promise.all([this.#api.friendsStatus(false, ctx.everConnected()), this.#api.ownStatus(ctx.selfId() ?? undefined)]);
      if (run === ctx.run() && ctx.selfId() === null) ctx.learnSelfId(self.user_id);
      this.#serverClock.observe(self.timestamp, ...friends.map(madeAt));
      if (run !== ctx.run() || !this.#poller.running || ctx.socket()?.ready) return;
      if (this.#restOnly || this.#socketFailsOverRest) ctx.setState('polling');
      else {
        // The API answers and no socket attempt failed since it does: the network is back (the
        // failures were a blip) or the socket was never tried with it. Try the socket now rather
        // than at the next backoff tick, and say `polling` only if that attempt fails too.
        if (ctx.state() === 'offline') ctx.setState(ctx.everConnected() ? 'reconnecting' : 'connecting');
        if (!ctx.socket()) ctx.connectNow();
      }
      this.#restAnswers = true;
      ctx.answered(friends, self);
    } catch (err) {
      if (run !== ctx.run()) return;
      // A 401 once a socket is ready says nothing of the token it uses (a rotation: this poll
      // carried the old one). A failed refresh: the poller polls again at its pace, reading anew.
      if (err instanceof ApiError && err.status === 401) {
        if (ctx.socket()?.ready || !this.#poller.running) return;
        return ctx.refused(token);
      }
      if (err instanceof ApiError && err.status === 429) return this.#rateLimited(err);
      // Neither the socket nor the API answers: the list can no longer be trusted. Whatever failed
      // meanwhile says nothing about the socket once the network is back.
      this.#restAnswers = this.#socketFailsOverRest = false;
      if (this.#poller.running && !ctx.socket()?.ready) ctx.setState('offline');
    }
  }

  /**
   * Beacon answered the poll 429 (its friend-poll budget, priced by the list's length, shared by
   * the user's tabs): it is reachable, so nothing here says `offline` ("Beacon is unreachable"),
   * and the statuses shown stay those of the last answer, with its time. The next poll waits out
   * the `Retry-After` (jittered, rateLimitedPollDelay), as the contract asks; the socket is not
   * hurried either (no connectNow: the server asked to be asked less).
   */
  #rateLimited(err: ApiError): void {
    const ctx = this.#context;
    this.#poller.holdFor(rateLimitedPollDelay(err.retryAfterMs, this.#pollIntervalMs, this.#random));
    if (!this.#poller.running || ctx.socket()?.ready) return;
    if (this.#restOnly || this.#socketFailsOverRest) ctx.setState('polling');
    else if (ctx.state() === 'offline') ctx.setState(ctx.everConnected() ? 'reconnecting' : 'connecting');
  }

  /**
   * Before a poll: reports over REST the person's arrival (a page load polling before any socket
   * of this start() was ready) or an input remembered while nothing could carry it. Awaited, so
   * the poll that opens the polling session finds the interaction on record: the server takes
   * that poll as no interaction (a read), and shows the person `online` only when their last
   * interaction is recent; reported after it, friends would see them `away` first, then `online`.
   * Not for the client's own fallback after a socket was ready (no one arrived). A failure is
   * tried again before the next poll; one with no answer at all fails this poll (the reads would
   * wait as long again for a server that does not answer).
   */
  async #reportOwedInteraction(run: number): Promise<void> {
    if (!this.#arrivalOwed && !this.#context.owesInput()) return;
    try {
      await this.#api.reportInteraction();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'NETWORK_ERROR') throw err;
      return;
    }
    if (run !== this.#context.run()) return;
    this.#arrivalOwed = false;
    this.#context.inputReported();
  }
}
