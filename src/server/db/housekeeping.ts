/**
 * Hourly deletes of what is past its keeping time, one timer for all of them, run at start
 * too. Every instance runs them; the deletes are idempotent, so instances may overlap.
 *   - status history older than BEACON_HISTORY_RETENTION_DAYS;
 *   - login sessions a day after their token expired, revoked or not. Their row is no use
 *     then (the token is refused, its sockets were closed at the expiry), but the integration
 *     modes make one per host token, so without this the table grows by every page load of
 *     the host site. The day keeps a row a little past the expiry for anyone reading it (an
 *     account export, a clock a little behind another instance's).
 * A failed delete is logged and tried again within the hour.
 */
import type { FastifyBaseLogger } from 'fastify';

export const EVERY_MS = 3_600_000;
/** How long after its expiry a login session row is kept. */
export const SESSION_KEEP_AFTER_EXPIRY_MS = 86_400_000;

/** One kind of row with a keeping time: what the log calls it, and the delete (answers rows deleted). */
export interface Retention {
  what: string;
  prune(now: number): Promise<number>;
}

export class Housekeeping<Name extends string> {
  #timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly jobs: Record<Name, Retention>,
    private readonly opts: { now: () => number; log: FastifyBaseLogger },
  ) {}

  start(): void {
    this.#timer ??= setInterval(() => void this.run(), EVERY_MS);
    this.#timer.unref();
    void this.run();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Runs every delete once; answers the rows each deleted (0 when the database refused). */
  async run(): Promise<Record<Name, number>> {
    const out = {} as Record<Name, number>;
    for (const name of Object.keys(this.jobs) as Name[]) {
      const { what, prune } = this.jobs[name];
      try {
        out[name] = await prune(this.opts.now());
        if (out[name] > 0) this.opts.log.info({ rows: out[name] }, `deleted: ${what}`);
      } catch (err) {
        out[name] = 0;
        this.opts.log.warn({ err }, `not deleted (will retry within the hour): ${what}`);
      }
    }
    return out;
  }
}
