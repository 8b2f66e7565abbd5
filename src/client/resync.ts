/**
 * Events were lost on the socket (a `seq` gap): the friends' views and our own are fetched again
 * over REST, and the presence frames that arrived meanwhile are applied again over the answers.
 */
import type { EventFrame, View } from '../protocol/index.js';
import type { ApiClient } from './api.js';
import type { PresenceModel } from './presence-model.js';
import { madeAt, type ServerClock } from './server-clock.js';

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
}

/**
 * What a resync came to: its answers applied (`synced`), no longer counting (`moot`), or failed
 * while it counted, with the error (which paces the reconnect that follows: a 429's Retry-After).
 */
export type ResyncOutcome = 'synced' | 'moot' | { failed: unknown };

export class Resync {
  readonly #api: Pick<ApiClient, 'friendsStatus' | 'userStatus'>;
  readonly #model: PresenceModel;
  readonly #clock: ServerClock;
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

  constructor(api: Pick<ApiClient, 'friendsStatus' | 'userStatus'>, model: PresenceModel, clock: ServerClock, context: ResyncContext) {
    this.#api = api;
    this.#model = model;
    this.#clock = clock;
    this.#context = context;
  }

  /**
   * Events were lost (a `seq` gap): the views are stale until a resync begun from now on applies
   * its answers (one in flight may have been answered before the lost events happened).
   */
  lost(): void {
    this.#completeWith = this.#started + 1;
  }

  /** A full snapshot was applied (a socket's `ready`, a poll): the views are complete. */
  complete(): void {
    this.#completeWith = 0;
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
   * counts: the views kept are then known to be stale, and the client must not go on saying it is
   * live with them (it reconnects, paced by that error: the next `ready` is a full snapshot).
   * Friends that answered are applied either way.
   */
  async run(): Promise<ResyncOutcome> {
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
}
