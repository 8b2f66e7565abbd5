/**
 * Reading the host's token for a connect or a poll, and after Beacon refused one: waiting for a
 * token promise (bounded by the connect timeout), and trying each distinct token at most once
 * after a refusal, so a dead one never loops.
 */
import { readToken, tokenOrNull, type TokenRead, type TokenSource } from './token-source.js';
import type { Timers } from './transport.js';

/** What a wait for a token reads from the client. */
export interface TokenWaitContext {
  /** True once a socket is ready (another path connected): a token arriving then opens nothing. */
  socketReady(): boolean;
  /** A wait timed out: the connect attempt it was for is given up (a later token opens nothing). */
  gaveUp(): void;
}

/** Where a read after a refusal leads: see {@link TokenWait.afterRefusal}. */
export interface AfterRefusal {
  /** A token Beacon has not refused yet: try it now. */
  retry(fresh: string): void;
  /** No token, or only one Beacon refused already: the client stops (`unauthorized`). */
  denied(): void;
  /** getToken failed (threw, rejected, or its promise timed out): no refusal by Beacon. */
  unavailable(): void;
  /** The read is a promise (a refresh under way): called before waiting; returns what says the wait still counts. */
  waiting(): () => boolean;
}

export class TokenWait {
  readonly #getToken: TokenSource;
  readonly #timers: Timers;
  readonly #timeoutMs: number;
  readonly #context: TokenWaitContext;
  /**
   * Tokens Beacon refused since it last accepted one (in this run): a token is tried again after
   * a refusal only if it is not among them (see {@link afterRefusal}), so each at most once.
   */
  readonly #refused = new Set<string>();

  constructor(getToken: TokenSource, timers: Timers, timeoutMs: number, context: TokenWaitContext) {
    this.#getToken = getToken;
    this.#timers = timers;
    this.#timeoutMs = timeoutMs;
    this.#context = context;
  }

  /** Reads getToken once, never throwing. */
  read(): TokenRead {
    return readToken(this.#getToken);
  }

  /** Beacon accepted a token (a `ready`, an answered poll), or a new run began: no refusal counts any more. */
  forgetRefused(): void {
    this.#refused.clear();
  }

  /**
   * Beacon refused `refused` (the socket's 4401, a poll's 401: expired, revoked, bad). The host
   * may have refreshed it meanwhile (`getToken` is read at each connect and call): a token Beacon
   * has not refused yet goes to `to.retry` at once, with no backoff; without one, `to.denied`.
   */
  afterRefusal(refused: string | null, to: AfterRefusal): void {
    if (refused) this.#refused.add(refused);
    const decide = (fresh: string | null) => {
      if (!fresh || this.#refused.has(fresh)) return to.denied();
      to.retry(fresh);
    };
    const read = this.read();
    if ('now' in read) return decide(read.now);
    if ('failed' in read) return to.unavailable();
    const current = to.waiting();
    this.wait(read.later, current, (fresh) => decide(tokenOrNull(fresh)), () => to.unavailable());
  }

  /**
   * Waits for a token promise for a connect: `then` or `failed` run only while `current()` holds
   * and no socket is ready (another path connected meanwhile). A promise that has not settled
   * within the connect timeout counts as failed (a refresh hanging on a stalled network), and
   * any later answer is dropped.
   */
  wait(later: PromiseLike<string | null>, current: () => boolean, then: (token: string | null) => void, failed: () => void): void {
    const live = () => current() && !this.#context.socketReady();
    let settled = false;
    const timer = this.#timers.setTimeout(() => {
      if (settled || !live()) return;
      settled = true;
      this.#context.gaveUp();
      failed();
    }, this.#timeoutMs);
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      this.#timers.clearTimeout(timer);
      if (live()) fn();
    };
    Promise.resolve(later).then(
      (token) => settle(() => then(token)),
      () => settle(failed),
    );
  }
}
