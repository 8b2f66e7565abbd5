/**
 * When each login was last used (GET /users/me/sessions `last_used_at`), written behind. A
 * token check (AuthService.authenticate: every request, every socket connecting, reconnect
 * storms included) only notes the use here, in memory; every FLUSH_MS the uses noted since
 * the last flush are written in one statement per FLUSH_CHUNK logins
 * (SessionRepository.recordUses), never moving a login's recorded use back. A login used many
 * times meanwhile is written once, with its latest use. What is noted here and not yet written
 * is what this instance shows over the row (`of`). A write the database refuses for being out
 * of reach keeps the uses for the next flush; `stop` (a clean stop) writes what is left, once:
 * what it cannot write is lost (a login's `last_used_at` then shows an earlier use), and its
 * log line says so rather than "will retry". The
 * queue, its timer and the order of flushes are db/write-behind.ts's.
 */
import type { FastifyBaseLogger } from 'fastify';
import { WriteBehind } from '../db/write-behind.js';
import { isDatabaseUnreachable } from '../errors.js';
import type { SessionRepository } from './session-repository.js';

/** How often the uses noted are written. */
export const FLUSH_MS = 60_000;

export class LastUses {
  /** Each login's latest use not written yet, by session id; a use older than the one noted does not move it back. */
  readonly #pending: WriteBehind<string, number>;
  /** Set by stop(): its flush is the last, and a write it cannot make is lost, not retried. */
  #stopping = false;
  /** The database's words at the last write it could not take (for the stop's line). */
  #lastFailure: string | undefined;

  constructor(
    private readonly repo: Pick<SessionRepository, 'recordUses'>,
    private readonly opts: { intervalMs?: number; log: FastifyBaseLogger },
  ) {
    this.#pending = new WriteBehind({ intervalMs: opts.intervalMs ?? FLUSH_MS, write: (uses) => this.#write(uses), merge: Math.max });
  }

  /** The login was used at `at` (a token check): noted, written at the next flush. */
  note(sessionId: string, at: number): void {
    this.#pending.note(sessionId, at);
  }

  /** The login's latest use noted here and not written yet, if any. */
  of(sessionId: string): number | undefined {
    return this.#pending.get(sessionId);
  }

  start(): void {
    this.#pending.start();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#pending.stop();
    // Said once, for what the last write (and any in flight when the stop began) left unwritten.
    const lost = this.#pending.size;
    if (lost > 0) this.opts.log.warn({ reason: this.#lastFailure, logins: lost }, 'last uses of logins not written at the stop: database unreachable; these uses are lost');
  }

  /** Resolves once every use noted before the call is written (or kept to retry). */
  flush(): Promise<void> {
    return this.#pending.flush();
  }

  async #write(uses: ReadonlyMap<string, number>): Promise<void> {
    if (uses.size === 0) return;
    try {
      await this.repo.recordUses(uses);
    } catch (err) {
      if (isDatabaseUnreachable(err as Error)) {
        // Kept for the next flush; a use noted since is later, and wins. At the stop there is none.
        this.#pending.requeue(uses);
        this.#lastFailure = (err as Error)?.message;
        // At the stop, stop() says what is left once its own write is done.
        if (!this.#stopping) this.opts.log.warn({ err, logins: uses.size }, 'last uses of logins not written; will retry');
        return;
      }
      this.opts.log.error({ err, logins: uses.size }, 'last uses of logins cannot be written; dropped');
    }
  }
}
