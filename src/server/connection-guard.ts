/**
 * Open HTTP connections per client address, and how long one may stay silent. A connection
 * holds a file descriptor, and a process has a fixed number of them (20,000 here): without
 * a cap, one address opening connections that never send a request (Node keeps those for
 * ever) could take every descriptor, and then nobody else could log in or connect.
 *
 * - A connection past `perAddress` open ones from the same address (an IPv4 address, an
 *   IPv6 /64) is closed at once, before it is read. A WebSocket stops counting when it is
 *   upgraded: from then on pending-auth.ts caps the sockets waiting to authenticate, and an
 *   authenticated socket is a signed-in user's, capped per account by the gateway.
 * - A connection idle for `idleTimeoutMs` (nothing read or written; the first request
 *   included) is closed by Node (the server's `timeout`), and so is one idle that long after
 *   its last answer (the keep-alive timeout, which Fastify would otherwise set to 72 s), but
 *   behind a trusted proxy, whose pooled connections must outlive its own idle timeout. An
 *   upgraded socket has neither (the heartbeat watches it).
 * - A request body that never stops arriving (a byte every few seconds) keeps its connection
 *   from ever being idle, and Node bounds only the headers' time: the whole body must arrive
 *   within twice the idle timeout of the request's headers (60 s by default, as Node gives
 *   the headers), or it is answered 408 `{code, message}` and the connection closed.
 *
 * - At a stop (`closing()`), a connection with no request being answered is ended at once:
 *   one that has sent nothing yet (a browser's preconnect, a client pool's spare), part of a
 *   request head, or, kept alive, part of its next one; and so is one that arrives after.
 *   Node's `server.close()` waits for those (until the headers or idle timeout, 30–60 s), so
 *   the drain would outlast BEACON_SHUTDOWN_TIMEOUT_MS and exit 1. A request being answered
 *   (its body still arriving, say) finishes.
 * - A connection's requests reach the app one at a time (pipelining.ts); one with more than
 *   MAX_WAITING waiting behind an unanswered one is closed, and logged here, per address.
 *
 * Behind a trusted proxy (BEACON_TRUST_PROXY) the proxy's own connections are not capped:
 * every client shares its address, so the proxy must limit connections per client itself.
 * Only standalone Beacon (app.ts) installs this; embedded in a host site, the host owns the
 * server and its limits.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import ipaddr from 'ipaddr.js';
import { addressKey } from './client-address.js';
import { RefusalLog } from './realtime/pending-auth.js';
import { refuseOnSocket } from './errors.js';
import { MAX_WAITING } from './pipelining.js';

export interface ConnectionGuardOptions {
  /** Open HTTP connections (not yet upgraded) one address may hold; more are closed at once. */
  perAddress: number;
  /** Inactivity after which Node closes an HTTP connection (ms). */
  idleTimeoutMs: number;
  /** BEACON_TRUST_PROXY: `true` trusts every peer as a proxy, a list trusts those addresses and ranges. */
  trustProxy: boolean | readonly string[];
}

export class ConnectionGuard {
  readonly #open = new Map<string, number>();
  /** The key each counted socket holds a slot under, until its upgrade or close (nothing is left on an upgraded socket). */
  readonly #keyOf = new WeakMap<Socket, string>();
  readonly #refusals = new RefusalLog('connections refused: too many open HTTP connections from one address');
  readonly #pipelining = new RefusalLog(`connections closed: more than ${MAX_WAITING} requests sent ahead of their answers (pipelining)`);
  readonly #trusted: (address: string) => boolean;
  /** One close listener shared by every socket (`this` is the socket), taken off at the upgrade. */
  readonly #onClose: (this: Socket) => void;
  /** HTTP connections, trusted or not, until their upgrade or close: a stop ends those with no request being answered. */
  readonly #http = new Set<Socket>();
  #closing = false;

  constructor(
    private readonly opts: ConnectionGuardOptions,
    private readonly log: FastifyBaseLogger,
  ) {
    this.#trusted = trustedPeer(opts.trustProxy);
    const forget = (socket: Socket) => this.#forget(socket);
    this.#onClose = function (this: Socket) {
      forget(this);
    };
  }

  /** Starts guarding the server's connections. */
  install(server: Server): void {
    const limit = openFilesLimit();
    if (limit !== null && this.opts.perAddress > limit / 4) {
      this.log.warn(
        { perAddress: this.opts.perAddress, openFilesLimit: limit },
        'BEACON_HTTP_CONNECTIONS_PER_ADDRESS is more than a quarter of the open-files limit: a few addresses could take every descriptor (lower it, or raise LimitNOFILE / ulimit -n)',
      );
    }
    server.timeout = this.opts.idleTimeoutMs;
    // Behind a proxy, its pooled connections to Beacon must outlive its own idle timeout (nginx
    // and cloud load balancers: 60 s), or it may reuse one just closed (a 502): Fastify's 72 s stay.
    if (this.opts.trustProxy === false) server.keepAliveTimeout = this.opts.idleTimeoutMs;
    // Before the HTTP server's own listener: a refused connection is destroyed before it is read.
    server.prependListener('connection', (socket: Socket) => this.#connected(socket));
    server.prependListener('upgrade', (_req, socket: Socket) => this.#forget(socket));
    server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => this.#bodyDeadline(req, res));
  }

  /**
   * The stop has begun: ends the connections with no request being answered, and from now on
   * every new one at once (the server is about to stop listening). Returns how many it ended.
   */
  closing(): number {
    this.#closing = true;
    let ended = 0;
    for (const socket of [...this.#http]) {
      // Node's http server keeps the response being written on its socket until it is done.
      if ((socket as Socket & { _httpMessage?: unknown })._httpMessage) continue;
      socket.destroy();
      ended++;
    }
    return ended;
  }

  /** Cuts a request whose body has not all arrived within twice the idle timeout. */
  #bodyDeadline(req: IncomingMessage, res: ServerResponse): void {
    // Only a request that declares a body waits for one (a GET's message is complete soon after this event).
    if (req.complete || (req.headers['transfer-encoding'] === undefined && !(Number(req.headers['content-length']) > 0))) return;
    const timer = setTimeout(() => {
      if (req.complete) return;
      this.log.info({ method: req.method, url: req.url?.slice(0, 200) }, 'request refused: its body took too long to arrive');
      // Answered already (a 413 before the body was read, say): the connection just goes.
      if (res.headersSent) req.socket.destroy();
      else refuseOnSocket(req.socket, 408, 'Request Timeout', 'The request took too long to arrive', { linger: true });
    }, 2 * this.opts.idleTimeoutMs);
    timer.unref();
    const done = () => clearTimeout(timer);
    req.once('end', done);
    req.once('close', done);
  }

  /** A connection is closed for too many requests waiting behind an unanswered one (pipelining.ts): logged per address. */
  pipelinedTooDeep(req: IncomingMessage): void {
    this.#pipelining.refused(this.log, addressKey(req.socket.remoteAddress ?? ''), MAX_WAITING);
  }

  /** Open HTTP connections counted under this address's key (tests, diagnostics). */
  open(ip: string): number {
    return this.#open.get(addressKey(ip)) ?? 0;
  }

  #connected(socket: Socket): void {
    if (this.#closing) {
      socket.destroy();
      return;
    }
    this.#http.add(socket);
    socket.on('close', this.#onClose);
    const ip = socket.remoteAddress;
    if (!ip || this.#trusted(ip)) return;
    const key = addressKey(ip);
    const n = this.#open.get(key) ?? 0;
    if (n >= this.opts.perAddress) {
      this.#refusals.refused(this.log, key, n);
      socket.destroy();
      return;
    }
    this.#open.set(key, n + 1);
    this.#keyOf.set(socket, key);
  }

  /**
   * The connection was upgraded (a WebSocket now) or closed, whichever comes first: it gives back
   * its address's slot, and a stop no longer looks at it.
   */
  #forget(socket: Socket): void {
    if (!this.#http.delete(socket)) return;
    socket.off('close', this.#onClose);
    const key = this.#keyOf.get(socket);
    if (key === undefined) return;
    this.#keyOf.delete(socket);
    const left = (this.#open.get(key) ?? 1) - 1;
    if (left > 0) this.#open.set(key, left);
    else this.#open.delete(key);
  }
}

/** Whether a TCP peer is a trusted proxy, as Fastify's `trustProxy` takes the setting. */
function trustedPeer(trust: boolean | readonly string[]): (address: string) => boolean {
  if (trust === true) return () => true;
  if (trust === false || trust.length === 0) return () => false;
  const ranges = trust.map((a) => (a.includes('/') ? ipaddr.parseCIDR(a) : ipaddr.parseCIDR(`${a}/${ipaddr.parse(a).kind() === 'ipv4' ? 32 : 128}`)));
  return (address) => {
    const bare = address.split('%')[0]!;
    if (!ipaddr.isValid(bare)) return false;
    const addr = ipaddr.process(bare);
    return ranges.some(([net, bits]) => addr.kind() === net.kind() && addr.match(net, bits));
  };
}

/** The process's soft open-files limit (Linux's /proc/self/limits), or null where it cannot be read. */
export function openFilesLimit(limits = readLimits()): number | null {
  const soft = /^Max open files\s+(\d+)/m.exec(limits ?? '')?.[1];
  return soft === undefined ? null : Number(soft);
}

function readLimits(): string | null {
  try {
    return readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return null;
  }
}
