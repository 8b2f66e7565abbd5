/**
 * The WebSocket gateway at /ws/status: first-frame auth, the `ready` snapshot, client
 * frames, heartbeats and dead sockets, per-socket rate limit, token expiry and logout.
 * It decides nothing about presence: it hands input to the PresenceService and
 * delivers the events the service hands back (fanout.ts).
 */
import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import { CloseCode } from '../../protocol/index.js';
import type { AuthContext } from '../auth/auth-service.js';
import { AppError } from '../errors.js';
import type { App } from '../http-kit.js';
import type { Services } from '../services.js';
import { Batcher, SLOW_CONSUMER_CLOSE } from './batcher.js';
import { parseClientFrame } from './client-frames.js';
import { Connection } from './connection.js';
import { Fanout } from './fanout.js';
import { Registry } from './registry.js';
import { TokenBucket } from './token-bucket.js';

export interface GatewayOptions {
  /** How long a socket may take to send `auth` (contract: 5 s). */
  authTimeoutMs?: number;
}

/** Frames per second a socket may send on average, and the burst it may spend at once. */
const RATE = { perSecond: 20, burst: 40 };
const MAX_TIMER_MS = 2_147_483_647;

export class Gateway {
  readonly registry: Registry;
  readonly #batcher: Batcher;
  readonly #fanout: Fanout;
  readonly #sweeper: NodeJS.Timeout;
  #closing = false;

  constructor(
    private readonly services: Services,
    private readonly opts: GatewayOptions = {},
  ) {
    const { presence, now, config } = services;
    this.registry = new Registry();
    this.#batcher = new Batcher(config.batchWindowMs, now, (c) => c.socket.close(SLOW_CONSUMER_CLOSE, 'slow consumer'));
    this.#fanout = new Fanout(this.registry, presence, this.#batcher, (userId, sessionId) => this.#revoked(userId, sessionId));
    presence.setSink((e) => this.#fanout.deliver(e));
    this.#sweeper = setInterval(() => this.sweep(), config.heartbeatIntervalMs);
    this.#sweeper.unref();
  }

  /** Registers the /ws/status route on the app. */
  route(app: App): void {
    app.get('/ws/status', { websocket: true, preValidation: (req, reply) => this.#checkOrigin(req, reply), schema: { hide: true } }, (socket, req) =>
      this.#accept(socket, req),
    );
  }

  /** Pings live sockets; closes those silent for two heartbeat intervals and those whose token expired. */
  sweep(): void {
    const now = this.services.now();
    const deadAfter = 2 * this.services.config.heartbeatIntervalMs;
    for (const c of this.registry.all()) {
      if (now >= c.auth.expiresAt) {
        c.socket.close(CloseCode.UNAUTHORIZED, 'token expired');
      } else if (now - c.lastSeen > deadAfter) {
        this.services.log.info({ userId: c.auth.userId, conn: c.id }, 'socket missed heartbeats; closing');
        c.socket.terminate();
      } else if (c.socket.readyState === c.socket.OPEN) {
        c.socket.ping();
      }
    }
  }

  /** Sends pending batches now (tests). */
  flush(): void {
    this.#batcher.flush();
  }

  /** Closes every socket with 1001 so clients reconnect (possibly elsewhere). */
  close(): void {
    this.#closing = true;
    clearInterval(this.#sweeper);
    this.#batcher.flush();
    this.#batcher.stop();
    for (const c of this.registry.all()) c.socket.close(CloseCode.GOING_AWAY, 'server going away');
  }

  async #checkOrigin(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const origin = req.headers.origin;
    if (origin === undefined) return;
    const allowed = this.services.config.allowedOrigins;
    const ok = allowed ? allowed.includes('*') || allowed.includes(origin) : sameHost(origin, req.headers.host);
    if (!ok) {
      req.log.warn({ origin }, 'websocket upgrade refused: origin not allowed');
      await reply.status(403).send({ code: 'FORBIDDEN', message: 'Origin not allowed' });
    }
  }

  #accept(socket: WebSocket, req: FastifyRequest): void {
    if (this.#closing) return socket.close(CloseCode.GOING_AWAY, 'server going away');
    const authTimer = setTimeout(() => socket.close(CloseCode.AUTH_TIMEOUT, 'auth timeout'), this.opts.authTimeoutMs ?? 5000);
    let state: 'auth' | 'pending' | 'open' = 'auth';
    const early: RawData[] = [];
    const log = this.services.log;
    socket.on('error', (err) => log.debug({ err }, 'socket error'));
    socket.once('close', () => clearTimeout(authTimer));
    const onFirst = (data: RawData, isBinary: boolean) => {
      if (state === 'pending') {
        if (early.length < 16) early.push(data);
        return;
      }
      if (state !== 'auth') return;
      const parsed = isBinary ? null : parseClientFrame(data.toString());
      if (!parsed?.ok || parsed.frame.type !== 'auth') return socket.close(CloseCode.UNAUTHORIZED, 'first frame must be auth');
      state = 'pending';
      this.#authenticate(socket, req, parsed.frame.token).then(
        (conn) => {
          clearTimeout(authTimer);
          if (!conn) return;
          state = 'open';
          socket.off('message', onFirst);
          socket.on('message', (d, bin) => this.#onMessage(conn, d, bin));
          for (const d of early) this.#onMessage(conn, d, false);
        },
        (err: unknown) => {
          req.log.error({ err }, 'websocket auth failed');
          socket.close(1011, 'internal error');
        },
      );
    };
    socket.on('message', onFirst);
  }

  async #authenticate(socket: WebSocket, req: FastifyRequest, token: string): Promise<Connection | null> {
    const { auth, presence, now, config } = this.services;
    const ctx = await auth.authenticate(token);
    if (!ctx) {
      socket.close(CloseCode.UNAUTHORIZED, 'invalid token');
      return null;
    }
    await presence.prepareViewer(ctx);
    if (socket.readyState !== socket.OPEN) return null;
    // From here on everything is synchronous, so no event can slip between snapshot and registration.
    const bucket = config.rateLimits ? new TokenBucket(RATE.perSecond, RATE.burst, now) : null;
    const conn = new Connection(randomUUID(), ctx, socket, now(), bucket);
    const snapshot = presence.openSocket(ctx, conn.id);
    this.registry.add(conn, presence.graph.friendsOf(ctx.userId));
    conn.sendNow({ type: 'ready', session_id: conn.id, heartbeat_interval_ms: config.heartbeatIntervalMs, ...snapshot });
    req.log.info({ userId: ctx.userId, conn: conn.id, friends: snapshot.friends.length }, 'socket connected');
    socket.on('pong', () => (conn.lastSeen = now()));
    socket.once('close', (code) => this.#closed(conn, code));
    this.#expireAt(conn, ctx);
    return conn;
  }

  #expireAt(conn: Connection, ctx: AuthContext): void {
    const ms = Math.max(0, ctx.expiresAt - this.services.now());
    // Beyond what a timer can hold, the heartbeat sweep closes the socket at expiry.
    if (ms > MAX_TIMER_MS) return;
    const t = setTimeout(() => conn.socket.close(CloseCode.UNAUTHORIZED, 'token expired'), ms);
    t.unref();
    conn.socket.once('close', () => clearTimeout(t));
  }

  #onMessage(conn: Connection, data: RawData, isBinary: boolean): void {
    const { presence, now } = this.services;
    if (conn.socket.readyState !== conn.socket.OPEN) return;
    conn.lastSeen = now();
    if (conn.bucket && !conn.bucket.take()) {
      this.services.log.warn({ userId: conn.auth.userId }, 'socket rate limited');
      return conn.socket.close(CloseCode.RATE_LIMITED, 'rate limited');
    }
    if (isBinary) return conn.sendNow({ type: 'error', code: 'VALIDATION_ERROR', message: 'Binary frames are not supported' });
    const parsed = parseClientFrame(data.toString());
    if (!parsed.ok) return conn.sendNow({ type: 'error', code: parsed.code, message: parsed.message });
    const f = parsed.frame;
    const userId = conn.auth.userId;
    switch (f.type) {
      case 'heartbeat':
        return conn.sendNow({ type: 'heartbeat_ack' });
      case 'interaction':
      case 'still_here':
        return presence.interaction(userId);
      case 'auth':
        return conn.sendNow({ type: 'error', code: 'VALIDATION_ERROR', message: 'Already authenticated' });
      case 'set_status':
      case 'activity': {
        const work =
          f.type === 'set_status'
            ? presence.setStatus(userId, f)
            : presence.setActivity(userId, f.activity);
        work.catch((err: unknown) => {
          if (err instanceof AppError) return conn.sendNow({ type: 'error', code: err.code, message: err.message });
          this.services.log.error({ err }, 'frame handling failed');
          conn.sendNow({ type: 'error', code: 'INTERNAL_ERROR', message: 'Internal error' });
        });
        return;
      }
    }
  }

  #closed(conn: Connection, code: number): void {
    const { presence, log } = this.services;
    this.#batcher.forget(conn);
    const friends = presence.graph.friendsOf(conn.auth.userId);
    this.registry.remove(conn, friends);
    presence.closeSocket(conn.auth, conn.id, conn.immediateClose);
    log.info({ userId: conn.auth.userId, conn: conn.id, code }, 'socket closed');
  }

  /** Logout: the login's sockets close with 4000 and its sessions end without grace. */
  #revoked(userId: number, sessionId: string): void {
    for (const c of [...(this.registry.connsOf(userId) ?? [])]) {
      if (c.auth.sessionId !== sessionId) continue;
      c.immediateClose = true;
      c.socket.close(CloseCode.SESSION_REVOKED, 'session revoked');
    }
  }
}

function sameHost(origin: string, host: string | undefined): boolean {
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}
