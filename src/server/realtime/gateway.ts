/**
 * The WebSocket gateway at /ws/status: first-frame auth, the `ready` snapshot, client
 * frames, heartbeats and dead sockets, per-socket rate limit, token expiry and logout.
 * It decides nothing about presence: it hands input to the PresenceService and
 * delivers the events the service hands back (fanout.ts).
 */
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type {} from '@fastify/helmet';
import type { FastifyRequest } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import { CloseCode, MAX_CHANGE_BYTES, type ErrorCode } from '../../protocol/index.js';
import { TOO_MANY_CHANGES } from '../budgets.js';
import type { AuthContext } from '../auth/auth-service.js';
import { AppError, isDatabaseUnreachable } from '../errors.js';
import { HostIdentityUnavailable } from '../integration/host-auth.js';
import { HostFriendsUnavailable } from '../integration/host-graph.js';
import { DeadlineQueue } from '../presence/deadline-queue.js';
import type { App } from '../http-kit.js';
import type { Services } from '../services.js';
import { Admission } from './admission.js';
import { ConnectRate } from './connect-rate.js';
import { Batcher } from './batcher.js';
import { BufferBudget, defaultBufferBudget } from './buffer-budget.js';
import { isShallow, parseClientFrame } from './client-frames.js';
import { asBytes, frameBytes, frameTokens } from './frame-cost.js';
import { closeFlood } from './flood-close.js';
import { PendingAuth } from './pending-auth.js';
import { defaultMaxSockets, OpenSockets } from './open-sockets.js';
import { addressKey } from '../client-address.js';
import { openFilesLimit } from '../connection-guard.js';
import { Connection } from './connection.js';
import { ARE_YOU_THERE, Fanout } from './fanout.js';
import { handshakeCheck } from './handshake-check.js';
import { originCheck } from './origin-check.js';
import { RecentRevocations } from './recent-revocations.js';
import { protocolCloseCode } from './protocol-errors.js';
import { Registry } from './registry.js';
import { TokenBucket } from './token-bucket.js';

export interface GatewayOptions {
  /** How long a socket may take to send `auth` (contract: 5 s). */
  authTimeoutMs?: number;
  /** Open sockets per account on this instance; a newer one closes the oldest with 4409. */
  maxSocketsPerUser?: number;
}

export const MAX_SOCKETS_PER_USER = 16;
/**
 * Frames one client message may arrive in (ws's maxFragments; more close the socket with 1008).
 * The rate limit counts messages: without this bound one message of 16,000 empty fragments cost
 * a token, and a few sockets of one account kept a core busy parsing them. A client that splits
 * a 16 KiB message in 1 KiB pieces needs 16.
 */
export const MAX_MESSAGE_FRAGMENTS = 64;

/** Frames per second a socket may send on average, and the burst it may spend at once (a large frame counts more: frame-cost.ts). */
const RATE = { perSecond: 20, burst: 40 };
/** A ping or pong (at most 125 bytes) takes one token, as a small text frame does: a client pongs once per heartbeat interval. */
const CONTROL_FRAME_TOKENS = 1;
const FRAME_TOO_DEEP = `A frame after auth over ${MAX_CHANGE_BYTES / 1024} KiB may nest at most 4 deep and hold at most 64 members`;
/** Socket opens per account (per instance): twice the socket cap at once, then 2 a second (connect-rate.ts). */
const CONNECTS = { perSecond: 2, burst: 2 * MAX_SOCKETS_PER_USER };
/**
 * Revocations remembered for sockets between token check and registration: a minute is far
 * longer than that gap takes but in an outage, and a socket that waited longer reads its session again.
 */
const REVOCATIONS = { keepMs: 60_000, max: 10_000 };
const MAX_TIMER_MS = 2_147_483_647;
const HEARTBEAT_ACK = JSON.stringify({ type: 'heartbeat_ack' });
/** The sweep's pings go out in slices this far apart. */
const PING_SLICE_MS = 100;

/** The Connection of an authenticated socket, kept on the socket so that one set of listeners serves every socket. */
const CONN = Symbol('beacon.connection');
/**
 * Until then, the handshake's handlers, reached through the shared listeners. Swapping them
 * through this field instead of `once`/`off` leaves each socket one listener per event from
 * the start, never a two-listener array (0.13 KiB less per socket in bench/heap-census.ts),
 * and nothing of the handshake once it is over.
 */
const HANDSHAKE = Symbol('beacon.handshake');
interface Handshake {
  message(data: RawData, isBinary: boolean): void;
  /** A ping or pong before the socket is registered. */
  control(): void;
  close(): void;
}
type Tagged = WebSocket & { [CONN]?: Connection; [HANDSHAKE]?: Handshake | null };

/** Listeners shared by every socket (`this` is the socket): no closures, contexts or timers kept per socket. */
interface SocketListeners {
  error(this: Tagged, err: Error): void;
  message(this: Tagged, data: RawData, isBinary: boolean): void;
  /** A ping or a pong: each takes a token of the socket's bucket like any other frame (ws answers a ping itself). */
  control(this: Tagged): void;
  close(this: Tagged, code: number): void;
}

export class Gateway {
  readonly registry: Registry;
  readonly #batcher: Batcher;
  readonly #bufferBudget: BufferBudget;
  readonly #fanout: Fanout;
  readonly #sweeper: NodeJS.Timeout;
  #closing = false;
  /** Token expiries of open sockets: one timer for all of them instead of one per socket. */
  readonly #expiries = new DeadlineQueue();
  /** The open sockets by their number in #expiries (a number, not the Connection, so a closed socket is not held until its expiry). */
  readonly #byNumber = new Map<number, Connection>();
  #nextNumber = 0;
  #expiryTimer: NodeJS.Timeout | null = null;
  #expiryAt = Infinity;
  #pinger: NodeJS.Timeout | null = null;
  readonly #on: SocketListeners;
  readonly #admission = new Admission();
  readonly #pending: PendingAuth;
  readonly #openSockets: OpenSockets;
  readonly #connects: ConnectRate | null;
  readonly #revocations = new RecentRevocations(REVOCATIONS.keepMs, REVOCATIONS.max);
  #connectsRefusedLogAt = -Infinity;

  constructor(
    private readonly services: Services,
    private readonly opts: GatewayOptions = {},
  ) {
    const { presence, now, config } = services;
    this.registry = new Registry();
    // BEACON_RATE_LIMITS=off (a load test from one machine) lifts the cap per address, not the instance's.
    this.#openSockets = new OpenSockets(config.rateLimits ? config.wsSocketsPerAddress : Infinity, config.wsMaxSockets ?? defaultMaxSockets(openFilesLimit()));
    this.#pending = new PendingAuth(config.wsPendingPerAddress, this.#openSockets);
    this.#connects = config.rateLimits ? new ConnectRate(CONNECTS.perSecond, CONNECTS.burst, now) : null;
    // Its window and a slow socket's time are durations: on the monotonic clock.
    this.#batcher = new Batcher(config.batchWindowMs, config.batchBurstFrames, services.monotonic, (c) => c.closeSlow(), services.metrics);
    this.#bufferBudget = new BufferBudget({
      limit: config.wsBufferBudgetBytes ?? defaultBufferBudget(),
      shed: (c) => c.closeSlow(),
      onShed: () => services.metrics.bufferBudgetShed(),
      log: services.log,
    });
    services.metrics.watchBuffers(this.#bufferBudget);
    this.#fanout = new Fanout(this.registry, presence, this.#batcher, (userId, sessionId) => this.#revoked(userId, sessionId));
    presence.setSink((e) => this.#fanout.deliver(e));
    // Heard here at once, even while this instance holds nothing of the user (so hears nothing of their bus topic yet).
    services.auth.onRevoked((sessionId) => this.#revocations.add(sessionId, now()));
    this.#sweeper = setInterval(() => this.sweep(), config.heartbeatIntervalMs);
    this.#sweeper.unref();
    const onMessage = (c: Connection, data: RawData, isBinary: boolean) => this.#onMessage(c, data, isBinary);
    const onControl = (c: Connection) => this.#onControl(c);
    const onClosed = (c: Connection, code: number) => this.#closed(c, code);
    this.#on = {
      error(err) {
        services.log.debug({ err }, 'socket error');
        // ws has sent the close frame of a protocol error (1002, 1007, 1009) and reads no more.
        const c = this[CONN];
        if (c && c.closeCode === 0) c.closeCode = protocolCloseCode(err);
        this.terminate();
      },
      message(data, isBinary) {
        const c = this[CONN];
        if (c) onMessage(c, data, isBinary);
        else this[HANDSHAKE]?.message(data, isBinary);
      },
      control() {
        const c = this[CONN];
        if (c) onControl(c);
        else this[HANDSHAKE]?.control();
      },
      close(code) {
        const c = this[CONN];
        if (c) onClosed(c, code);
        else this[HANDSHAKE]?.close();
      },
    };
  }

  /** Registers the /ws/status route on the app. */
  route(app: App): void {
    app.route({
      method: 'GET',
      url: '/ws/status',
      // A bad handshake first, then the origin: a refused one holds no slot of its address's sockets awaiting auth.
      preValidation: [handshakeCheck, originCheck(this.services.config.allowedOrigins, this.services.config.corsOrigins, { now: this.services.now, settingName: this.services.settingName }), this.#pending.check],
      schema: { hide: true },
      // ws writes the 101 response itself, so headers set for it are never sent: skip
      // @fastify/helmet's per-request work on every upgrade (when the app uses helmet).
      helmet: false,
      wsHandler: (socket, req) => this.#accept(socket, req),
      // A plain GET or HEAD of the socket's URL.
      handler: async (_req, reply) =>
        reply.status(426).header('upgrade', 'websocket').send({ code: 'VALIDATION_ERROR', message: 'This is the WebSocket endpoint: open it as a WebSocket (Upgrade: websocket)' }),
    });
  }

  /**
   * Closes sockets silent for two heartbeat intervals (on the monotonic clock: a step of the
   * wall clock forward by more than that ended every socket of the instance at once, and one
   * back kept dead sockets, and their users online, for the step's length) and those whose
   * token expired (its `exp` is a wall-clock time), and pings every other socket once per interval. The pings are spread over the first half
   * of the interval (PING_SLICE_MS slices) instead of written to every socket at once: with
   * 10,000 sockets one burst was a ~100 ms stall of the event loop every interval.
   */
  sweep(): void {
    this.#connects?.sweep();
    this.#revocations.prune(this.services.now());
    const now = this.services.now();
    const heard = this.services.monotonic();
    const interval = this.services.config.heartbeatIntervalMs;
    const deadAfter = 2 * interval;
    const toPing: Connection[] = [];
    const silent: Connection[] = [];
    for (const c of this.registry.all()) {
      if (now >= c.auth.expiresAt) {
        c.close(CloseCode.UNAUTHORIZED, 'token expired');
      } else if (heard - c.lastHeard > deadAfter) {
        silent.push(c);
      } else {
        toPing.push(c);
      }
    }
    // Judged again once the input already waiting has been read: timers run before I/O in a
    // loop turn, so after a stall (a long GC, a busy moment) a socket whose heartbeat or pong
    // sits unread in the kernel would look silent here.
    if (silent.length > 0) setImmediate(() => this.#closeSilent(silent, deadAfter));
    this.#startPings(toPing, interval);
  }

  #closeSilent(conns: Connection[], deadAfter: number): void {
    const heard = this.services.monotonic();
    for (const c of conns) {
      if (c.socket.readyState !== c.socket.OPEN || heard - c.lastHeard <= deadAfter) continue;
      this.services.log.info({ reqId: c.reqId, userId: c.auth.userId, conn: c.id }, 'socket missed heartbeats; closing');
      c.wentSilent = true;
      c.socket.terminate();
    }
  }

  #startPings(conns: Connection[], interval: number): void {
    if (this.#pinger) clearInterval(this.#pinger);
    this.#pinger = null;
    const slices = Math.max(1, Math.floor(interval / 2 / PING_SLICE_MS));
    const perSlice = Math.ceil(conns.length / slices);
    let next = 0;
    const pingSome = () => {
      const end = Math.min(conns.length, next + perSlice);
      for (; next < end; next++) {
        const c = conns[next]!;
        if (c.socket.readyState === c.socket.OPEN) c.socket.ping();
      }
      if (next >= conns.length && this.#pinger) {
        clearInterval(this.#pinger);
        this.#pinger = null;
      }
    };
    pingSome();
    if (next < conns.length) {
      this.#pinger = setInterval(pingSome, PING_SLICE_MS);
      this.#pinger.unref();
    }
  }

  /** Sockets from this client address waiting to authenticate here (tests, diagnostics). */
  waitingToAuthenticate(ip: string): number {
    return this.#pending.waiting(ip);
  }

  /** Sockets open here from this client address, authenticated or not (tests, diagnostics). */
  openSocketsFrom(ip: string): number {
    return this.#openSockets.from(addressKey(ip));
  }

  /** Sends pending batches now (tests). */
  flush(): void {
    this.#batcher.flush();
  }

  /** Closes every socket with 1001 so clients reconnect (possibly elsewhere). */
  close(): void {
    this.#closing = true;
    clearInterval(this.#sweeper);
    if (this.#expiryTimer) clearTimeout(this.#expiryTimer);
    this.#expiryTimer = null;
    if (this.#pinger) clearInterval(this.#pinger);
    this.#pinger = null;
    this.#batcher.flush();
    this.#batcher.stop();
    this.#bufferBudget.stop();
    for (const c of this.registry.all()) c.close(CloseCode.GOING_AWAY, 'server going away');
  }

  #accept(socket: WebSocket, req: FastifyRequest): void {
    if (this.#closing) return socket.close(CloseCode.GOING_AWAY, 'server going away');
    // Nothing that lives as long as the socket may hold the upgrade request: @fastify/websocket's
    // own 'error' listener closes over request and reply, and the hijacked ServerResponse stays
    // attached to the TCP socket. Together several KiB per socket. Replace the listener with an
    // equivalent one (log, terminate) and detach the response.
    socket.removeAllListeners('error');
    socket.on('error', this.#on.error);
    detachResponse(socket);
    // `?reconnect=1`: the client reconnects by itself (no interaction; docs/protocol.md). In the
    // URL rather than the auth frame, so that a server without it ignores it instead of refusing.
    const reconnect = (req.query as { reconnect?: unknown } | undefined)?.reconnect === '1';
    this.#awaitAuth(socket, req.log, req.id, reconnect, this.#pending.releaseOf(req.raw));
  }

  /**
   * Waits for the `auth` frame; holds only the socket (not the request) in its closures.
   * `release` gives back the address's slot of sockets awaiting auth (pending-auth.ts) once
   * the token is verified and the account may open a socket now (connect-rate.ts). A socket
   * refused (bad token, opening too often, error) keeps its slot until its TCP connection is
   * gone, which is soon: it is closed as a flood (flood-close.ts), read no more and dropped a
   * moment after its close frame, whether or not the client answers it.
   */
  #awaitAuth(socket: WebSocket, reqLog: FastifyRequest['log'], reqId: string, reconnect: boolean, release: () => void): void {
    let state: 'auth' | 'pending' | 'open' | 'refused' = 'auth';
    /**
     * Closes a socket that never authenticated, with one line saying why (the token is never
     * logged), and reads nothing more from it: ws would go on reading for its 30 s closing
     * handshake, every frame uncharged, and after a bad first frame each one was parsed and
     * refused (and logged) again (1.9 million frames of one client in 5 s, with no account).
     */
    const refuse = (code: number, reason: string) => {
      if (state === 'refused') return;
      state = 'refused';
      reqLog.info({ code, reason }, 'socket refused');
      this.services.metrics.socketRefused(code);
      closeFlood(socket, code, reason);
    };
    // An `auth` frame that came in time, whose token check has not ended (the database or a JWKS
    // not answering), is no client's fault: 1011, reconnect with backoff, not 4408's "send auth".
    const authTimer = setTimeout(
      () => (state === 'pending' ? refuse(INTERNAL_ERROR, 'auth check timed out') : refuse(CloseCode.AUTH_TIMEOUT, 'auth timeout')),
      this.opts.authTimeoutMs ?? 5000,
    );
    // The socket's rate limit from its first frame on: pings and pongs before `auth` count too.
    const { config, now } = this.services;
    const bucket = config.rateLimits ? new TokenBucket(RATE.perSecond, RATE.burst, now) : null;
    /** Frames sent before `ready`, with whether each was binary (refused after `ready` as any binary frame is). */
    let early: Array<[RawData, boolean]> | null = [];
    let errLog: FastifyRequest['log'] | null = reqLog;
    const onClose = () => clearTimeout(authTimer);
    const onFirst = (data: RawData, isBinary: boolean) => {
      if (state === 'pending') {
        if (early && early.length < 16) early.push([data, isBinary]);
        return;
      }
      if (state !== 'auth') return;
      const parsed = isBinary ? null : parseClientFrame(data.toString());
      if (!parsed?.ok || parsed.frame.type !== 'auth') return refuse(CloseCode.UNAUTHORIZED, 'first frame must be auth');
      state = 'pending';
      // Verified in time: the socket now only waits for its turn (admission.ts), however long.
      const verified = () => {
        clearTimeout(authTimer);
        release();
      };
      this.#authenticate(socket, parsed.frame.token, reconnect, reqId, bucket, verified, refuse).then(
        (conn) => {
          clearTimeout(authTimer);
          // Nothing of this handshake (closures, the auth timer) stays with the socket.
          (socket as Tagged)[HANDSHAKE] = null;
          errLog = null;
          if (!conn) return;
          state = 'open';
          const queued = early ?? [];
          early = null;
          for (const [d, binary] of queued) this.#onMessage(conn, d, binary);
        },
        (err: unknown) => {
          // The database down (or not answering in time): no fault of this socket's, and every
          // client reconnecting for as long as the outage lasts comes here. One info line each,
          // as a REST call's 503 has, with the cause; the outage itself is said by the
          // write-behind and /readyz. The client reconnects with backoff (1011).
          // The host's friendsOf failed or hung (said in the log as the port's): no auth failure.
          if (err instanceof HostFriendsUnavailable) return refuse(INTERNAL_ERROR, 'friend list unavailable');
          if (err instanceof HostIdentityUnavailable) return refuse(INTERNAL_ERROR, 'auth check timed out');
          if (databaseDown(err)) return refuse(INTERNAL_ERROR, 'database unreachable');
          (errLog ?? this.services.log).error({ err }, 'websocket auth failed');
          errLog = null;
          this.services.metrics.socketRefused(INTERNAL_ERROR);
          socket.close(INTERNAL_ERROR, 'internal error');
        },
      );
    };
    const onControl = () => {
      if (bucket && !bucket.take(CONTROL_FRAME_TOKENS) && socket.readyState === socket.OPEN) refuse(CloseCode.RATE_LIMITED, 'rate limited');
    };
    (socket as Tagged)[HANDSHAKE] = { message: onFirst, control: onControl, close: onClose };
    socket.on('message', this.#on.message);
    socket.on('ping', this.#on.control);
    socket.on('pong', this.#on.control);
    socket.on('close', this.#on.close);
  }

  async #authenticate(
    socket: WebSocket,
    token: string,
    reconnect: boolean,
    reqId: string,
    bucket: TokenBucket | null,
    verified: () => void,
    refuse: (code: number, reason: string) => void,
  ): Promise<Connection | null> {
    const { auth, presence, now } = this.services;
    const checkedAt = now();
    const ctx = await auth.authenticate(token);
    if (!ctx) {
      refuse(CloseCode.UNAUTHORIZED, 'invalid token');
      return null;
    }
    // Refused before its slot is given back, and as a flood: a valid token gets this far, and a
    // script opening sockets with it in a loop, never answering the close, held a descriptor per
    // socket for ws's 30 s closing handshake, counted nowhere (the address's cap bypassed).
    if (this.#connects && !this.#connects.take(ctx.userId)) {
      this.#refuseConnect(ctx.userId);
      this.services.metrics.socketRefused(CloseCode.RATE_LIMITED);
      closeFlood(socket, CloseCode.RATE_LIMITED, 'too many connects for this account: back off');
      return null;
    }
    verified();
    await this.#admission.turn();
    if (socket.readyState !== socket.OPEN) return null;
    await presence.prepareViewer(ctx);
    if (socket.readyState !== socket.OPEN) return null;
    // Waited so long that revocations since the check were forgotten (recent-revocations.ts):
    // only then is the session read again.
    const lost = !this.#revocations.covers(checkedAt) && !(await auth.authenticate(token));
    if (socket.readyState !== socket.OPEN) return null;
    // A logout or expiry since the check found no socket of this login to close (it is
    // registered only in #open): refused here, before any `ready` or presence, with nothing
    // awaited between these checks and the registration.
    if (now() >= ctx.expiresAt) {
      refuse(CloseCode.UNAUTHORIZED, 'token expired');
      return null;
    }
    if (lost || this.#revocations.has(ctx.sessionId)) {
      refuse(CloseCode.SESSION_REVOKED, 'session revoked');
      return null;
    }
    return this.#open(socket, ctx, reqId, reconnect, bucket);
  }

  /** Registers an authenticated socket and sends its `ready` snapshot (`reconnect`: the upgrade URL's `?reconnect=1`; `bucket`: its rate limit, null when off). */
  #open(socket: WebSocket, ctx: AuthContext, reqId: string, reconnect: boolean, bucket: TokenBucket | null): Connection {
    const { presence, now, monotonic, config, log } = this.services;
    // From here on everything is synchronous, so no event can slip between snapshot and registration.
    const conn = new Connection(randomUUID(), ctx, socket, now(), bucket, this.#bufferBudget, monotonic());
    conn.reqId = reqId;
    // What the user's sockets here receive is what the least privileged of them may see.
    presence.setSocketsRole(ctx.userId, this.#roleOfSockets(ctx.userId, ctx.role));
    const snapshot = presence.openSocket(ctx, conn.id, reconnect);
    this.registry.add(conn, presence.graph.friendIds(ctx.userId));
    this.#capSockets(ctx.userId);
    conn.sendRaw(snapshot.frame(conn.id, config.heartbeatIntervalMs));
    // A probe in flight went to the sockets the user had then: a socket opened since (a
    // reconnect, another tab) is asked too, or its client could never answer in time.
    if (presence.engine.probing(ctx.userId)) this.#batcher.deliver(conn, ARE_YOU_THERE);
    log.info({ reqId, userId: ctx.userId, conn: conn.id, friends: snapshot.friendCount }, 'socket connected');
    this.services.metrics.socketOpened();
    (socket as Tagged)[CONN] = conn;
    this.#expireAt(conn, ctx);
    return conn;
  }

  /** Logs refused connects at most once a second (a loop of them must not flood the log). */
  #refuseConnect(userId: number): void {
    const now = Date.now();
    if (now - this.#connectsRefusedLogAt < 1000) return;
    this.#connectsRefusedLogAt = now;
    this.services.log.warn({ userId }, 'socket connects refused: the account opens sockets faster than allowed');
  }

  /** Closes the account's oldest sockets beyond the cap (each socket costs the server ~12 KiB). */
  #capSockets(userId: number): void {
    const conns = this.registry.connsOf(userId) ?? [];
    const excess = conns.length - (this.opts.maxSocketsPerUser ?? MAX_SOCKETS_PER_USER);
    for (const c of [...conns].slice(0, Math.max(0, excess))) c.close(CloseCode.TOO_MANY_SOCKETS, 'too many sockets for this account');
  }

  /** Closes the socket when its token expires: one shared timer at the earliest expiry. */
  #expireAt(conn: Connection, ctx: AuthContext): void {
    const n = this.#nextNumber++;
    conn.expiryNumber = n;
    this.#byNumber.set(n, conn);
    this.#expiries.push(ctx.expiresAt, n);
    this.#armExpiry();
  }

  #armExpiry(): void {
    const next = this.#expiries.peekTime();
    if (next >= this.#expiryAt || this.#closing) return;
    if (this.#expiryTimer) clearTimeout(this.#expiryTimer);
    this.#expiryTimer = null;
    this.#expiryAt = next;
    if (next === Infinity) return;
    const ms = Math.max(0, next - this.services.now());
    // Beyond what a timer can hold, the heartbeat sweep closes the socket at expiry.
    if (ms > MAX_TIMER_MS) return;
    this.#expiryTimer = setTimeout(() => this.#expire(), ms);
    this.#expiryTimer.unref();
  }

  #expire(): void {
    this.#expiryTimer = null;
    this.#expiryAt = Infinity;
    const now = this.services.now();
    while (this.#expiries.peekTime() <= now) {
      const n = this.#expiries.pop()!;
      const conn = this.#byNumber.get(n);
      if (!conn) continue;
      this.#byNumber.delete(n);
      conn.close(CloseCode.UNAUTHORIZED, 'token expired');
    }
    this.#armExpiry();
  }

  #onMessage(conn: Connection, data: RawData, isBinary: boolean): void {
    const { presence, monotonic, budgets } = this.services;
    if (conn.socket.readyState !== conn.socket.OPEN) return;
    conn.lastHeard = monotonic();
    const bytes = frameBytes(data);
    if (!this.#spend(conn, frameTokens(bytes))) return;
    if (isBinary) return this.#error(conn, 'VALIDATION_ERROR', 'Binary frames are not supported');
    // A large frame is read only if a pass over its bytes finds it as shallow as a valid one: deep or many-membered junk costs everyone.
    if (bytes > MAX_CHANGE_BYTES && !isShallow(asBytes(data))) return this.#error(conn, 'PAYLOAD_TOO_LARGE', FRAME_TOO_DEEP);
    const parsed = parseClientFrame(data.toString());
    if (!parsed.ok) return this.#error(conn, parsed.code, parsed.message);
    const f = parsed.frame;
    const userId = conn.auth.userId;
    switch (f.type) {
      case 'heartbeat':
        return this.#reply(conn, HEARTBEAT_ACK);
      case 'interaction':
      case 'still_here':
        return presence.interaction(userId);
      case 'auth':
        return this.#error(conn, 'VALIDATION_ERROR', 'Already authenticated');
      case 'set_status':
      case 'activity': {
        // The same budget as PUT /status and POST /activity: one user, one budget.
        if (budgets.stateChanges && !budgets.stateChanges.take(userId)) return this.#error(conn, 'RATE_LIMITED', TOO_MANY_CHANGES);
        const work =
          f.type === 'set_status'
            ? presence.setStatus(userId, f)
            : presence.setActivity(userId, f.activity, f.details, { login: conn.auth.sessionId, socket: conn.id });
        work.catch((err: unknown) => {
          if (err instanceof AppError) return this.#error(conn, err.code, err.message);
          this.services.log.error({ err, reqId: conn.reqId, conn: conn.id }, 'frame handling failed');
          this.#error(conn, 'INTERNAL_ERROR', 'Internal error');
        });
        return;
      }
    }
  }

  /** A ping or pong of a registered socket: it was there, and it spent a token. */
  #onControl(conn: Connection): void {
    if (conn.socket.readyState !== conn.socket.OPEN) return;
    conn.lastHeard = this.services.monotonic();
    this.#spend(conn, CONTROL_FRAME_TOKENS);
  }

  /** Takes `tokens` from the socket's bucket; false (and the socket closed with 4429) when it holds fewer. */
  #spend(conn: Connection, tokens: number): boolean {
    if (!conn.bucket || conn.bucket.take(tokens)) return true;
    this.services.log.warn({ reqId: conn.reqId, userId: conn.auth.userId, conn: conn.id }, 'socket rate limited');
    conn.close(CloseCode.RATE_LIMITED, 'rate limited', 'flood');
    return false;
  }

  #error(conn: Connection, code: ErrorCode, message: string): void {
    this.#reply(conn, JSON.stringify({ type: 'error', code, message }));
  }

  /** A direct reply, within the socket's backpressure limits (connection.ts). */
  #reply(conn: Connection, text: string): void {
    if (conn.sendRaw(text, this.services.monotonic()) === 'dead') {
      this.services.log.warn({ userId: conn.auth.userId, conn: conn.id }, 'socket reads nothing; closing');
      conn.closeSlow();
    }
  }

  /** `received`: the close event's code; what the server itself sent, when it did, is reported instead. */
  #closed(conn: Connection, received: number): void {
    const { presence, log } = this.services;
    const code = conn.closeCode || received;
    this.#batcher.forget(conn);
    this.#bufferBudget.forget(conn);
    this.#byNumber.delete(conn.expiryNumber);
    const friends = presence.graph.friendIds(conn.auth.userId);
    this.registry.remove(conn, friends);
    // The least privileged socket may be the one that closed.
    if (this.registry.connsOf(conn.auth.userId)?.length) presence.setSocketsRole(conn.auth.userId, this.#roleOfSockets(conn.auth.userId));
    // A socket that went silent was last there at its last frame or pong, up to three heartbeats
    // before it was noticed: the user's last_seen (and the grace) date from then (CONTRACT:
    // last_seen is when the last session ended), that long before now by the wall clock.
    const lastThere = conn.wentSilent ? this.services.now() - (this.services.monotonic() - conn.lastHeard) : undefined;
    presence.closeSocket(conn.auth, conn.id, conn.immediateClose, lastThere);
    log.info({ reqId: conn.reqId, userId: conn.auth.userId, conn: conn.id, code }, 'socket closed');
    this.services.metrics.socketClosed(code);
  }

  /**
   * The role the user's sockets here share: admin only when every one of them (and `opening`,
   * a socket about to be registered) was opened with an admin's token. A socket never receives
   * what its own token may not see because another socket of the same user may.
   */
  #roleOfSockets(userId: number, opening?: AuthContext['role']): AuthContext['role'] {
    if (opening === 'user') return 'user';
    return (this.registry.connsOf(userId) ?? []).every((c) => c.auth.role === 'admin') ? 'admin' : 'user';
  }

  /** Logout: the login's sockets close with 4000 and its sessions end without grace. */
  #revoked(userId: number, sessionId: string): void {
    // A socket of the login may be between its token check and its registration (#authenticate).
    this.#revocations.add(sessionId, this.services.now());
    for (const c of [...(this.registry.connsOf(userId) ?? [])]) {
      if (c.auth.sessionId !== sessionId) continue;
      c.immediateClose = true;
      c.close(CloseCode.SESSION_REVOKED, 'session revoked');
    }
  }
}

/** Lets go of the hijacked upgrade response, which the TCP socket would otherwise keep (with its request). */
function detachResponse(socket: WebSocket): void {
  const raw = (socket as unknown as { _socket?: Socket & { _httpMessage?: { detachSocket?: (s: Socket) => void } | null } })._socket;
  const res = raw?._httpMessage;
  if (raw && res && typeof res.detachSocket === 'function') res.detachSocket(raw);
}

/** RFC 6455's close code for a server fault: the client reconnects with backoff (docs/protocol.md). */
const INTERNAL_ERROR = 1011;

/** Whether an error says the database cannot serve now (unreachable, or a wait for it past BEACON_DATABASE_TIMEOUT_MS). */
function databaseDown(err: unknown): boolean {
  if (err instanceof AppError) return err.code === 'SERVICE_UNAVAILABLE';
  return err instanceof Error && isDatabaseUnreachable(err as Error & { code?: string });
}
