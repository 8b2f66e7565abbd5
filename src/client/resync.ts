/**
 * Events were lost on the socket (a `seq` gap): the friends' views and our own are fetched again
 * over REST, and the presence frames that arrived meanwhile are applied again over the answers.
 * A refetch that fails is tried again at its own pace, on the same socket (see {@link Resync}).
 */
import type { EventFrame, View } from '../protocol/index.js';
import { ApiError, type ApiClient } from './api.js';
import { rateLimitedReadDelay, reconnectDelay, type BackoffOptions } from './backoff.js';
import type { PresenceModel } from './presence-model.js';
import { madeAt, type ServerClock } from './server-clock.js';
import type { Timers } from './transport.js';

/** What a resync reads from the client, and where it puts the own view. */
export interface ResyncContext {
  /** The client's run (bumped by start/stop): an answer of an earlier one is dropped. */
  run(): number;
  /** The signed-in user's id, when known. */
  selfId(): number | undefined;
  /** The socket open now, if any: a resync counts only for the one that saw the gap. */
  socket(): { readonly ready: boolean } | null;
  /** Applies a REST answer about the own status (never over a view made later). */
  ownView(view: View, run: number): void;
  /** The views are known stale (events lost; a resync failed): the client must not say it is live. */
  behind(): void;
  /** A resync begun after the latest gap applied all its answers: the views are complete again. */
  caughtUp(): void;
}

/** What a {@link Resync} uses besides its context: the reads, where it applies them, its clocks and pace. */
export interface ResyncParts {
  api: Pick<ApiClient, 'friendsStatus' | 'userStatus'>;
  model: PresenceModel;
  clock: ServerClock;
  timers: Timers;
  backoff: BackoffOptions;
  random: () => number;
}

/**
 * What a resync came to: its answers applied (`synced`), no longer counting (`moot`), or failed
 * while it counted, with the error (which paces the retry that follows: a 429's Retry-After).
 */
export type ResyncOutcome = 'synced' | 'moot' | { failed: unknown };

/**
 * The resyncs of the client's socket: whether its views are stale, the refetches, and the retry
 * of a failed one (its failure count, its timer, its pace). One retry waits at a time, and none
 * outlives the socket that saw the gap ({@link cancel}): that socket's end brings a `ready`, a
 * full snapshot, with the next one.
 */
export class Resync {
  readonly #api: Pick<ApiClient, 'friendsStatus' | 'userStatus'>;
  readonly #model: PresenceModel;
  readonly #clock: ServerClock;
  readonly #timers: Timers;
  readonly #backoff: BackoffOptions;
  readonly #random: () => number;
  readonly #context: ResyncContext;
  /** One list per resync in flight: the presence frames applied since it began (replayed over its older answer). */
  readonly #sinceResync = new Set<EventFrame[]>();
  /** Resyncs started, and the latest whose answer was applied: an earlier one answering later is older. */
  #started = 0;
  #applied = 0;
  /** The latest resync whose answers (the friends' and the own) were all applied. */
  #whole = 0;
  /** The first resync whose answers, all applied, make the views complete again after the latest gap (0: they are). */
  #completeWith = 0;
  /** Resyncs that failed since one last succeeded (or a snapshot came): the pace of their retries. */
  #failures = 0;
  /** The retry of a failed resync, waiting; a gap meanwhile starts no other (the retry covers it). */
  #retry: unknown = null;

  constructor(parts: ResyncParts, context: ResyncContext) {
    this.#api = parts.api;
    this.#model = parts.model;
    this.#clock = parts.clock;
    this.#timers = parts.timers;
    this.#backoff = parts.backoff;
    this.#random = parts.random;
    this.#context = context;
  }

  /**
   * Events were lost (a `seq` gap): the views are stale until a resync begun from now on applies
   * its answers (one in flight may have been answered before the lost events happened).
   */
  lost(): void {
    this.#completeWith = this.#started + 1;
    this.#context.behind();
  }

  /** A full snapshot was applied (a socket's `ready`, a poll): the views are complete, and no failure counts. */
  complete(): void {
    this.#completeWith = 0;
    this.#failures = 0;
  }

  /** The socket that saw the gap reported it (after its frame or batch): a resync now, unless a retry waits. */
  gap(): void {
    if (this.#retry === null) this.#start();
  }

  /** The socket ended, or the client stopped: no retry waits any longer. */
  cancel(): void {
    this.#timers.clearTimeout(this.#retry);
    this.#retry = null;
  }

  /** True from a gap ({@link lost}) until a resync begun after it applied all its answers, or a snapshot came. */
  get stale(): boolean {
    return this.#whole < this.#completeWith;
  }

  /** A presence frame was applied to the model: each resync in flight applies it again over its answer. */
  applied(frame: EventFrame): void {
    for (const since of this.#sinceResync) since.push(frame);
  }

  /**
   * Refetches the friends' views and our own over REST (a lost `status_update` — another tab, an
   * expiry, auto-away — would leave `self` wrong until the next one). The answers were made when
   * the requests reached the server, so the frames that arrive meanwhile are newer: they are
   * applied again over them (a friend's later change, a friend added, our own later change). The
   * own answer goes through {@link ResyncContext.ownView}: never over a view made later.
   *
   * Resolves `synced` when its answers were applied, `moot` when it no longer counts (another
   * run, the socket that saw the gap gone: a later `ready` brought a snapshot; a later resync
   * applied already, whatever this one came to), and `{failed}`,
   * with the error, when either read failed (a 500, a 429, a timeout, no network) while it still
   * counts: the views kept are then still stale ({@link #ended} tries again, paced by that
   * error). Friends that answered are applied either way.
   */
  async #run(): Promise<ResyncOutcome> {
    const run = this.#context.run();
    // Only for the socket that saw the gap: a later one brought a newer snapshot in its ready.
    const socket = this.#context.socket();
    const counts = () => run === this.#context.run() && socket !== null && this.#context.socket() === socket && socket.ready;
    const nth = ++this.#started;
    const since: EventFrame[] = [];
    this.#sinceResync.add(since);
    const selfId = this.#context.selfId();
    // A failed own refetch must not cost the friends' one: it answers null, self stays as it is, and the resync failed.
    const own: { failed?: { error: unknown } } = {};
    const ownAnswer = selfId === undefined ? null : this.#api.userStatus(selfId).catch((error: unknown) => {
      own.failed = { error };
      return null;
    });
    try {
      const [friends, self] = await Promise.all([this.#api.friendsStatus(false, true), ownAnswer]);
      this.#clock.observe(...friends.map(madeAt));
      if (counts() && nth > this.#applied) {
        this.#applied = nth;
        this.#model.applySnapshot(friends, null, false);
        if (self) this.#context.ownView(self, run);
        for (const frame of since) this.#model.applyEvent(frame);
      }
      if (!counts() || nth < this.#applied) return 'moot';
      if (own.failed) return { failed: own.failed.error };
      this.#whole = nth;
      return 'synced';
    } catch (error) {
      return counts() && nth > this.#applied ? { failed: error } : 'moot';
    } finally {
      this.#sinceResync.delete(since);
    }
  }

  /** Runs a resync for the socket open now. */
  #start(): void {
    const socket = this.#context.socket();
    void this.#run().then((outcome) => this.#ended(outcome, socket));
  }

  /**
   * A resync ended. Applied, and none begun before a later gap: the client is live again
   * ({@link ResyncContext.caughtUp}). Failed (a 500, a 429, a timeout): events were lost and the
   * views kept are known to be stale, so the client does not go on saying `connected` with them
   * ({@link ResyncContext.behind}: `reconnecting`, getting back a view it can vouch for), and the
   * resync is tried again, at its own backoff pace and, after a 429, no sooner than its
   * Retry-After asked, until one answers or the socket ends (its next `ready` is a full
   * snapshot). The socket itself is kept: giving it up would show the user offline to friends
   * once a paced wait passed the offline grace, and would send every client of a server whose
   * REST fails back at once, each for a full snapshot. Frames keep arriving on it and are applied
   * meanwhile.
   */
  #ended(outcome: ResyncOutcome, socket: { readonly ready: boolean } | null): void {
    if (outcome === 'moot' || this.#context.socket() !== socket) return;
    if (outcome === 'synced') {
      this.#failures = 0;
      if (!this.stale) this.#context.caughtUp();
      return;
    }
    const paced = reconnectDelay(this.#failures++, this.#backoff, this.#random);
    const { failed } = outcome;
    const asked = failed instanceof ApiError && failed.status === 429 ? rateLimitedReadDelay(failed.retryAfterMs, this.#backoff, this.#random) : 0;
    this.#context.behind();
    this.#retry = this.#timers.setTimeout(() => {
      this.#retry = null;
      if (this.#context.socket() === socket && socket?.ready) this.#start();
    }, Math.max(paced, asked));
  }
}
