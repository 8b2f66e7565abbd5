/**
 * Keeps the shared store's copies of the users with a session on this instance while the
 * sessions last (cluster mode). A copy expires a day after its last save (presence-store-redis.ts
 * KEY_TTL_S): a connected user who changes nothing for a day (a tab left open over a weekend,
 * idle and away) lost it, and an instance loading them afresh (a friend's first connect there)
 * found no copy, read their database row and showed them offline while they were connected. So
 * once an hour, after a beat the store took (cluster-heartbeat.ts), the copies of those users are
 * touched: their expiry starts again, nothing in them changes. Part of Replicas (replicas.ts).
 */
import type { PresenceDeps } from './presence-deps.js';

/** How often the copies of this instance's users are touched: far inside their day. */
export const KEEP_ALIVE_EVERY_MS = 3_600_000;

export class CopyKeepAlive {
  /** When the copies were last touched (or the instance started: every copy it made since is fresh). */
  #last: number;
  #failing = false;
  /**
   * A touch under way: the beats tick every fifth of the heartbeat interval whatever the last one
   * is doing, and a touch lasts as long as Redis is slow; one started over it would pile another
   * EXPIRE of every user onto that slow Redis.
   */
  #running = false;

  constructor(
    private readonly deps: Pick<PresenceDeps, 'store' | 'now' | 'log'>,
    /** The users with a session on this instance: a socket of its own, or a poll it answered. */
    private readonly localUsers: () => number[],
  ) {
    this.#last = deps.now();
  }

  /**
   * After a beat the store took: touches the copies once an hour, one touch at a time (a beat
   * while one is under way adds none). A failure is said once, and tried again at the next beat.
   */
  async afterBeat(): Promise<void> {
    const { store } = this.deps;
    if (!store.keepAlive || this.#running || this.deps.now() - this.#last < KEEP_ALIVE_EVERY_MS) return;
    this.#running = true;
    try {
      await store.keepAlive(this.localUsers());
      this.#last = this.deps.now();
      this.#failing = false;
    } catch (err) {
      if (!this.#failing) this.deps.log.warn({ err: (err as Error).message }, "copies of this instance's users not touched in the shared store; will retry");
      this.#failing = true;
    } finally {
      this.#running = false;
    }
  }
}
