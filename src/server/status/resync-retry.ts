/**
 * The retry loop of the presence resync after a bus outage (replica-resync.ts does one try):
 * whether replicas may be stale (for /readyz), one run at a time, a backoff of 1 s doubling to
 * 30 s until a try succeeds, and cancellation when the bus goes down again or the instance
 * stops. The one owner of the resync's timers.
 */
import type { FastifyBaseLogger } from 'fastify';

/** A failed resync is tried again after this long, doubling each time up to RETRY_MAX_MS, until it succeeds. */
const RETRY_MS = 1000;
const RETRY_MAX_MS = 30_000;
/**
 * How long a failing resync keeps the instance unready (/readyz 503). Past it the instance
 * serves again, still saying `synced: false`: a fault of the presence store alone (Redis full,
 * an ACL refusing its commands) hits every instance alike, and must not take them all out of
 * the load balancer at once.
 */
export const READY_WHILE_RESYNCING_MS = 60_000;

/** One resync run: cancelled when the bus goes down again or the instance stops. */
export interface ResyncRun {
  cancelled: boolean;
  /** Ends the wait before the next attempt at once (set while waiting). */
  wake: () => void;
}

/** Whether this instance's replicas of other instances' users are in sync (for /readyz). */
export interface ReplicaSync {
  synced: boolean;
  /** Since when (clock ms) they may be stale: the bus went down, or its resync has not succeeded yet. */
  staleSince: number | null;
  /** Attempts of the resync under way (0: none under way). */
  resyncAttempts: number;
  /** When the resync under way began (clock ms), or null: none under way. */
  resyncingSince: number | null;
}

/** Whether replicas let the instance be ready: in sync, or a resync has been failing for READY_WHILE_RESYNCING_MS. */
export function replicasReady(sync: ReplicaSync, now: number): boolean {
  return sync.synced || (sync.resyncingSince !== null && now - sync.resyncingSince >= READY_WHILE_RESYNCING_MS);
}

/** What one successful try reports (logged), or null when the run was cancelled during it. */
export type ResyncTry = (run: ResyncRun) => Promise<{ users: number; resaved: number } | null>;

export class ResyncRetry {
  /** The latest resync asked for; runs go one after the other (#done), never two at once. */
  #run: ResyncRun | null = null;
  #done: Promise<void> = Promise.resolve();
  #attempts = 0;
  #runSince = 0;
  #staleSince: number | null = null;
  #stopped = false;

  constructor(
    private readonly attempt: ResyncTry,
    private readonly log: FastifyBaseLogger,
    private readonly now: () => number,
    /** What a failed try says in the log (the store's cause to fix when it knows one). */
    private readonly describe: (err: unknown) => string = (err) => (err as Error).message,
  ) {}

  /** Whether replicas are in sync, or since when a resync after an outage is pending. */
  sync(): ReplicaSync {
    const running = this.#run !== null;
    return { synced: this.#staleSince === null, staleSince: this.#staleSince, resyncAttempts: running ? this.#attempts : 0, resyncingSince: running ? this.#runSince : null };
  }

  /**
   * The bus went down (`since`: now; the start, for a bus not connected by then): replicas go
   * stale until a resync succeeds, and the one under way stops.
   */
  busDown(since: number = this.now()): void {
    this.#cancel();
    this.#staleSince ??= since;
  }

  /**
   * The bus connected for the first time, and the instance served nothing before: it holds no
   * replica to bring in sync, so none is stale (no resync runs; a run under way keeps them so).
   */
  firstConnection(): void {
    if (this.#run === null) this.#staleSince = null;
  }

  /** The instance stops: a resync under way is abandoned, never waited for. */
  stop(): void {
    this.#stopped = true;
    this.#cancel();
  }

  /**
   * Tries until a try succeeds, the bus goes down again (the next recovery starts afresh) or the
   * instance stops. A run under way gives way to this one, which starts once that one's try in
   * flight has ended.
   */
  async run(): Promise<void> {
    if (this.#stopped) return;
    this.#cancel();
    const run: ResyncRun = { cancelled: false, wake: () => {} };
    this.#run = run;
    this.#attempts = 0;
    this.#runSince = this.now();
    this.#staleSince ??= this.now();
    const done = this.#done.then(() => this.#untilDone(run));
    this.#done = done;
    await done;
  }

  #cancel(): void {
    const run = this.#run;
    if (!run) return;
    this.#run = null;
    run.cancelled = true;
    run.wake();
  }

  async #untilDone(run: ResyncRun): Promise<void> {
    const started = this.now();
    let waitMs = RETRY_MS;
    for (let attempt = 1; !run.cancelled; attempt++) {
      this.#attempts = attempt;
      try {
        const counts = await this.attempt(run);
        if (run.cancelled || !counts) return;
        this.#run = null;
        this.#staleSince = null;
        this.log.info({ ...counts, attempts: attempt, ms: this.now() - started }, 'presence resynced after the event bus returned');
        return;
      } catch (err) {
        if (run.cancelled) return;
        // One line per attempt, so one per backoff step: at most one every 30 s once the backoff is capped.
        this.log.warn({ err: this.describe(err), attempt, retryInMs: waitMs }, 'presence resync failed; retrying');
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        timer.unref();
        run.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      waitMs = Math.min(waitMs * 2, RETRY_MAX_MS);
    }
  }
}
