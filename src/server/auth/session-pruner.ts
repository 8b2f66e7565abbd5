/**
 * Deletes login sessions a day after they expired, hourly. A session row is no use once its
 * token has expired (the token is refused and its sockets were closed at the expiry), but
 * nothing else removes it: the integration modes make one row per host token, so without
 * this the table grows with every page load of every user of the host site. The day of
 * grace keeps a row a little past the expiry for anyone reading it (an account export, a
 * clock a little behind another instance's). Every instance prunes; the delete is idempotent.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { SessionRepository } from './session-repository.js';

export const PRUNE_EVERY_MS = 3_600_000;
/** How long after its expiry a session row is kept. */
export const KEEP_AFTER_EXPIRY_MS = 86_400_000;

export class SessionPruner {
  #timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly sessions: SessionRepository,
    private readonly opts: { now: () => number; log: FastifyBaseLogger },
  ) {}

  start(): void {
    this.#timer ??= setInterval(() => void this.prune(), PRUNE_EVERY_MS);
    this.#timer.unref();
    void this.prune();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Deletes the sessions that expired more than a day ago; answers how many went (0 when the database refused). */
  async prune(): Promise<number> {
    try {
      const n = await this.sessions.prune(this.opts.now() - KEEP_AFTER_EXPIRY_MS);
      if (n > 0) this.opts.log.info({ rows: n }, 'login sessions deleted a day after they expired');
      return n;
    } catch (err) {
      this.opts.log.warn({ err }, 'expired login sessions not deleted; will retry within the hour');
      return 0;
    }
  }
}
