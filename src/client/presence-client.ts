/**
 * PresenceClient: the framework-agnostic browser SDK. Keeps the signed-in user's view and
 * their friends' views live over `/ws/status`, reconnects with jittered backoff, falls
 * back to REST polling when WebSockets keep failing, and reports user activity.
 *
 * This file is the orchestrator (start/stop, connect/reconnect, connection state); the parts it
 * drives: status-socket.ts (one socket), rest-fallback.ts (the polls and when `polling` is said),
 * own-changes.ts (setStatus/setActivity in order, the declared game), token-wait.ts (token reads
 * and refusals), resync.ts (a `seq` gap: the refetch and its retries), frame-events.ts (frames
 * that are events), presence-model.ts (the views).
 */
import type { Activity, EventFrame, ManualStatus, ReadyFrame, Settings, View } from '../protocol/index.js';
import { CloseCode } from '../protocol/errors.js';
import { ApiClient } from './api.js';
import { DEFAULT_BACKOFF, goingAwayDelay, rateLimitedDelay, reconnectDelay, type BackoffOptions } from './backoff.js';
import { Emitter } from './emitter.js';
import { emitFrameEvent } from './frame-events.js';
import { attachIdleDetection, InteractionGate, type IdleTarget } from './idle.js';
import { OwnChanges } from './own-changes.js';
import { PresenceModel } from './presence-model.js';
import type {
  ConnectionState,
  NetworkTarget,
  PresenceClientOptions,
  PresenceEvents,
  StopReason,
  UnavailableReason,
} from './presence-types.js';
import { UNAVAILABLE_REASONS } from './presence-types.js';
import { Resync } from './resync.js';
import { RestFallback } from './rest-fallback.js';
import { madeAt, ServerClock } from './server-clock.js';
import { StatusSocket } from './status-socket.js';
import { tokenOrNull } from './token-source.js';
import { TokenWait } from './token-wait.js';
import { defaultTimers, globalWebSocket, statusSocketUrl, type Timers, type WebSocketCtor } from './transport.js';

export type { BlockChange, ConnectionState, PresenceClientOptions, PresenceEvents, StopReason, UnavailableReason } from './presence-types.js';

/** A first load whose socket has not answered by then also asks the API (see start()). */
const FIRST_LOAD_PROBE_MS = 2_000;

/** Live presence of the signed-in user and their friends. See {@link PresenceClientOptions}. */
export class PresenceClient {
  readonly #tokens: TokenWait;
  readonly #wsUrl: string;
  readonly #wsReconnectUrl: string;
  readonly #api: ApiClient;
  readonly #WebSocket: WebSocketCtor | undefined;
  readonly #timers: Timers;
  readonly #random: () => number;
  readonly #backoff: BackoffOptions;
  readonly #fallbackAfter: number;
  readonly #connectTimeoutMs: number;
  readonly #events = new Emitter<PresenceEvents>();
  readonly #model = new PresenceModel(this.#events);
  readonly #gate: InteractionGate;
  readonly #rest: RestFallback;
  readonly #network: NetworkTarget | null;
  readonly #visibility: PresenceClientOptions['visibility'];
  readonly #serverClock: ServerClock;
  readonly #changes: OwnChanges;
  readonly #resync: Resync;

  #state: ConnectionState = 'offline';
  /** See {@link catchingUp}; a `state` event fires whenever it flips. */
  #catchingUp = false;
  /** See {@link unavailableReason}; `#unavailableSaid` is the one the last `state` event went out with. */
  #unavailable: UnavailableReason | null = null;
  #unavailableSaid: UnavailableReason | null = null;
  /** Known before `self` when polling from the start (from GET /users/me). */
  #selfId: number | null = null;
  #socket: StatusSocket | null = null;
  #reconnectTimer: unknown = null;
  #firstProbeTimer: unknown = null;
  #stopped = true;
  /** Why the client is not running (null while it runs, offline or not): see {@link stopReason}. */
  #stopReason: StopReason | null = 'stopped';
  /** Stopped `unauthorized` because getToken gave no token: see {@link noToken}. */
  #noToken = false;
  /** Bumped by start/stop so late REST answers of an earlier run are dropped. */
  #run = 0;
  #tries = 0;
  #failures = 0;
  /**
   * Connect attempts begun in this run, bumped too when a socket gets ready and when the browser
   * goes offline: a token read that an attempt, a ready socket or a drop overtook opens nothing.
   */
  #connects = 0;
  #everConnected = false;
  /**
   * When the latest connect attempt began (timers.now()), and the attempt whose token read is
   * under way (a getToken promise), if any: a wake keeps an attempt in flight (see #wake).
   */
  #attemptAt = 0;
  #tokenReadFor: number | null = null;
  /** Input made while nothing could carry it (no socket, no polls): sent with the next socket or poll. */
  #pendingInteraction = false;
  #lastSyncAt: number | null = null;
  /** The open socket's `session_id` (its `ready`), while it is open: what this client's declarations name. */
  #socketSessionId: string | null = null;

  constructor(opts: PresenceClientOptions) {
    this.#wsUrl = statusSocketUrl(opts.baseUrl);
    this.#wsReconnectUrl = statusSocketUrl(opts.baseUrl, true);
    this.#api = opts.api ?? new ApiClient({ baseUrl: opts.baseUrl, getToken: opts.getToken });
    this.#WebSocket = opts.WebSocketImpl ?? globalWebSocket();
    this.#timers = opts.timers ?? defaultTimers;
    this.#random = opts.random ?? Math.random;
    this.#backoff = opts.backoff ?? DEFAULT_BACKOFF;
    this.#fallbackAfter = Math.max(1, opts.fallbackAfterFailures ?? 3);
    this.#connectTimeoutMs = opts.connectTimeoutMs ?? 10_000;
    this.#gate = new InteractionGate(opts.interactionThrottleMs ?? 10_000);
    this.#network = opts.network !== undefined ? opts.network : typeof window === 'undefined' ? null : window;
    this.#visibility = opts.visibility !== undefined ? opts.visibility : typeof document === 'undefined' ? null : document;
    this.#serverClock = opts.serverClock ?? new ServerClock(() => this.#timers.now());
    this.#tokens = new TokenWait(opts.getToken, this.#timers, this.#connectTimeoutMs, {
      socketReady: () => this.#socket?.ready === true,
      gaveUp: () => void this.#connects++,
    });
    this.#changes = new OwnChanges(this.#api, { run: () => this.#run, sessionId: () => this.#socketSessionId });
    const resyncParts = { api: this.#api, model: this.#model, clock: this.#serverClock, timers: this.#timers, backoff: this.#backoff, random: this.#random };
    this.#resync = new Resync(resyncParts, {
      run: () => this.#run,
      selfId: () => this.#selfId ?? this.#model.self?.user_id,
      socket: () => this.#socket,
      ownView: (view, run) => void this.#ownView(view, run),
      behind: () => this.#setState('reconnecting'),
      caughtUp: () => {
        if (this.#state === 'connected') return;
        this.#setState('connected');
        this.#synced();
      },
    });
    this.#rest = new RestFallback({
      api: this.#api,
      timers: this.#timers,
      pollIntervalMs: opts.pollIntervalMs ?? 3_000,
      random: this.#random,
      tokenTimeoutMs: this.#connectTimeoutMs,
      serverClock: this.#serverClock,
      context: {
        run: () => this.#run,
        readToken: () => this.#tokens.read(),
        everConnected: () => this.#everConnected,
        socket: () => this.#socket,
        state: () => this.#state,
        setState: (state) => this.#setState(state),
        selfId: () => this.#selfId,
        learnSelfId: (id) => void (this.#selfId = id),
        connectNow: () => {
          this.#timers.clearTimeout(this.#reconnectTimer);
          this.#connect();
        },
        answered: (friends, self) => {
          this.#tokens.forgetRefused();
          // A PUT's answer may have overtaken this poll: its own view is then older than the one kept.
          this.#model.applySnapshot(friends, this.#olderThanKept(self) ? this.#model.self : self, false);
          this.#synced();
        },
        refused: (token) => this.#tokenRefused(token, () => this.#rest.pollNow(), () => undefined, 'poll'),
        owesInput: () => this.#pendingInteraction,
        inputReported: () => {
          this.#pendingInteraction = false;
          this.#gate.sent(this.#timers.now());
        },
      },
    });
  }

  /**
   * The server's time now (epoch ms), estimated from the `timestamp` of every view and frame
   * received (server-clock.ts); the device's clock until one arrived. Measure the times the
   * server sends (`last_seen`, `activity_since`, a message's expiry) against this, never
   * against `Date.now()`: the device's clock may be minutes off.
   */
  serverNow(): number {
    return this.#serverClock.now();
  }

  /**
   * When the data was last known complete (ms epoch): `ready`, any socket frame, a poll, the
   * refetch after a `seq` gap applied. Not moved from a gap until that refetch applies (events
   * were lost: neither the frame that showed it nor those after it make the views complete). Null before.
   */
  get lastSyncAt(): number | null {
    return this.#lastSyncAt;
  }

  /** Current connection state. */
  get state(): ConnectionState {
    return this.#state;
  }

  /**
   * True while the state is `reconnecting` only because events were lost on a socket that is
   * still open (a `seq` gap): the views are being read again over REST (retried at its own pace
   * if that fails) and may be out of date until then, but the connection is not lost: the server
   * counts the user online and friends see them as before. False otherwise, including
   * `reconnecting` after the socket was lost. A `state` event fires whenever it flips, also when
   * the state stays `reconnecting` (the socket lost while catching up): read it there to say
   * "catching up" rather than "connection lost".
   */
  get catchingUp(): boolean {
    return this.#catchingUp;
  }

  /**
   * Why the client is not running, or null while it runs (connecting, connected, reconnecting,
   * polling, and `offline` while it keeps retrying): `'stopped'` before start() and after
   * stop() (signed out), `'unauthorized'` once Beacon refused or revoked the token (4000; 4401
   * or a 401 from the API when `getToken` gives no token Beacon has not refused yet): it no
   * longer retries, and only a new sign-in (a token, then start()) brings it back. Set before
   * the `state` change to `offline` is emitted.
   */
  get stopReason(): StopReason | null {
    return this.#stopReason;
  }

  /**
   * Why Beacon, though reached, refused the last socket attempt (close 1011 before `ready` with
   * one of the reasons of {@link UnavailableReason}, e.g. `'friend list unavailable'`: the
   * embedding site's friend list could not be read), or null: connected, not known (the last
   * attempt failed without a reason: network, timeout, another close code), or not started. The
   * client keeps retrying as for any failure; this only says why it fails, so a page can say
   * so rather than "could not reach Beacon". Set before the `state` event of that failure; a
   * `state` event also fires when it changes while the state stays the same.
   */
  get unavailableReason(): UnavailableReason | null {
    return this.#unavailable;
  }

  /**
   * True when the client stopped (`unauthorized`) because `getToken` gave no token to connect
   * with (null or empty: nobody signed in on the host yet): nothing was sent to Beacon, so
   * nothing was refused. False otherwise, and again from the next start().
   */
  get noToken(): boolean {
    return this.#noToken;
  }

  /** The signed-in user's own view, once known. */
  get self(): View | null {
    return this.#model.self;
  }

  /** Friends in contract order: online, in_game, busy, away, then offline by last_seen desc. */
  friends(): View[] {
    return this.#model.store.list();
  }

  friend(id: number): View | undefined {
    return this.#model.store.get(id);
  }

  /** Subscribes to an event; returns the unsubscribe function. */
  on<K extends keyof PresenceEvents>(type: K, fn: (e: PresenceEvents[K]) => void): () => void {
    return this.#events.on(type, fn);
  }

  /** Connects. Calling it again after `stop()` starts afresh (e.g. after a new login). */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#stopReason = null;
    this.#noToken = false;
    this.#unavailable = null;
    this.#run++;
    this.#model.reset();
    this.#selfId = null;
    this.#tries = this.#failures = 0;
    this.#everConnected = false;
    this.#rest.begin();
    this.#lastSyncAt = null;
    this.#tokens.forgetRefused();
    this.#network?.addEventListener('online', this.#onBrowserOnline);
    this.#network?.addEventListener('offline', this.#onBrowserOffline);
    this.#visibility?.addEventListener('visibilitychange', this.#onVisibility);
    this.#setState('connecting');
    this.#connect();
    // A first load whose socket is slow to answer also asks the API, so a hung server reads as
    // offline after one timeout (the API's), not after three of the socket's and then the API's.
    this.#firstProbeTimer = this.#timers.setTimeout(() => {
      if (!this.#stopped && !this.#everConnected && !this.#socket?.ready) this.#rest.start();
    }, FIRST_LOAD_PROBE_MS);
  }

  /**
   * Reconnects now instead of at the next backoff tick: the user asked to ("Retry now"), or the
   * browser is back online or the page is shown again with no attempt in flight (a wake keeps
   * one under way: see #wake). A hanging attempt is dropped for a fresh one. A socket that looks live is checked instead (it may have died unnoticed while
   * the machine slept or the network changed): without an answer within a few seconds it is
   * given up and the client reconnects. While `offline` the state says it is trying again
   * (`connecting` or `reconnecting`) until the attempt answers or fails (`offline` again). After
   * 4409 (or without WebSocket) it polls at once instead, opening no socket. A poll Beacon answered
   * 429 is not hurried: the next one still waits out its `Retry-After`. Does nothing once
   * stopped (see {@link stopReason}).
   */
  reconnectNow(): void {
    if (this.#stopped) return;
    if (this.#socket?.ready) return this.#socket.probe();
    this.#timers.clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = null;
    this.#socket?.close();
    this.#socket = null;
    this.#tries = 0;
    this.#failures = 0;
    // While polling answers, the state stays `polling` (the data is fresh); offline, it is trying again.
    if (!this.#rest.running || this.#state === 'offline') this.#setState(this.#everConnected ? 'reconnecting' : 'connecting');
    if (this.#rest.running) this.#rest.pollNow();
    this.#connect();
  }

  /**
   * Closes for good: state `offline`, no reconnect, no polling. Last known views stay readable.
   * {@link stopReason} becomes `'stopped'`, unless the client had already stopped (a refused
   * token stays `'unauthorized'`); a `stopped` event says so.
   */
  stop(): void {
    const running = !this.#stopped;
    if (running) this.#stopReason = 'stopped';
    this.#teardown();
    this.#setState('offline');
    if (running) this.#events.emit('stopped', { reason: 'stopped' });
  }

  /**
   * Sets a manual status over REST and updates `self` from the answer. Like declarations, status
   * changes reach Beacon in the order they are made (each once the change before it was answered
   * or failed), so the last one set is the one that holds.
   */
  async setStatus(status: ManualStatus, customMessage?: string | null, expiresAt?: string | null): Promise<View> {
    const run = this.#run;
    return this.#ownView(await this.#changes.setStatus(status, customMessage, expiresAt), run);
  }

  /**
   * Declares an activity over REST (a game activity shows `in_game`), for this client's socket
   * when it has one: a game it declares ends when that socket ends for good (a reload, a closed
   * tab), and it is declared again over the next socket after a reconnect, unless the server
   * refused it (a 4xx such as `CONFLICT`: the one declared before it is then). Declarations reach
   * Beacon in the order they are made, so the last one declared is the one that holds: each is
   * sent once the change before it (a declaration, a status) was answered or failed, and one
   * still waiting when the client stops is not sent (`CLIENT_STOPPED`). `keepalive`: the request outlives the
   * page (sent from `pagehide`), and is sent at once, as the page may not live to send it later.
   */
  async setActivity(activity: Activity, opts: { keepalive?: boolean } = {}): Promise<View> {
    const run = this.#run;
    return this.#ownView(await this.#changes.declare(activity, opts.keepalive === true), run);
  }

  getSettings(): Promise<Settings> {
    return this.#api.getSettings();
  }

  updateSettings(patch: Partial<Settings>): Promise<Settings> {
    return this.#api.updateSettings(patch);
  }

  /** Stops appearing offline, back to the audience the user had when they hid (decided by the server). */
  unhide(): Promise<Settings> {
    return this.#api.unhide();
  }

  /**
   * Reports that the user did something. Throttled to one frame per `interactionThrottleMs`,
   * except right after an `are_you_there`, which it answers at once. While polling it is
   * reported over REST (reads never count as activity); while reconnecting, one
   * interaction is remembered and sent after `ready`.
   */
  notifyInteraction(): void {
    if (this.#stopped) return;
    const now = this.#timers.now();
    if (!this.#gate.shouldSend(now)) return;
    if (this.#socket?.send({ type: 'interaction' })) {
      this.#gate.sent(now);
    } else if (this.#rest.running) {
      this.#gate.sent(now);
      this.#reportOverRest();
    } else {
      this.#pendingInteraction = true;
    }
  }

  /** Answers `are_you_there` (e.g. from a "Still there?" dialog). */
  stillHere(): void {
    if (this.#stopped) return;
    if (this.#socket?.send({ type: 'still_here' })) this.#gate.sent(this.#timers.now());
    else if (this.#rest.running) {
      this.#gate.sent(this.#timers.now());
      this.#reportOverRest();
    } else this.#pendingInteraction = true;
  }

  /**
   * Reports input over REST while polling. A report that fails (the network is down too) leaves
   * the input owed: the next poll, or the next socket, delivers it before Beacon decides what the
   * person is, so a person using the page through an outage never shows `away` when it ends.
   */
  #reportOverRest(): void {
    const run = this.#run;
    this.#api.reportInteraction().catch(() => {
      // A socket ready by now carried input of its own (its opening or a frame): nothing owed.
      if (run === this.#run && !this.#stopped && !this.#socket?.ready) this.#pendingInteraction = true;
    });
  }

  /**
   * Reports real user input (mouse, keyboard, touch, wheel) as interactions, and only that.
   * Defaults to the global `document`; returns a function that detaches the listeners.
   */
  attachIdleDetection(doc?: IdleTarget): () => void {
    const target = doc ?? (typeof document === 'undefined' ? undefined : document);
    if (!target) return () => undefined;
    return attachIdleDetection(target, () => this.notifyInteraction());
  }

  #setState(state: ConnectionState): void {
    const catchingUp = state === 'reconnecting' && this.#socket?.ready === true && this.#resync.stale;
    if (this.#state === state && this.#catchingUp === catchingUp && this.#unavailableSaid === this.#unavailable) return;
    this.#state = state;
    this.#catchingUp = catchingUp;
    this.#unavailableSaid = this.#unavailable;
    this.#events.emit('state', state);
  }

  #teardown(): void {
    this.#stopped = true;
    this.#run++;
    this.#timers.clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = null;
    this.#timers.clearTimeout(this.#firstProbeTimer);
    this.#firstProbeTimer = null;
    this.#resync.cancel();
    this.#socket?.close();
    this.#socket = null;
    this.#socketSessionId = null;
    this.#changes.forget();
    this.#rest.end();
    this.#pendingInteraction = false;
    this.#network?.removeEventListener('online', this.#onBrowserOnline);
    this.#network?.removeEventListener('offline', this.#onBrowserOffline);
    this.#visibility?.removeEventListener('visibilitychange', this.#onVisibility);
  }

  #onBrowserOnline = (): void => this.#wake();

  /** The browser knows the network is gone: say so now rather than after the heartbeat timeout. */
  #onBrowserOffline = (): void => {
    if (this.#stopped) return;
    this.#socket?.close();
    this.#socket = null;
    this.#connects++; // a token read under way is for an attempt this replaces
    this.#setState('offline');
    // Keep trying at the backoff pace in case the browser is wrong; `online` retries at once.
    this.#timers.clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = this.#timers.setTimeout(() => this.#connect(), reconnectDelay(this.#tries++, this.#backoff, this.#random));
  };

  #onVisibility = (): void => {
    const v = this.#visibility;
    if (v && (v.visibilityState === undefined || v.visibilityState === 'visible')) this.#wake();
  };

  /**
   * The page is shown again or the browser is back online. A connect attempt still in flight is
   * kept: replacing it at each wake would never let a slow network finish one (a person going
   * back and forth between tabs); its connect timeout ends it if it hangs. One begun longer ago
   * than that timeout, by the clock, was slept through (its timers did not run): it is replaced,
   * as anything else is, by {@link reconnectNow}. While `offline` the state says it is trying.
   */
  #wake(): void {
    if (this.#stopped || !this.#attemptInFlight() || this.#timers.now() - this.#attemptAt >= this.#connectTimeoutMs) return this.reconnectNow();
    if (this.#rest.running) this.#rest.pollNow();
    if (this.#state === 'offline') this.#setState(this.#everConnected ? 'reconnecting' : 'connecting');
  }

  /** A socket opened and not ready yet, or a token read for the latest attempt not settled yet. */
  #attemptInFlight(): boolean {
    return (this.#socket !== null && !this.#socket.ready) || this.#tokenReadFor === this.#connects;
  }

  /** The views are complete now: a snapshot (a `ready`, a poll) or a resync after a gap was applied. */
  #synced(): void {
    this.#resync.complete();
    this.#lastSyncAt = this.#timers.now();
    this.#events.emit('synced', { at: this.#lastSyncAt });
  }

  /**
   * Connects with `known` (a token just read), else with what getToken gives: at once, or when
   * its promise resolves, unless the run ended or a newer connect began meanwhile.
   */
  #connect(known?: string): void {
    this.#reconnectTimer = null;
    // After 4409 (or with no WebSocket here) no socket is tried: it would close another tab's.
    // A page shown again, the browser back online, a retry: the polls answer for it (RestFallback.restOnly).
    if (this.#rest.restOnly) return this.#rest.start();
    const attempt = ++this.#connects;
    this.#attemptAt = this.#timers.now();
    if (known !== undefined) return this.#connectWith(known);
    const read = this.#tokens.read();
    if ('now' in read) return this.#connectWith(read.now);
    if ('failed' in read) return this.#tokenUnavailable();
    const run = this.#run;
    this.#tokenReadFor = attempt;
    const settled = (): void => {
      if (this.#tokenReadFor === attempt) this.#tokenReadFor = null;
    };
    this.#tokens.wait(
      read.later,
      () => run === this.#run && attempt === this.#connects,
      (token) => {
        settled();
        this.#connectWith(tokenOrNull(token));
      },
      () => {
        settled();
        this.#tokenUnavailable();
      },
    );
  }

  /**
   * getToken threw or rejected (the host's refresh failed, its network is down): no refusal by
   * Beacon, so the client does not stop; it says `offline` unless polls answer, and reads the
   * token again at the backoff pace.
   */
  #tokenUnavailable(): void {
    if (this.#stopped) return;
    if (!this.#rest.running) this.#setState('offline');
    this.#timers.clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = this.#timers.setTimeout(() => this.#connect(), reconnectDelay(this.#tries++, this.#backoff, this.#random));
  }

  #connectWith(token: string | null): void {
    if (!token) {
      this.#noToken = true;
      return this.#unauthorized(CloseCode.UNAUTHORIZED);
    }
    if (!this.#WebSocket) {
      return this.#rest.startRestOnly(); // no WebSocket in this runtime: REST only
    }
    const socket: StatusSocket = new StatusSocket({
      // After a socket of this run reached `ready`, connecting again is the client's own doing,
      // not the user's: the server then does not count it as an interaction (docs/protocol.md).
      // Unless input made meanwhile is owed: the person is there, and the socket's opening says
      // so before Beacon decides what they are (an interaction frame after `ready` came after an
      // `away` friends had already been shown).
      url: this.#everConnected && !this.#pendingInteraction ? this.#wsReconnectUrl : this.#wsUrl,
      token,
      WebSocketImpl: this.#WebSocket,
      timers: this.#timers,
      connectTimeoutMs: this.#connectTimeoutMs,
      handlers: {
        // A socket this client replaced or dropped feeds nothing into it.
        onReady: (frame) => this.#socket === socket && this.#onReady(frame),
        onEvent: (frame, afterGap) => this.#socket === socket && this.#onEvent(frame, afterGap),
        onGap: () => this.#socket === socket && this.#resync.gap(),
        onClose: (code, reachedReady, reason) => {
          if (this.#socket === socket) this.#onSocketClosed(code, reachedReady, token, reason);
        },
      },
    });
    this.#socket?.close(); // none is expected here; never two at once
    this.#socket = socket;
  }

  #onReady(frame: ReadyFrame): void {
    this.#connects++; // a token read still under way is for a connection no longer needed
    this.#serverClock.observe(frame.self.timestamp, ...frame.friends.map(madeAt));
    this.#tries = this.#failures = 0;
    this.#tokens.forgetRefused();
    this.#everConnected = true;
    this.#selfId = frame.self.user_id;
    this.#rest.socketReady();
    this.#unavailable = null;
    this.#setState('connected');
    this.#model.applySnapshot(frame.friends, frame.self, true);
    this.#synced();
    this.#socketSessionId = typeof frame.session_id === 'string' ? frame.session_id : null;
    // A game still running here is this new socket's now, declared again in its turn.
    const run = this.#run;
    this.#changes.redeclare((view) => void this.#ownView(view, run));
    if (this.#pendingInteraction) {
      this.#pendingInteraction = false;
      if (this.#socket?.send({ type: 'interaction' })) this.#gate.sent(this.#timers.now());
    }
  }

  /**
   * A frame on the ready socket. One that follows lost events (`afterGap`) makes the views known
   * stale: the client says `reconnecting` at once, before applying it, and until a resync begun
   * after the gap applies (resync.ts), however long its REST reads take. Meanwhile no frame
   * moves {@link lastSyncAt}: the views were last known complete before the gap.
   */
  #onEvent(frame: EventFrame, afterGap: boolean): void {
    if (afterGap) this.#resync.lost();
    if (!this.#resync.stale) this.#lastSyncAt = this.#timers.now();
    this.#serverClock.observe(madeAt(frame.type === 'friend_added' ? frame.friend : frame));
    if (emitFrameEvent(frame, this.#events, this.#gate)) return;
    this.#model.applyEvent(frame);
    this.#resync.applied(frame);
  }

  #onSocketClosed(code: number, reachedReady: boolean, token: string, reason: string): void {
    this.#socket = null;
    this.#socketSessionId = null;
    this.#resync.cancel();
    if (this.#stopped) return;
    // Beacon answered, and said why it refused (said with the `state` event below or after).
    this.#unavailable = !reachedReady && code === INTERNAL_ERROR ? unavailableReasonOf(reason) : null;
    // No longer catching up on an open socket: the connection is lost (a `state` event says so).
    this.#setState(this.#state);
    // Signed out (the host's sign-out, a logout): no token of this login is to be used again.
    if (code === CloseCode.SESSION_REVOKED) return this.#unauthorized(code);
    if (code === CloseCode.UNAUTHORIZED) return this.#tokenRefused(token, (fresh) => this.#reconnectWithFreshToken(fresh), () => this.#tokenUnavailable(), 'socket');
    // Replaced by a newer socket of the same account: reconnecting would close another one.
    if (code === CloseCode.TOO_MANY_SOCKETS) return this.#rest.startRestOnly();
    if (!reachedReady) this.#failures++;
    // An attempt failed while the API answers: the socket is what fails here, and the polls that
    // answer are the fallback (their data is fresh). Failures while nothing answered (a blip) do
    // not say that: they only start the polls that find out (RestFallback.socketFailed).
    if (!reachedReady && this.#rest.socketFailed()) this.#setState('polling');
    if (this.#failures >= this.#fallbackAfter) this.#rest.start();
    else if (!this.#rest.running && this.#state !== 'offline') this.#setState(this.#everConnected ? 'reconnecting' : 'connecting');
    // 4429: the server answered the socket, asking it to wait. No blip, and not to be hurried (RestFallback).
    if (code === CloseCode.RATE_LIMITED && !reachedReady) this.#rest.socketRateLimited();
    // The WebSocket keeps being retried in the background even while polling.
    this.#reconnectTimer = this.#timers.setTimeout(() => this.#connect(), this.#retryDelay(code));
  }

  #retryDelay(code: number): number {
    if (code === CloseCode.GOING_AWAY) return goingAwayDelay(this.#backoff, this.#random);
    if (code === CloseCode.RATE_LIMITED) return rateLimitedDelay(this.#backoff, this.#random);
    return reconnectDelay(this.#tries++, this.#backoff, this.#random);
  }

  /**
   * Beacon refused `refused` (the socket's 4401, a poll's 401): a token it has not refused yet is
   * tried at once by `retry`, with no backoff; without one the client stops (`unauthorized`). See
   * {@link TokenWait.afterRefusal}.
   */
  #tokenRefused(refused: string | null, retry: (fresh: string) => void, unavailable: () => void, path: 'socket' | 'poll'): void {
    this.#tokens.afterRefusal(refused, {
      retry,
      unavailable,
      denied: () => this.#unauthorized(CloseCode.UNAUTHORIZED),
      waiting: () => {
        // A refresh under way: the client says it is trying again while it waits. For the socket
        // it is a connect attempt (a newer one overtakes it); for the polls, it holds while they run.
        this.#sayTryingAgain();
        const run = this.#run;
        const attempt = path === 'socket' ? ++this.#connects : this.#connects;
        return () => run === this.#run && (path === 'socket' ? attempt === this.#connects : this.#rest.running);
      },
    });
  }

  /** After a refused token, with the fresh one: at once, and saying so unless the polls answer meanwhile. */
  #reconnectWithFreshToken(fresh: string): void {
    this.#sayTryingAgain();
    this.#connect(fresh);
  }

  #sayTryingAgain(): void {
    if (this.#socket?.ready) return;
    if (!this.#rest.running) this.#setState(this.#everConnected ? 'reconnecting' : 'connecting');
  }

  #unauthorized(closeCode: number): void {
    this.#stopReason = 'unauthorized';
    this.#teardown();
    this.#setState('offline');
    this.#events.emit('stopped', { reason: 'unauthorized' });
    this.#events.emit('unauthorized', { closeCode });
  }

  /**
   * A REST answer about the own status updates `self` unless a view made later is already
   * there (a frame from another tab's change can overtake the answer): views carry the time
   * they were made, so an older answer must not put back what that change replaced. `run`:
   * when the request was sent; an answer from before a stop() (maybe another account) is only returned.
   */
  #ownView(view: View, run: number): View {
    this.#serverClock.observe(view.timestamp);
    if (run === this.#run && !this.#stopped && !this.#olderThanKept(view)) this.#model.updateSelf(view);
    return view;
  }

  /** True when the own view kept was made after `view` (views carry the time they were made). */
  #olderThanKept(view: View): boolean {
    const current = this.#model.self;
    return current !== null && Date.parse(current.timestamp) > Date.parse(view.timestamp);
  }
}


/** Close 1011: Beacon's own failure during the handshake (docs/protocol.md §2, close codes). */
const INTERNAL_ERROR = 1011;

/** `reason` as an {@link UnavailableReason}, or null for any other (or none). */
function unavailableReasonOf(reason: string): UnavailableReason | null {
  return (UNAVAILABLE_REASONS as readonly string[]).includes(reason) ? (reason as UnavailableReason) : null;
}
