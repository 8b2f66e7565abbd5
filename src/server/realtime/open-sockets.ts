/**
 * Every WebSocket this instance holds, counted per client address (an IPv6 client by its /64)
 * and in all, from its upgrade until its TCP connection is gone, authenticated or not. An open
 * socket holds a file descriptor, and a process has a fixed number of them (20,000 here): the
 * caps per account (16 sockets) and on sockets awaiting auth (pending-auth.ts) left one address
 * with a few hundred accounts (registrations: 10 a minute per address) free to take every
 * descriptor, and then nobody else could connect, log in or poll.
 *
 * - `perAddress` (BEACON_WS_SOCKETS_PER_ADDRESS, 2,000): an upgrade past it is answered 429
 *   RATE_LIMITED with Retry-After. A venue of hundreds of players behind one NAT, each with a
 *   few tabs, stays under it; behind a proxy, set BEACON_TRUST_PROXY so that each client counts
 *   under its own address. BEACON_RATE_LIMITS=off lifts it (a load test from one machine).
 * - `total` (BEACON_WS_MAX_SOCKETS; by default the open-files limit less a reserve, see
 *   `defaultMaxSockets`): an upgrade past it is answered 503 SERVICE_UNAVAILABLE with
 *   Retry-After, and the descriptors left serve HTTP: logins, REST, and the polling the SDK
 *   falls back to when its socket cannot open.
 */
import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RefusalLog } from './pending-auth.js';

const RETRY_AFTER_S = 30;
/** Descriptors kept for HTTP connections, the database, Redis and files when the socket cap is derived from the open-files limit. */
const RESERVED_FILES = 2000;

/** The socket cap when BEACON_WS_MAX_SOCKETS is not set: the open-files limit less 2,000 (half of it under 4,000), unlimited where it cannot be read. */
export function defaultMaxSockets(openFiles: number | null): number {
  if (openFiles === null) return Infinity;
  return openFiles >= 2 * RESERVED_FILES ? openFiles - RESERVED_FILES : Math.floor(openFiles / 2);
}

export class OpenSockets {
  readonly #count = new Map<string, number>();
  #total = 0;
  readonly #crowded = new RefusalLog('websocket upgrades refused: too many open sockets from one address (BEACON_WS_SOCKETS_PER_ADDRESS)');
  readonly #full = new RefusalLog('websocket upgrades refused: this instance holds as many sockets as it may (BEACON_WS_MAX_SOCKETS)');
  /** The key each counted socket is under, and one close listener shared by all (`this` is the socket): no closure per socket. */
  readonly #keyOf = new WeakMap<Socket, string>();
  readonly #onClose: (this: Socket) => void;

  constructor(
    readonly perAddress: number,
    readonly total: number,
  ) {
    const release = (socket: Socket) => this.#release(socket);
    this.#onClose = function (this: Socket) {
      release(this);
    };
  }

  /** Open sockets from this address key (tests, diagnostics). */
  from(key: string): number {
    return this.#count.get(key) ?? 0;
  }

  /** Open sockets in all. */
  get open(): number {
    return this.#total;
  }

  /**
   * When a cap is reached: answers the upgrade 503 or 429 (logged, at most a line a second each)
   * and returns the reply (awaitable); else null (nothing awaited on the way of an upgrade let in).
   */
  refuse(key: string, req: FastifyRequest, reply: FastifyReply): FastifyReply | null {
    if (this.#total >= this.total) {
      this.#full.refused(req.log, key, this.#total);
      return reply
        .status(503)
        .header('retry-after', String(RETRY_AFTER_S))
        .send({ code: 'SERVICE_UNAVAILABLE', message: 'This server holds as many live connections as it can; try again shortly (the REST API still answers)' });
    }
    const n = this.from(key);
    if (n >= this.perAddress) {
      this.#crowded.refused(req.log, key, n);
      return reply
        .status(429)
        .header('retry-after', String(RETRY_AFTER_S))
        .send({ code: 'RATE_LIMITED', message: 'Too many live connections are open from your address; close some, or try again later' });
    }
    return null;
  }

  /** Counts the upgrade's socket under `key` until its TCP connection closes. */
  claim(key: string, raw: Socket): void {
    if (this.#keyOf.has(raw)) return;
    this.#count.set(key, this.from(key) + 1);
    this.#total++;
    this.#keyOf.set(raw, key);
    raw.on('close', this.#onClose);
  }

  #release(raw: Socket): void {
    const key = this.#keyOf.get(raw);
    if (key === undefined) return;
    this.#keyOf.delete(raw);
    raw.off('close', this.#onClose);
    this.#total--;
    const left = this.from(key) - 1;
    if (left > 0) this.#count.set(key, left);
    else this.#count.delete(key);
  }
}
