/**
 * PresenceClient: the framework-agnostic browser SDK. Keeps the signed-in user's view and
 * their friends' views live over `/ws/status`, reconnects with jittered backoff, falls
 * back to REST polling when WebSockets keep failing, and reports user activity.
 */
import type { Activity, BlockedUser, EventFrame, Friend, ManualStatus, ReadyFrame, Settings, View } from '../protocol/index.js';
import { CloseCode } from '../protocol/errors.js';
import { FRIEND_CATEGORIES } from '../protocol/enums.js';
import { ApiClient, ApiError } from './api.js';
import { DEFAULT_BACKOFF, goingAwayDelay, rateLimitedDelay, reconnectDelay, type BackoffOptions } from './backoff.js';
import { Emitter } from './emitter.js';
import { attachIdleDetection, InteractionGate, type IdleTarget } from './idle.js';
import { Poller } from './poller.js';
import { PresenceModel } from './presence-model.js';
import type {
  BlockChange,
  ConnectionState,
  NetworkTarget,
  PresenceClientOptions,
  PresenceEvents,
  StopReason,
} from './presence-types.js';
import { ServerClock } from './server-clock.js';
import { StatusSocket } from './status-socket.js';
import { readToken, settled, tokenOrNull, type TokenSource } from './token-source.js';
import { defaultTimers, globalWebSocket, statusSocketUrl, type Timers, type WebSocketCtor } from './transport.js';

export type { BlockChange, ConnectionState, PresenceClientOptions, PresenceEvents, StopReason } from './presence-types.js';

const CLOSE_REASONS: ReadonlySet<string> = new Set(['accepted', 'declined', 'cancelled']);
const CATEGORIES: ReadonlySet<unknown> = new Set(FRIEND_CATEGORIES);

/** A first load whose socket has not answered by then also asks the API (see start()). */
const FIRST_LOAD_PROBE_MS = 2_000;

/** Live presence of the signed-in user and their friends. See {@link PresenceClientOptions}. */
export class PresenceClient {
  readonly #getToken: TokenSource;
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
  readonly #poller: Poller;
  readonly #network: NetworkTarget | null;
  readonly #visibility: PresenceClientOptions['visibility'];
  readonly #serverClock: ServerClock;

  #state: ConnectionState = 'offline';
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
   * The REST fallback: `polling` is said only when it is what works here, never on the way back
   * from a blip. `#restAnswers`: the last poll answered. `#socketFailsOverRest`: a socket attempt
   * failed while it did (the socket is the problem, not the network). `#restOnly`: no socket is
   * tried for now (none in this runtime, or 4409), so every answered poll is `polling`.
   */
  #restAnswers = false;
  #socketFailsOverRest = false;
  #restOnly = false;
  #pendingInteraction = false;
  /**
   * The person's arrival (this start(), a page load) is still to be reported over REST before a
   * poll: a poll is a read and never counts as interaction, so a page that polls from the start
   * says the person is here with POST /users/me/interaction first (see #reportOwedInteraction).
   * Cleared once reported, and by a `ready` (the socket's open was the arrival).
   */
  #arrivalOwed = false;
  #lastSyncAt: number | null = null;
  /** The open socket's `session_id` (its `ready`), while it is open: what this client's declarations name. */
  #socketSessionId: string | null = null;
  /**
   * The game activity this client declared last and has not ended: declared again over each new
   * socket. Set when declared; a declaration the server refuses puts back #acceptedGame (see
   * {@link #answered}).
   */
  #declaredGame: Activity | null = null;
  /** The game of the latest declaration answered and not refused (applied, or maybe: no answer came). */
  #acceptedGame: Activity | null = null;
  /** Declarations made in this client, and the latest of them that set #acceptedGame. */
  #declarations = 0;
  #acceptedDeclaration = 0;
  /** Settles when the own change (status or activity) sent last is answered or failed; null when none is on its way (see #inTurn). */
  #lastChange: Promise<void> | null = null;
  /**
   * Tokens Beacon refused since it last accepted one (in this run): a token is tried again after
   * a refusal only if it is not among them (see #tokenRefused), so each at most once.
   */
  readonly #refusedTokens = new Set<string>();
  /** One list per resync in flight: the presence frames applied since it began (replayed over its older answer). */
  readonly #sinceResync = new Set<EventFrame[]>();
  /** Resyncs started, and the latest whose answer was applied: an earlier one answering later is older. */
  #resyncsStarted = 0;
  #resyncApplied = 0;

  constructor(opts: PresenceClientOptions) {
    this.#getToken = opts.getToken;
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
    this.#poller = new Poller(this.#timers, opts.pollIntervalMs ?? 3_000, () => this.#poll());
    this.#network = opts.network !== undefined ? opts.network : typeof window === 'undefined' ? null : window;
    this.#visibility = opts.visibility !== undefined ? opts.visibility : typeof document === 'undefined' ? null : document;
    this.#serverClock = opts.serverClock ?? new ServerClock(() => this.#timers.now());
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

  /** When the data was last confirmed fresh (ms epoch): `ready`, any socket frame, a poll. Null before. */
  get lastSyncAt(): number | null {
    return this.#lastSyncAt;
  }

  /** Current connection state. */
  get state(): ConnectionState {
    return this.#state;
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
    this.#run++;
    this.#model.reset();
    this.#selfId = null;
    this.#tries = this.#failures = 0;
    this.#everConnected = false;
    this.#restAnswers = this.#socketFailsOverRest = this.#restOnly = false;
    this.#arrivalOwed = true;
    this.#lastSyncAt = null;
    this.#refusedTokens.clear();
    this.#network?.addEventListener('online', this.#onBrowserOnline);
    this.#network?.addEventListener('offline', this.#onBrowserOffline);
    this.#visibility?.addEventListener('visibilitychange', this.#onVisibility);
    this.#setState('connecting');
    this.#connect();
    // A first load whose socket is slow to answer also asks the API, so a hung server reads as
    // offline after one timeout (the API's), not after three of the socket's and then the API's.
    this.#firstProbeTimer = this.#timers.setTimeout(() => {
      if (!this.#stopped && !this.#everConnected && !this.#socket?.ready) this.#startPolling();
    }, FIRST_LOAD_PROBE_MS);
  }

  /**
   * Reconnects now instead of at the next backoff tick: the browser is back online, the page
   * is shown again, or the user asked to ("Retry now"). A hanging attempt is dropped for a
   * fresh one. A socket that looks live is checked instead (it may have died unnoticed while
   * the machine slept or the network changed): without an answer within a few seconds it is
   * given up and the client reconnects. While `offline` the state says it is trying again
   * (`connecting` or `reconnecting`) until the attempt answers or fails (`offline` again). After
   * 4409 (or without WebSocket) it polls at once instead, opening no socket. Does nothing once
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
    if (!this.#poller.running || this.#state === 'offline') this.#setState(this.#everConnected ? 'reconnecting' : 'connecting');
    if (this.#poller.running) this.#poller.pollNow();
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
    return this.#ownView(await this.#inTurn(() => this.#api.setStatus(status, customMessage, expiresAt)), run);
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
    const declaration = ++this.#declarations;
    this.#declaredGame = gameOf(activity);
    const keepalive = opts.keepalive === true;
    const send = () =>
      this.#api.setActivity(activity, undefined, { ...this.#declaringSession(), ...(keepalive ? { keepalive } : {}) }).then(
        (view) => (this.#answered(activity, declaration, run, false), view),
        (e: unknown) => {
          this.#answered(activity, declaration, run, e instanceof ApiError && e.status >= 400 && e.status < 500);
          throw e;
        },
      );
    return this.#ownView(await this.#inTurn(send, keepalive), run);
  }

  /**
   * A declaration's answer, before the change after it is sent. Applied, or with no answer (the
   * network, a 5xx: it may have been applied, and a `browsing` lost with the connection must still
   * end the game), it is the one that holds. `refused` (a 4xx, such as 409 while a game server's
   * match holds the activity): the server did not apply it, so the one accepted before it is
   * remembered again, unless a later declaration was made meanwhile (that one holds). An older
   * declaration answered after a newer one (a keepalive one is sent at once), or one of a run
   * that ended, changes nothing.
   */
  #answered(activity: Activity, declaration: number, run: number, refused: boolean): void {
    if (run !== this.#run) return;
    if (refused) {
      if (declaration === this.#declarations) this.#declaredGame = this.#acceptedGame;
    } else if (declaration > this.#acceptedDeclaration) {
      this.#acceptedDeclaration = declaration;
      this.#acceptedGame = gameOf(activity);
    }
  }

  /**
   * Sends a change of the user's own presence (a status, an activity declaration) once the change
   * sent before it was answered or failed (`now`: at once). Requests sent together may reach the
   * server in either order, and the one it applies last holds: a `playing_pong` overtaken by the
   * `browsing` that ended the match a moment later would leave friends seeing "In game" with no
   * match running, a `busy` overtaken by the `online` set just after it would stay. Over the
   * socket frames keep their order, but the SDK changes over REST, which answers with the view.
   * A change still waiting when this run ends (stop(), a refused token) is not sent, as the token
   * then may be another account's: it fails `CLIENT_STOPPED` (status 0).
   */
  #inTurn<T>(send: () => Promise<T>, now = false): Promise<T> {
    const before = this.#lastChange;
    const run = this.#run;
    const sendInRun = (): Promise<T> => (run === this.#run ? send() : Promise.reject(new ApiError(0, 'CLIENT_STOPPED', 'The client stopped before this change was sent')));
    // With none on its way it goes at once, in this task (a page may be going away).
    const sent = now || before === null ? send() : before.then(sendInRun);
    const done = sent.then(
      () => undefined,
      () => undefined,
    );
    this.#lastChange = done;
    void done.then(() => {
      if (this.#lastChange === done) this.#lastChange = null;
    });
    return sent;
  }

  /** The socket a declaration names when it is sent: the one open then (its `ready.session_id`). */
  #declaringSession(): { sessionId?: string } {
    return this.#socketSessionId ? { sessionId: this.#socketSessionId } : {};
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
    } else if (this.#poller.running) {
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
    else if (this.#poller.running) {
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
    if (this.#state === state) return;
    this.#state = state;
    this.#events.emit('state', state);
  }

  #teardown(): void {
    this.#stopped = true;
    this.#run++;
    this.#timers.clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = null;
    this.#timers.clearTimeout(this.#firstProbeTimer);
    this.#firstProbeTimer = null;
    this.#socket?.close();
    this.#socket = null;
    this.#socketSessionId = null;
    // The game was this run's socket's: never declared again for whoever signs in next.
    this.#declaredGame = this.#acceptedGame = null;
    this.#poller.stop();
    this.#pendingInteraction = false;
    this.#arrivalOwed = false;
    this.#network?.removeEventListener('online', this.#onBrowserOnline);
    this.#network?.removeEventListener('offline', this.#onBrowserOffline);
    this.#visibility?.removeEventListener('visibilitychange', this.#onVisibility);
  }

  #onBrowserOnline = (): void => this.reconnectNow();

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
    if (v && (v.visibilityState === undefined || v.visibilityState === 'visible')) this.reconnectNow();
  };

  #synced(): void {
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
    // A page shown again, the browser back online, a retry: the polls answer for it (#restOnly).
    if (this.#restOnly) return this.#startPolling();
    const attempt = ++this.#connects;
    if (known !== undefined) return this.#connectWith(known);
    const read = readToken(this.#getToken);
    if ('now' in read) return this.#connectWith(read.now);
    if ('failed' in read) return this.#tokenUnavailable();
    const run = this.#run;
    this.#awaitToken(read.later, () => run === this.#run && attempt === this.#connects, (token) => this.#connectWith(tokenOrNull(token)), () => this.#tokenUnavailable());
  }

  /**
   * Waits for a token promise for a connect: `then` or `failed` run only while `current()` holds
   * and no socket is ready (another path connected meanwhile). A promise that has not settled
   * within the connect timeout counts as failed (a refresh hanging on a stalled network), and
   * any later answer is dropped.
   */
  #awaitToken(later: PromiseLike<string | null>, current: () => boolean, then: (token: string | null) => void, failed: () => void): void {
    const live = () => current() && !this.#socket?.ready;
    let settled = false;
    const timer = this.#timers.setTimeout(() => {
      if (settled || !live()) return;
      settled = true;
      this.#connects++;
      failed();
    }, this.#connectTimeoutMs);
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      this.#timers.clearTimeout(timer);
      if (live()) fn();
    };
    Promise.resolve(later).then(
      (token) => settle(() => then(token)),
      () => settle(failed),
    );
  }

  /**
   * getToken threw or rejected (the host's refresh failed, its network is down): no refusal by
   * Beacon, so the client does not stop; it says `offline` unless polls answer, and reads the
   * token again at the backoff pace.
   */
  #tokenUnavailable(): void {
    if (this.#stopped) return;
    if (!this.#poller.running) this.#setState('offline');
    this.#timers.clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = this.#timers.setTimeout(() => this.#connect(), reconnectDelay(this.#tries++, this.#backoff, this.#random));
  }

  #connectWith(token: string | null): void {
    if (!token) {
      this.#noToken = true;
      return this.#unauthorized(CloseCode.UNAUTHORIZED);
    }
    if (!this.#WebSocket) {
      this.#restOnly = true; // no WebSocket in this runtime: REST only
      return this.#startPolling();
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
        onEvent: (frame) => this.#socket === socket && this.#onEvent(frame),
        onGap: () => this.#socket === socket && void this.#resync(),
        onClose: (code, reachedReady) => {
          if (this.#socket === socket) this.#onSocketClosed(code, reachedReady, token);
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
    this.#refusedTokens.clear();
    this.#everConnected = true;
    this.#arrivalOwed = false;
    this.#selfId = frame.self.user_id;
    this.#poller.stop();
    this.#restAnswers = this.#socketFailsOverRest = this.#restOnly = false;
    this.#setState('connected');
    this.#model.applySnapshot(frame.friends, frame.self, true);
    this.#synced();
    this.#socketSessionId = typeof frame.session_id === 'string' ? frame.session_id : null;
    // A game still running here is this new socket's now (the server ends one no session holds),
    // declared in its turn: unless a declaration on its way by then ended it.
    if (this.#declaredGame !== null) {
      const run = this.#run;
      this.#inTurn(async () => {
        const game = this.#declaredGame;
        if (game !== null) this.#ownView(await this.#api.setActivity(game, undefined, this.#declaringSession()), run);
      }).catch(() => undefined);
    }
    if (this.#pendingInteraction) {
      this.#pendingInteraction = false;
      if (this.#socket?.send({ type: 'interaction' })) this.#gate.sent(this.#timers.now());
    }
  }

  #onEvent(frame: EventFrame): void {
    this.#lastSyncAt = this.#timers.now();
    this.#serverClock.observe(madeAt(frame.type === 'friend_added' ? frame.friend : frame));
    if (frame.type === 'friend_request_received' || frame.type === 'friend_request_sent') {
      const { request } = frame as { request: unknown };
      if (typeof request === 'object' && request !== null && typeof (request as { id?: unknown }).id === 'number') {
        this.#events.emit(frame.type, { request: frame.request });
      }
      return;
    }
    if (frame.type === 'friend_request_closed') {
      const { request_id, reason } = frame;
      if (typeof request_id === 'number' && CLOSE_REASONS.has(reason)) {
        this.#events.emit('friend_request_closed', { requestId: request_id, reason });
      }
      return;
    }
    if (frame.type === 'game_invite' || frame.type === 'game_invite_accepted') {
      const id = frame.invite_id;
      const who = frame.type === 'game_invite' ? frame.from_user_id : frame.by_user_id;
      if (typeof id !== 'string' || typeof who !== 'number') return;
      if (frame.type === 'game_invite') this.#events.emit('game_invite', { inviteId: id, fromUserId: who });
      else this.#events.emit('game_invite_accepted', { inviteId: id, byUserId: who });
      return;
    }
    if (frame.type === 'friend_updated') {
      if (isFriend(frame.friend)) this.#events.emit('friend_updated', { friend: frame.friend });
      return;
    }
    if (frame.type === 'block_changed') {
      const change = blockChangeOf(frame);
      if (change) this.#events.emit('block_changed', change);
      return;
    }
    if (frame.type === 'settings_update') {
      if (typeof frame.settings === 'object' && frame.settings !== null) this.#events.emit('settings', { settings: frame.settings });
      return;
    }
    if (frame.type === 'notification') {
      if (typeof frame.friend_id === 'number' && typeof frame.display_name === 'string') this.#events.emit('notification', { ...frame, type: 'notification' });
      return;
    }
    if (frame.type === 'are_you_there') {
      this.#gate.probe();
      this.#events.emit('are_you_there', undefined);
    } else if (frame.type === 'probe_answered') {
      this.#gate.answered();
      this.#events.emit('probe_answered', undefined);
    } else if (frame.type === 'error') {
      this.#events.emit('error', { code: String(frame.code), message: String(frame.message) });
    } else {
      this.#model.applyEvent(frame);
      for (const since of this.#sinceResync) since.push(frame);
    }
  }

  #onSocketClosed(code: number, reachedReady: boolean, token: string): void {
    this.#socket = null;
    this.#socketSessionId = null;
    if (this.#stopped) return;
    // Signed out (the host's sign-out, a logout): no token of this login is to be used again.
    if (code === CloseCode.SESSION_REVOKED) return this.#unauthorized(code);
    if (code === CloseCode.UNAUTHORIZED) return this.#tokenRefused(token, (fresh) => this.#reconnectWithFreshToken(fresh), () => this.#tokenUnavailable(), 'socket');
    // Replaced by a newer socket of the same account: reconnecting would close another one.
    if (code === CloseCode.TOO_MANY_SOCKETS) {
      this.#restOnly = true;
      return this.#startPolling();
    }
    if (!reachedReady) this.#failures++;
    // An attempt failed while the API answers: the socket is what fails here, and the polls that
    // answer are the fallback (their data is fresh). Failures while nothing answered (a blip) do
    // not say that: they only start the polls that find out (#poll).
    if (!reachedReady && this.#poller.running && this.#restAnswers) {
      this.#socketFailsOverRest = true;
      this.#setState('polling');
    }
    if (this.#failures >= this.#fallbackAfter) this.#startPolling();
    else if (!this.#poller.running && this.#state !== 'offline') this.#setState(this.#everConnected ? 'reconnecting' : 'connecting');
    // 4429: the server answered the socket, asking it to wait. No blip, and not to be hurried (#poll).
    if (code === CloseCode.RATE_LIMITED && !reachedReady && this.#poller.running) this.#socketFailsOverRest = true;
    // The WebSocket keeps being retried in the background even while polling.
    this.#reconnectTimer = this.#timers.setTimeout(() => this.#connect(), this.#retryDelay(code));
  }

  #retryDelay(code: number): number {
    if (code === CloseCode.GOING_AWAY) return goingAwayDelay(this.#backoff, this.#random);
    if (code === CloseCode.RATE_LIMITED) return rateLimitedDelay(this.#backoff, this.#random);
    return reconnectDelay(this.#tries++, this.#backoff, this.#random);
  }

  /**
   * Beacon refused `refused` (the socket's 4401, a poll's 401: expired, revoked, bad). The host
   * may have refreshed it meanwhile (`getToken` is read at each connect and call): a token Beacon
   * has not refused yet is tried at once by `retry`, with no backoff; without one the client
   * stops (`unauthorized`). Each distinct token is tried at most once, so a dead one never loops.
   */
  #tokenRefused(refused: string | null, retry: (fresh: string) => void, unavailable: () => void, path: 'socket' | 'poll'): void {
    if (refused) this.#refusedTokens.add(refused);
    const decide = (fresh: string | null) => {
      if (!fresh || this.#refusedTokens.has(fresh)) return this.#unauthorized(CloseCode.UNAUTHORIZED);
      retry(fresh);
    };
    const read = readToken(this.#getToken);
    if ('now' in read) return decide(read.now);
    if ('failed' in read) return unavailable();
    // A refresh under way: the client says it is trying again while it waits. For the socket it
    // is a connect attempt (a newer one overtakes it); for the polls, it holds while they run.
    this.#sayTryingAgain();
    const run = this.#run;
    const attempt = path === 'socket' ? ++this.#connects : this.#connects;
    const current = () => run === this.#run && (path === 'socket' ? attempt === this.#connects : this.#poller.running);
    this.#awaitToken(read.later, current, (fresh) => decide(tokenOrNull(fresh)), unavailable);
  }

  /** After a refused token, with the fresh one: at once, and saying so unless the polls answer meanwhile. */
  #reconnectWithFreshToken(fresh: string): void {
    this.#sayTryingAgain();
    this.#connect(fresh);
  }

  #sayTryingAgain(): void {
    if (this.#socket?.ready) return;
    if (!this.#poller.running) this.#setState(this.#everConnected ? 'reconnecting' : 'connecting');
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

  /**
   * Starts the REST fallback after the socket kept failing. Until it is known to be what works
   * (see {@link #poll}) the state stays as it was (`connecting`, `reconnecting`), or `offline`
   * while the API does not answer either: `polling` means the socket fails while the REST
   * fallback answers (§8), which neither a server that hangs nor a blip of the network is.
   */
  #startPolling(): void {
    if (this.#poller.running) return;
    this.#poller.start();
  }

  /** One poll: friends' views plus our own (that request also keeps us online server-side). */
  async #poll(): Promise<void> {
    const run = this.#run;
    // The token this poll's requests carry (read again by each; a refresh meanwhile is retried).
    const read = readToken(this.#getToken);
    // Bounded: a refresh that hangs must not stop the polls (the requests then fail on their own).
    const token = 'now' in read ? read.now : await settled(read, this.#connectTimeoutMs, this.#timers);
    if (run !== this.#run) return;
    try {
      await this.#reportOwedInteraction(run);
      // After a socket of this start() was ready, polling is the client's own doing (its connection
      // was lost), so the poll opening the polling session is no interaction, like a reconnect.
      // Our own view: GET /users/me/status (ApiClient.ownStatus; an older server, by our id).
      const [friends, self] = await Promise.all([this.#api.friendsStatus(false, this.#everConnected), this.#api.ownStatus(this.#selfId ?? undefined)]);
      if (run === this.#run) this.#selfId ??= self.user_id;
      this.#serverClock.observe(self.timestamp, ...friends.map(madeAt));
      if (run !== this.#run || !this.#poller.running || this.#socket?.ready) return;
      if (this.#restOnly || this.#socketFailsOverRest) this.#setState('polling');
      else {
        // The API answers and no socket attempt failed since it does: the network is back (the
        // failures were a blip) or the socket was never tried with it. Try the socket now rather
        // than at the next backoff tick, and say `polling` only if that attempt fails too.
        if (this.#state === 'offline') this.#setState(this.#everConnected ? 'reconnecting' : 'connecting');
        if (!this.#socket) {
          this.#timers.clearTimeout(this.#reconnectTimer);
          this.#connect();
        }
      }
      this.#restAnswers = true;
      this.#refusedTokens.clear();
      // A PUT's answer may have overtaken this poll: its own view is then older than the one kept.
      this.#model.applySnapshot(friends, this.#olderThanKept(self) ? this.#model.self : self, false);
      this.#synced();
    } catch (err) {
      if (run !== this.#run) return;
      // A 401 once a socket is ready says nothing of the token it uses (a rotation: this poll
      // carried the old one). A failed refresh: the poller polls again at its pace, reading anew.
      if (err instanceof ApiError && err.status === 401) {
        if (this.#socket?.ready || !this.#poller.running) return;
        return this.#tokenRefused(token, () => this.#poller.pollNow(), () => undefined, 'poll');
      }
      // Neither the socket nor the API answers: the list can no longer be trusted. Whatever failed
      // meanwhile says nothing about the socket once the network is back.
      this.#restAnswers = this.#socketFailsOverRest = false;
      if (this.#poller.running && !this.#socket?.ready) this.#setState('offline');
    }
  }

  /**
   * Before a poll: reports over REST the person's arrival (a page load polling before any socket
   * of this start() was ready) or an input remembered while nothing could carry it. Awaited, so
   * the poll that opens the polling session finds the interaction on record: the server takes
   * that poll as no interaction (a read), and shows the person `online` only when their last
   * interaction is recent; reported after it, friends would see them `away` first, then `online`.
   * Not for the client's own fallback after a socket was ready (no one arrived). A failure is
   * tried again before the next poll; one with no answer at all fails this poll (the reads would
   * wait as long again for a server that does not answer).
   */
  async #reportOwedInteraction(run: number): Promise<void> {
    if (!this.#arrivalOwed && !this.#pendingInteraction) return;
    try {
      await this.#api.reportInteraction();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'NETWORK_ERROR') throw err;
      return;
    }
    if (run !== this.#run) return;
    this.#arrivalOwed = this.#pendingInteraction = false;
    this.#gate.sent(this.#timers.now());
  }

  /**
   * Events were lost on the socket (a `seq` gap): refetch the friends' views and our own over
   * REST (a lost `status_update` — another tab, an expiry, auto-away — would leave `self`
   * wrong until the next one). The answers were made when the requests reached the server,
   * so the frames that arrive meanwhile are newer: they are applied again over them (a
   * friend's later change, a friend added, our own later change). The own answer also keeps
   * the rule of {@link #ownView}: never over a view made later.
   */
  async #resync(): Promise<void> {
    const run = this.#run;
    // Only for the socket that saw the gap: a later one brought a newer snapshot in its ready.
    const socket = this.#socket;
    const nth = ++this.#resyncsStarted;
    const since: EventFrame[] = [];
    this.#sinceResync.add(since);
    const selfId = this.#selfId ?? this.#model.self?.user_id;
    // A failed own refetch must not cost the friends' one: it answers null and self stays as it is.
    const ownAnswer = selfId === undefined ? null : this.#api.userStatus(selfId).catch(() => null);
    try {
      const [friends, self] = await Promise.all([this.#api.friendsStatus(false, true), ownAnswer]);
      this.#serverClock.observe(...friends.map(madeAt));
      if (run === this.#run && socket !== null && this.#socket === socket && socket.ready && nth > this.#resyncApplied) {
        this.#resyncApplied = nth;
        this.#model.applySnapshot(friends, null, false);
        if (self) this.#ownView(self, run);
        for (const frame of since) this.#model.applyEvent(frame);
      }
    } catch {
      // the next reconnect brings a full snapshot anyway
    } finally {
      this.#sinceResync.delete(since);
    }
  }
}

/** When the server made a view or frame (its `timestamp`), for the server clock; undefined without one. */
function madeAt(v: unknown): unknown {
  return typeof v === 'object' && v !== null ? (v as { timestamp?: unknown }).timestamp : undefined;
}

/** A `friend` worth passing on: an id, and a category this SDK knows (a malformed frame is dropped). */
function isFriend(v: unknown): v is Friend {
  return typeof v === 'object' && v !== null && typeof (v as { user_id?: unknown }).user_id === 'number' && CATEGORIES.has((v as { category?: unknown }).category);
}

/** The event of a `block_changed` frame; undefined for a malformed one (a block without its user, or another user's). */
function blockChangeOf(frame: { user_id: unknown; blocked: unknown; user?: unknown }): BlockChange | undefined {
  const { user_id: userId, blocked, user } = frame;
  if (typeof userId !== 'number') return undefined;
  if (blocked === false) return { userId, blocked };
  if (blocked !== true || typeof user !== 'object' || user === null) return undefined;
  const u = user as Record<string, unknown>;
  if (u.user_id !== userId || typeof u.username !== 'string' || typeof u.display_name !== 'string' || typeof u.since !== 'string') return undefined;
  return { userId, blocked, user: user as BlockedUser };
}

/** The game an activity declares (one that shows `in_game`), or null. */
function gameOf(activity: Activity): Activity | null {
  return activity === 'playing_pong' || activity === 'in_tournament' ? activity : null;
}
