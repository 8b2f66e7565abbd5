/**
 * Logins with a socket here that were ended through another instance (a logout, a sign-out, the
 * account deleted), read from the database, the one source of truth the instances share.
 *
 * A socket hears of such an end from the bus (BusMessages.revoked). While this instance's bus
 * is down it hears nothing, and a socket would go on acting on a dead credential, its status
 * and messages still reaching friends, until the bus returned. So while the bus is down the
 * presence tick has the logins here read again every RECHECK_MS (a second at most, with the
 * tick's period), a chunked read of their session ids; and once more when the bus is back
 * (outage-catch-up.ts). A login found ended goes down the path the bus event takes (`revoked`
 * to the gateway: its sockets close with 4000); a user found deleted then goes down the
 * deletion's (`forgetDeleted`: friends here are told `friend_removed`). With the bus healthy
 * and shared with other instances (Redis) nothing is read.
 *
 * An instance alone (the memory bus: no Redis) hears of no revocation another process writes:
 * the operator's `npm run admin -- reset-password` (auth/password-reset.ts) tells instances over
 * Redis only. So alone it reads its logins every ALONE_RECHECK_MS with its bus healthy too: a
 * login ended by such a process closes its sockets here within 30 s.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { SessionRepository } from '../auth/session-repository.js';
import type { EventBus } from '../ports/event-bus.js';
import type { UserRepository } from '../users/user-repository.js';
import type { PresenceEvent } from './presence-events.js';

/**
 * How long after one read the next begins, while the bus is down. The presence tick (250 ms)
 * begins it, so reads begin at most a second apart: a login ended elsewhere acts here for about
 * a second at most (CONTRACT: closed within a second).
 */
export const RECHECK_MS = 750;

/**
 * How long after one read the next begins on an instance alone with its bus healthy: a login
 * ended by another process (a reset) is found within this (and the tick's 250 ms).
 */
export const ALONE_RECHECK_MS = 30_000;

export interface EndedLoginsDeps {
  bus: Pick<EventBus, 'isHealthy'>;
  /** Whether other instances may exist, on a bus shared with them (the presence store is shared): else this instance is alone. */
  shared: boolean;
  now: () => number;
  sessions: Pick<SessionRepository, 'liveAmong'>;
  users: Pick<UserRepository, 'deletedAmong'>;
  /** The logins with a socket here, by login session id. */
  logins: () => ReadonlyMap<string, { userId: number }>;
  /** This instance's gateway: `revoked` closes the login's sockets, as when the bus brings it. */
  sink: (e: PresenceEvent) => void;
  /** What the bus's `deleted` does here (PresenceService: friends here told, the user forgotten). */
  forgetDeleted: (userId: number) => void;
  log: FastifyBaseLogger;
}

export class EndedLogins {
  #readAt = -Infinity;
  /** A read under way (the tick's, or the catch-up's): the next waits for it. */
  #running: Promise<unknown> | null = null;
  /** The tick's reads fail (the database down too): said once, not every second. */
  #failing = false;

  constructor(private readonly d: EndedLoginsDeps) {}

  /**
   * The presence tick: while the bus is down, reads the logins again every RECHECK_MS; alone with
   * the bus healthy, every ALONE_RECHECK_MS; one read at a time.
   */
  tick(): void {
    const { bus, now, log } = this.d;
    const healthy = bus.isHealthy();
    if (healthy && this.d.shared) return;
    const every = healthy ? ALONE_RECHECK_MS : RECHECK_MS;
    if (this.#running || now() - this.#readAt < every) return;
    void this.recheck().then(
      () => void (this.#failing = false),
      (err: unknown) => {
        if (!this.#failing) log.warn({ err, retryMs: every }, healthy ? 'logins not read again from the database; trying again' : 'logins not read again during the bus outage; trying again every second');
        this.#failing = true;
      },
    );
  }

  /** Reads the logins here again (after any read under way), ending those ended elsewhere. Answers how many ended. */
  async recheck(): Promise<number> {
    const previous = this.#running;
    const run = (async () => {
      await previous?.catch(() => {});
      return this.#read();
    })();
    this.#running = run;
    try {
      return await run;
    } finally {
      if (this.#running === run) this.#running = null;
    }
  }

  async #read(): Promise<number> {
    const { sessions, users, sink, forgetDeleted, log } = this.d;
    this.#readAt = this.d.now();
    const logins = [...this.d.logins()];
    if (logins.length === 0) return 0;
    const live = await sessions.liveAmong(logins.map(([id]) => id));
    const ended = logins.filter(([id]) => !live.has(id));
    if (ended.length === 0) return 0;
    const deleted = await users.deletedAmong([...new Set(ended.map(([, l]) => l.userId))]);
    // The sockets close first, then the deleted users go (as on the deleting instance: AccountService.remove).
    for (const [sessionId, { userId }] of ended) sink({ kind: 'revoked', userId, sessionId });
    for (const userId of deleted) forgetDeleted(userId);
    log.info({ logins: ended.length, deletedUsers: deleted.size }, 'logins ended elsewhere found in the database; their sockets closed');
    return ended.length;
  }
}
